"""NodeAffinity plugin: filter, PreFilterResult from matchFields, preferred-term scoring."""

from __future__ import annotations

import pytest

from tests.scheduling.builders import (
    filter_statuses,
    make_node,
    make_pod,
    plugin_framework,
    plugin_scores,
    raw_scores,
    req,
    snapshot,
    term,
)
from vigil.cluster import NodeAffinity, NodeSelector, Pod, PreferredSchedulingTerm
from vigil.scheduling import Code, CycleState, Scheduler

POD_REASON = "node(s) didn't match Pod's node affinity/selector"


def _nodes() -> list:  # type: ignore[type-arg]
    return [
        make_node("n1").labels(zone="a", disk="ssd", gen="4").obj(),
        make_node("n2").labels(zone="b", disk="hdd", gen="2").obj(),
        make_node("n3").labels(zone="c").obj(),
    ]


@pytest.mark.parametrize(
    ("pod", "passing"),
    [
        (make_pod("p").obj(), {"n1", "n2", "n3"}),
        (make_pod("p").node_selector(disk="ssd").obj(), {"n1"}),
        (make_pod("p").node_selector(disk="ssd", zone="b").obj(), set()),
        (make_pod("p").required_node_terms(term(req("zone", "In", "a", "b"))).obj(), {"n1", "n2"}),
        (make_pod("p").required_node_terms(term(req("zone", "NotIn", "a"))).obj(), {"n2", "n3"}),
        (make_pod("p").required_node_terms(term(req("disk", "DoesNotExist"))).obj(), {"n3"}),
        (make_pod("p").required_node_terms(term(req("gen", "Gt", "3"))).obj(), {"n1"}),
        (make_pod("p").required_node_terms(term(req("gen", "Lt", "3"))).obj(), {"n2"}),
        (
            make_pod("p")
            .required_node_terms(term(req("zone", "In", "a")), term(req("zone", "In", "c")))
            .obj(),
            {"n1", "n3"},
        ),
        (
            make_pod("p")
            .required_node_terms(term(req("zone", "In", "a"), req("disk", "In", "hdd")))
            .obj(),
            set(),
        ),
        (make_pod("p").required_node_terms(term()).obj(), set()),
        (make_pod("p").required_node_terms().obj(), set()),
        (
            make_pod("p")
            .node_selector(disk="hdd")
            .required_node_terms(term(req("zone", "Exists")))
            .obj(),
            {"n2"},
        ),
        (
            make_pod("p")
            .required_node_terms(term(req("gen", "Gt", "x")), term(req("zone", "In", "c")))
            .obj(),
            {"n3"},
        ),
    ],
)
def test_filter(pod: Pod, passing: set[str]) -> None:
    statuses = filter_statuses("NodeAffinity", pod, snapshot(_nodes()))
    assert {n for n, s in statuses.items() if s.is_success()} == passing
    for name, status in statuses.items():
        if name not in passing:
            assert status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
            assert status.reasons == (POD_REASON,)


def test_pre_filter_skips_pods_without_constraints() -> None:
    snap = snapshot(_nodes())
    fwk = plugin_framework("NodeAffinity", snap)
    state = CycleState()
    fwk.run_pre_filter_plugins(state, make_pod("p").obj(), snap.node_infos)
    assert state.skip_filter_plugins == {"NodeAffinity"}


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        ([term(fields=[req("metadata.name", "In", "n1")])], frozenset({"n1"})),
        (
            [
                term(fields=[req("metadata.name", "In", "n1")]),
                term(fields=[req("metadata.name", "In", "n2")]),
            ],
            frozenset({"n1", "n2"}),
        ),
        ([term(fields=[req("metadata.name", "In", "n1")]), term(req("zone", "In", "c"))], None),
        (
            [term(req("zone", "In", "a"), fields=[req("metadata.name", "In", "n1")])],
            frozenset({"n1"}),
        ),
        ([term(fields=[req("metadata.name", "NotIn", "n1")])], None),
    ],
)
def test_pre_filter_result_from_match_fields(terms: list, expected: frozenset[str] | None) -> None:  # type: ignore[type-arg]
    snap = snapshot(_nodes())
    fwk = plugin_framework("NodeAffinity", snap)
    outcome = fwk.run_pre_filter_plugins(
        CycleState(), make_pod("p").required_node_terms(*terms).obj(), snap.node_infos
    )
    assert outcome.status.is_success()
    assert (outcome.result.node_names if outcome.result else None) == expected


def test_conflicting_name_terms_are_unresolvable_at_pre_filter() -> None:
    snap = snapshot(_nodes())
    pod = (
        make_pod("p")
        .required_node_terms(
            term(fields=[req("metadata.name", "In", "n1"), req("metadata.name", "In", "n2")])
        )
        .obj()
    )
    status = filter_statuses("NodeAffinity", pod, snap)["n1"]
    assert status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert status.reasons == ("pod affinity terms conflict",)


def test_daemonset_pod_message_counts_nodes_outside_the_pre_filter_result() -> None:
    nodes = [make_node(f"n{i}").capacity(pods=1).obj() for i in range(4)]
    busy = make_pod("busy").node("n0").obj()
    pod = make_pod("ds").required_node_terms(term(fields=[req("metadata.name", "In", "n0")])).obj()
    result = Scheduler(snapshot(nodes, [busy])).schedule_pod(pod)
    assert result.message == (
        "0/4 nodes are available: 1 Too many pods, 3 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )
    assert result.pre_filter_result == frozenset({"n0"})


def test_pre_filter_result_naming_only_missing_nodes() -> None:
    pod = (
        make_pod("ds").required_node_terms(term(fields=[req("metadata.name", "In", "gone")])).obj()
    )
    result = Scheduler(snapshot(_nodes())).schedule_pod(pod)
    assert (
        result.message
        == "0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )


def test_added_affinity_is_enforced() -> None:
    added = NodeAffinity(required=NodeSelector((term(req("zone", "In", "a", "b")),)))
    statuses = filter_statuses(
        "NodeAffinity", make_pod("p").obj(), snapshot(_nodes()), {"addedAffinity": added}
    )
    assert statuses["n3"].reasons == ("node(s) didn't match scheduler-enforced node affinity",)
    assert statuses["n1"].is_success()


def test_score_sums_matching_preferred_weights_and_normalizes() -> None:
    nodes = [
        make_node("n1").labels(a="1").obj(),
        make_node("n2").labels(b="1").obj(),
        make_node("n3").labels(a="1", b="1", c="1").obj(),
        make_node("n4").obj(),
    ]
    pod = (
        make_pod("p")
        .preferred_node_term(2, term(req("a", "Exists")))
        .preferred_node_term(4, term(req("b", "Exists")))
        .preferred_node_term(5, term(req("c", "Exists")))
        .preferred_node_term(0, term(req("a", "Exists")))
        .preferred_node_term(7, term())
        .obj()
    )
    snap = snapshot(nodes)
    assert raw_scores("NodeAffinity", pod, snap) == {"n1": 2, "n2": 4, "n3": 11, "n4": 0}
    assert plugin_scores("NodeAffinity", pod, snap) == {"n1": 18, "n2": 36, "n3": 100, "n4": 0}


def test_score_is_skipped_without_preferred_terms_and_uses_added_preferred() -> None:
    snap = snapshot(_nodes())
    assert plugin_scores("NodeAffinity", make_pod("p").obj(), snap) is None
    added = NodeAffinity(preferred=(PreferredSchedulingTerm(3, term(req("zone", "In", "b"))),))
    assert plugin_scores("NodeAffinity", make_pod("p").obj(), snap, {"addedAffinity": added}) == {
        "n1": 0,
        "n2": 100,
        "n3": 0,
    }
