"""PodTopologySpread: skew filter with minDomains and inclusion policies; spreading score."""

from __future__ import annotations

import math

import pytest

from tests.scheduling.builders import (
    filter_reasons,
    filter_statuses,
    make_node,
    make_pod,
    plugin_framework,
    plugin_scores,
    raw_scores,
    sel,
    snapshot,
)
from vigil.cluster import LabelSelector, Node, ObjectMeta, Pod, Service, Workload
from vigil.scheduling import Code, CycleState, PodInfo
from vigil.scheduling.plugins.spread_scoring import go_round

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
SKEW = "node(s) didn't match pod topology spread constraints"
MISSING = "node(s) didn't match pod topology spread constraints (missing required label)"


def _nodes() -> list[Node]:
    return [
        make_node("a1").zone("a").labels(disk="ssd").obj(),
        make_node("a2").zone("a").labels(disk="ssd").obj(),
        make_node("b1").zone("b").obj(),
        make_node("x").obj(),
    ]


def _web(name: str, node: str, **labels: str) -> Pod:
    return make_pod(name).labels(app="web", **labels).node(node).obj()


TWO_IN_A = [_web("w1", "a1"), _web("w2", "a2")]
ZONE_SPREAD = make_pod("p").labels(app="web").spread(1, ZONE, sel(app="web"))


@pytest.mark.parametrize(
    ("pod", "existing", "expected"),
    [
        (ZONE_SPREAD.obj(), TWO_IN_A, {"a1": SKEW, "a2": SKEW, "b1": "", "x": MISSING}),
        (ZONE_SPREAD.obj(), [], {"a1": "", "a2": "", "b1": "", "x": MISSING}),
        (
            make_pod("p").labels(app="other").spread(1, ZONE, sel(app="web")).obj(),
            TWO_IN_A,
            {"a1": SKEW, "a2": SKEW, "b1": "", "x": MISSING},
        ),
        (
            make_pod("p").labels(app="other").spread(2, ZONE, sel(app="web")).obj(),
            TWO_IN_A,
            {"a1": "", "a2": "", "b1": "", "x": MISSING},
        ),
        (
            ZONE_SPREAD.obj(),
            [_web("w1", "a1"), _web("w2", "b1")],
            {"a1": "", "a2": "", "b1": "", "x": MISSING},
        ),
        (
            make_pod("p").labels(app="web").spread(1, ZONE, sel(app="web"), min_domains=3).obj(),
            [_web("w1", "a1"), _web("w2", "b1")],
            {"a1": SKEW, "a2": SKEW, "b1": SKEW, "x": MISSING},
        ),
        (
            make_pod("p").labels(app="web").spread(1, ZONE, sel(app="web"), min_domains=2).obj(),
            [_web("w1", "a1"), _web("w2", "b1")],
            {"a1": "", "a2": "", "b1": "", "x": MISSING},
        ),
        (
            ZONE_SPREAD.obj(),
            [_web("w1", "b1"), make_pod("w2").labels(app="web").node("a2").terminating().obj()],
            {"a1": "", "a2": "", "b1": SKEW, "x": MISSING},
        ),
        (
            ZONE_SPREAD.obj(),
            [_web("w1", "b1"), make_pod("w2", "other").labels(app="web").node("a2").obj()],
            {"a1": "", "a2": "", "b1": SKEW, "x": MISSING},
        ),
        (
            make_pod("p").labels(app="web").spread(1, ZONE, LabelSelector()).obj(),
            TWO_IN_A,
            {"a1": "", "a2": "", "b1": "", "x": MISSING},
        ),
        (
            make_pod("p")
            .labels(app="web", version="v2")
            .spread(1, ZONE, sel(app="web"), match_label_keys=["version"])
            .obj(),
            [_web("w1", "a1", version="v1"), _web("w2", "a2", version="v1")],
            {"a1": "", "a2": "", "b1": "", "x": MISSING},
        ),
        (
            make_pod("p")
            .labels(app="web")
            .spread(1, ZONE, sel(app="web"), match_label_keys=["version"])
            .obj(),
            [_web("w1", "a1", version="v1"), _web("w2", "a2", version="v1")],
            {"a1": SKEW, "a2": SKEW, "b1": "", "x": MISSING},
        ),
        (
            make_pod("p")
            .labels(app="web")
            .spread(1, HOST, sel(app="web"))
            .spread(1, ZONE, sel(app="web"))
            .obj(),
            [_web("w1", "a1")],
            {"a1": SKEW, "a2": SKEW, "b1": "", "x": MISSING},
        ),
    ],
)
def test_filter(pod: Pod, existing: list[Pod], expected: dict[str, str]) -> None:
    assert filter_reasons("PodTopologySpread", pod, snapshot(_nodes(), existing)) == expected


def test_status_codes() -> None:
    statuses = filter_statuses("PodTopologySpread", ZONE_SPREAD.obj(), snapshot(_nodes(), TWO_IN_A))
    assert statuses["a1"].code is Code.UNSCHEDULABLE
    assert statuses["x"].code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE


@pytest.mark.parametrize(
    ("policy", "a1"),
    [(None, ""), ("Honor", ""), ("Ignore", SKEW)],
)
def test_node_affinity_policy(policy: str | None, a1: str) -> None:
    pod = (
        make_pod("p")
        .labels(app="web")
        .node_selector(disk="ssd")
        .spread(1, ZONE, sel(app="web"), node_affinity_policy=policy)
        .obj()
    )
    assert (
        filter_reasons("PodTopologySpread", pod, snapshot(_nodes(), [_web("w1", "a1")]))["a1"] == a1
    )


@pytest.mark.parametrize(
    ("policy", "a1"),
    [(None, SKEW), ("Ignore", SKEW), ("Honor", "")],
)
def test_node_taints_policy(policy: str | None, a1: str) -> None:
    nodes = [*_nodes()[:2], make_node("b1").zone("b").taint("dedicated", "x").obj()]
    pod = (
        make_pod("p")
        .labels(app="web")
        .spread(1, ZONE, sel(app="web"), node_taints_policy=policy)
        .obj()
    )
    assert filter_reasons("PodTopologySpread", pod, snapshot(nodes, [_web("w1", "a1")]))["a1"] == a1


def test_soft_constraints_and_unowned_pods_skip_the_filter() -> None:
    snap = snapshot(_nodes())
    fwk = plugin_framework("PodTopologySpread", snap)
    for pod in (
        make_pod("p").obj(),
        make_pod("p").labels(app="web").spread(1, ZONE, sel(app="web"), hard=False).obj(),
    ):
        state = CycleState()
        fwk.run_pre_filter_plugins(state, pod, snap.node_infos)
        assert state.skip_filter_plugins == {"PodTopologySpread"}


def test_add_pod_updates_counts() -> None:
    snap = snapshot(_nodes(), [_web("w1", "a1")])
    fwk = plugin_framework("PodTopologySpread", snap)
    pod = ZONE_SPREAD.obj()
    state = CycleState()
    assert fwk.run_pre_filter_plugins(state, pod, snap.node_infos).status.is_success()
    b1 = snap.node_infos[2]
    clone = state.clone()
    fwk.run_pre_filter_extension_add_pod(clone, pod, PodInfo.of(_web("w2", "b1")), b1)
    fwk.run_pre_filter_extension_add_pod(clone, pod, PodInfo.of(_web("w3", "b1")), b1)
    assert fwk.run_filter_plugins(clone, pod, b1).reasons == (SKEW,)
    assert fwk.run_filter_plugins(state, pod, b1).is_success()
    fwk.run_pre_filter_extension_remove_pod(clone, pod, PodInfo.of(_web("w3", "b1")), b1)
    assert fwk.run_filter_plugins(clone, pod, b1).is_success()


def test_hostname_scoring() -> None:
    nodes = [make_node(n).obj() for n in ("a", "b", "c", "d")]
    existing = [
        _web("a1", "a"),
        _web("a2", "a"),
        _web("b1", "b"),
        _web("d1", "d"),
        _web("d2", "d"),
        _web("d3", "d"),
    ]
    pod = make_pod("p").labels(app="web").spread(1, HOST, sel(app="web"), hard=False).obj()
    snap = snapshot(nodes, existing)
    weight = math.log(4 + 2)
    assert raw_scores("PodTopologySpread", pod, snap) == {
        "a": go_round(2 * weight),
        "b": go_round(weight),
        "c": 0,
        "d": go_round(3 * weight),
    }
    assert plugin_scores("PodTopologySpread", pod, snap) == {"a": 20, "b": 60, "c": 100, "d": 0}


def test_zone_scoring_ignores_nodes_without_the_key() -> None:
    existing = [_web("w1", "a1"), _web("w2", "a1"), _web("w3", "a2"), _web("w4", "b1")]
    pod = make_pod("p").labels(app="web").spread(1, ZONE, sel(app="web"), hard=False).obj()
    assert plugin_scores("PodTopologySpread", pod, snapshot(_nodes(), existing)) == {
        "a1": 25,
        "a2": 25,
        "b1": 100,
        "x": 0,
    }


def test_scoring_counts_only_domains_of_filtered_nodes() -> None:
    existing = [_web("w1", "a1"), _web("w4", "b1"), _web("w5", "b1")]
    pod = make_pod("p").labels(app="web").spread(2, ZONE, sel(app="web"), hard=False).obj()
    snap = snapshot(_nodes(), existing)
    scores = plugin_scores("PodTopologySpread", pod, snap, nodes=["a2", "x"])
    assert scores == {"a2": 100, "x": 0}


def test_system_default_constraints_use_service_and_replicaset_selectors() -> None:
    svc = Service(ObjectMeta("web", "default"), {"app": "web"})
    rs = Workload(
        "ReplicaSet", ObjectMeta("web-rs", "default"), 1, LabelSelector({"tier": "front"})
    )
    nodes = [make_node("n1").obj(), make_node("n2").obj()]
    existing = [
        make_pod(f"w{i}").labels(app="web", tier="front").node("n1").obj() for i in range(3)
    ]
    snap = snapshot(nodes, existing, services=[svc], workloads=[rs])
    owned = make_pod("p").labels(app="web", tier="front").owner("ReplicaSet", "web-rs").obj()
    weight = math.log(2 + 2)
    assert raw_scores("PodTopologySpread", owned, snap) == {"n1": go_round(3 * weight + 2), "n2": 2}
    assert plugin_scores("PodTopologySpread", owned, snap) == {
        "n1": 100 * (6 + 2 - 6) // 6,
        "n2": 100,
    }
    lonely = make_pod("q").labels(app="db").obj()
    assert plugin_scores("PodTopologySpread", lonely, snap) is None


def test_list_defaulting_without_constraints_skips() -> None:
    snap = snapshot(
        _nodes(), TWO_IN_A, services=[Service(ObjectMeta("web", "default"), {"app": "web"})]
    )
    pod = make_pod("p").labels(app="web").obj()
    assert plugin_scores("PodTopologySpread", pod, snap, {"defaultingType": "List"}) is None


@pytest.mark.parametrize(
    ("x", "expected"),
    [(0.5, 1), (1.5, 2), (2.5, 3), (2.4999, 2), (-0.5, -1), (0.49999999999999994, 0)],
)
def test_go_round(x: float, expected: int) -> None:
    assert go_round(x) == expected
