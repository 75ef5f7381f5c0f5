"""Taint-based eviction: NoExecute taints, the smallest tolerationSeconds, forever, at once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.disruption.builders import running
from tests.scheduling.builders import make_node
from vigil.cluster import Cluster, Toleration
from vigil.cluster.admission import default_toleration_seconds
from vigil.disruption.taint_eviction import TaintOutcome, evaluate_pod, taint_evictions

NOT_READY = ("node.kubernetes.io/not-ready", "", "NoExecute")


def _pod(*tolerations: Toleration):  # type: ignore[no-untyped-def]
    pod = running("p", owner=None)
    return replace(pod, spec=replace(pod.spec, tolerations=tolerations))


def _node(*taints: tuple[str, str, str]):  # type: ignore[no-untyped-def]
    b = make_node("n1")
    for key, value, effect in taints:
        b = b.taint(key, value, effect)
    return b.obj()


@pytest.mark.parametrize(
    ("taints", "tolerations", "outcome", "seconds", "taint"),
    [
        pytest.param([("a", "", "NoSchedule")], [], None, None, None, id="no NoExecute taint"),
        pytest.param(
            [("a", "x", "NoExecute")],
            [],
            TaintOutcome.EVICT_NOW,
            0,
            "a=x:NoExecute",
            id="untolerated",
        ),
        pytest.param(
            [("a", "x", "NoExecute"), ("b", "", "NoExecute")],
            [Toleration("a", "Exists", "", "NoExecute")],
            TaintOutcome.EVICT_NOW,
            0,
            "b:NoExecute",
            id="one of two untolerated",
        ),
        pytest.param(
            [("a", "x", "NoExecute")],
            [Toleration("a", "Equal", "x", "NoExecute")],
            TaintOutcome.TOLERATED,
            None,
            "a=x:NoExecute",
            id="tolerated forever",
        ),
        pytest.param(
            [("a", "", "NoExecute"), ("b", "", "NoExecute")],
            [
                Toleration("a", "Exists", "", "NoExecute", 600),
                Toleration("b", "Exists", "", "NoExecute", 60),
            ],
            TaintOutcome.EVICT_AFTER,
            60,
            "b:NoExecute",
            id="minimum over the tolerations used",
        ),
        pytest.param(
            [("a", "", "NoExecute")],
            [Toleration("a", "Exists", "", "NoExecute", 600), Toleration("", "Exists")],
            TaintOutcome.EVICT_AFTER,
            600,
            "a:NoExecute",
            id="the first matching toleration counts",
        ),
        pytest.param(
            [("a", "", "NoExecute"), ("b", "", "NoExecute")],
            [Toleration("a", "Exists", "", "NoExecute", 30), Toleration("b", "Exists")],
            TaintOutcome.EVICT_AFTER,
            30,
            "a:NoExecute",
            id="unset seconds are ignored",
        ),
        pytest.param(
            [("a", "", "NoExecute")],
            [Toleration("a", "Exists", "", "NoExecute", -5)],
            TaintOutcome.EVICT_NOW,
            0,
            "a:NoExecute",
            id="negative seconds mean at once",
        ),
    ],
)
def test_taint_manager_rules(taints, tolerations, outcome, seconds, taint) -> None:  # type: ignore[no-untyped-def]
    found = evaluate_pod(_pod(*tolerations), _node(*taints))
    if outcome is None:
        assert found is None
        return
    assert found is not None
    data = found.as_dict()
    assert (found.outcome, data["evictAfterSeconds"], data["taint"]) == (outcome, seconds, taint)
    assert data["evicted"] is (outcome is not TaintOutcome.TOLERATED)
    if data["evicted"]:
        assert data["condition"]["reason"] == "DeletionByTaintManager"
        assert data["condition"]["type"] == "DisruptionTarget"
    else:
        assert data["condition"] is None


def test_default_toleration_seconds_evict_after_five_minutes() -> None:
    pod = default_toleration_seconds(running("p", owner=None))
    found = evaluate_pod(pod, _node(NOT_READY))
    assert found is not None
    assert (found.outcome, found.evict_after_seconds) == (TaintOutcome.EVICT_AFTER, 300)


def test_every_pod_of_tainted_nodes() -> None:
    store = Cluster(
        nodes=[_node(NOT_READY), make_node("n2").obj()],
        pods=[running("a"), running("b"), running("c", node="n2")],
    )
    assert [e.pod for e in taint_evictions(store)] == ["shop/a", "shop/b"]
    assert taint_evictions(store, ["n2"]) == []


@pytest.mark.parametrize(
    ("taints", "tolerations", "outcome", "seconds", "taint"),
    [
        pytest.param(
            [("a", "", "NoExecute")],
            [Toleration("a", "Exists", "", "NoExecute", 0)],
            TaintOutcome.EVICT_NOW,
            0,
            "a:NoExecute",
            id="zero seconds mean at once",
        ),
        pytest.param(
            [("a", "", "NoExecute"), ("b", "", "NoExecute")],
            [Toleration("a", "Exists", "", "NoExecute", 0), Toleration("b", "Exists")],
            TaintOutcome.EVICT_NOW,
            0,
            "a:NoExecute",
            id="a zero beside a forever",
        ),
        pytest.param(
            [("a", "x", "NoExecute")],
            [Toleration("a", "Equal", "y", "NoExecute", 600)],
            TaintOutcome.EVICT_NOW,
            0,
            "a=x:NoExecute",
            id="another value does not tolerate",
        ),
        pytest.param(
            [("a", "x", "NoExecute")],
            [Toleration("a", "Exists", "", "NoSchedule", 600)],
            TaintOutcome.EVICT_NOW,
            0,
            "a=x:NoExecute",
            id="a NoSchedule toleration does not tolerate NoExecute",
        ),
        pytest.param(
            [("a", "x", "NoExecute"), ("b", "y", "NoExecute")],
            [Toleration("", "Exists", "", "", 120)],
            TaintOutcome.EVICT_AFTER,
            120,
            "a=x:NoExecute",
            id="one wildcard for every taint",
        ),
        pytest.param(
            [("a", "x", "NoSchedule"), ("b", "", "NoExecute")],
            [Toleration("b", "Exists", "", "NoExecute", 45)],
            TaintOutcome.EVICT_AFTER,
            45,
            "b:NoExecute",
            id="NoSchedule taints are not counted",
        ),
        pytest.param(
            [("a", "x", "NoExecute")],
            [Toleration("a", "Lt", "5", "NoExecute", 30)],
            TaintOutcome.EVICT_NOW,
            0,
            "a=x:NoExecute",
            id="alpha operators do not match (gate off)",
        ),
    ],
)
def test_taint_manager_upstream_cases(taints, tolerations, outcome, seconds, taint) -> None:  # type: ignore[no-untyped-def]
    """``processPodOnNode`` with ``GetMatchingTolerations`` and ``getMinTolerationTime``
    (pkg/controller/tainteviction/taint_eviction.go; ``ToleratesTaint`` in
    staging/src/k8s.io/api/core/v1/toleration.go)."""
    found = evaluate_pod(_pod(*tolerations), _node(*taints))
    assert found is not None
    data = found.as_dict()
    assert (found.outcome, data["evictAfterSeconds"], data["taint"]) == (outcome, seconds, taint)
