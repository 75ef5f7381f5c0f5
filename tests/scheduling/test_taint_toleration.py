"""TaintToleration: filter on the first untolerated hard taint, score PreferNoSchedule taints."""

from __future__ import annotations

import pytest

from tests.scheduling.builders import (
    filter_statuses,
    make_node,
    make_pod,
    plugin_scores,
    raw_scores,
    snapshot,
)
from vigil.cluster import Node, Pod
from vigil.scheduling import Code

CP = "node-role.kubernetes.io/control-plane"


@pytest.mark.parametrize(
    ("node", "pod", "expected"),
    [
        (make_node("n").obj(), make_pod("p").obj(), ""),
        (
            make_node("n").taint(CP).obj(),
            make_pod("p").obj(),
            f"node(s) had untolerated taint {{{CP}: }}",
        ),
        (
            make_node("n").taint("dedicated", "gpu").obj(),
            make_pod("p").obj(),
            "node(s) had untolerated taint {dedicated: gpu}",
        ),
        (
            make_node("n").taint("dedicated", "gpu").obj(),
            make_pod("p").toleration("dedicated", "gpu", "NoSchedule").obj(),
            "",
        ),
        (
            make_node("n").taint("dedicated", "gpu").obj(),
            make_pod("p").toleration("dedicated", "cpu", "NoSchedule").obj(),
            "node(s) had untolerated taint {dedicated: gpu}",
        ),
        (make_node("n").taint("soft", effect="PreferNoSchedule").obj(), make_pod("p").obj(), ""),
        (
            make_node("n").taint("evict", effect="NoExecute").obj(),
            make_pod("p").obj(),
            "node(s) had untolerated taint {evict: }",
        ),
        (
            make_node("n").taint("a").taint("b", "2").obj(),
            make_pod("p").toleration("a", operator="Exists").obj(),
            "node(s) had untolerated taint {b: 2}",
        ),
        (
            make_node("n").taint("a").taint("b", "2").obj(),
            make_pod("p").toleration(operator="Exists").obj(),
            "",
        ),
    ],
)
def test_filter(node: Node, pod: Pod, expected: str) -> None:
    status = filter_statuses("TaintToleration", pod, snapshot([node]))["n"]
    assert status.message() == expected
    if expected:
        assert status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE


def test_score_counts_untolerated_prefer_no_schedule_reversed() -> None:
    nodes = [
        make_node("clean").obj(),
        make_node("one").taint("a", effect="PreferNoSchedule").obj(),
        make_node("two")
        .taint("a", effect="PreferNoSchedule")
        .taint("b", effect="PreferNoSchedule")
        .obj(),
        make_node("hard").taint("c", effect="NoSchedule").obj(),
    ]
    pod = make_pod("p").obj()
    snap = snapshot(nodes)
    assert raw_scores("TaintToleration", pod, snap) == {"clean": 0, "one": 1, "two": 2, "hard": 0}
    assert plugin_scores("TaintToleration", pod, snap) == {
        "clean": 100,
        "one": 50,
        "two": 0,
        "hard": 100,
    }


def test_score_only_prefer_no_schedule_or_empty_effect_tolerations_count() -> None:
    nodes = [
        make_node("one").taint("a", effect="PreferNoSchedule").obj(),
        make_node("two")
        .taint("a", effect="PreferNoSchedule")
        .taint("b", effect="PreferNoSchedule")
        .obj(),
    ]
    snap = snapshot(nodes)
    tolerates_a = make_pod("p").toleration("a", operator="Exists", effect="PreferNoSchedule").obj()
    assert raw_scores("TaintToleration", tolerates_a, snap) == {"one": 0, "two": 1}
    wrong_effect = make_pod("p").toleration("a", operator="Exists", effect="NoSchedule").obj()
    assert raw_scores("TaintToleration", wrong_effect, snap) == {"one": 1, "two": 2}
    any_effect = make_pod("p").toleration(operator="Exists").obj()
    assert plugin_scores("TaintToleration", any_effect, snap) == {"one": 100, "two": 100}
