"""InterPodAffinity: required (anti-)affinity in both directions, namespaces, preferred scoring."""

from __future__ import annotations

import pytest

from tests.scheduling.builders import (
    filter_statuses,
    make_node,
    make_pod,
    plugin_framework,
    plugin_scores,
    raw_scores,
    sel,
    snapshot,
)
from vigil.cluster import LabelSelector, Node, Pod
from vigil.scheduling import Code, CycleState, PodInfo

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
AFFINITY = "node(s) didn't match pod affinity rules"
ANTI = "node(s) didn't match pod anti-affinity rules"
EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules"
NAMESPACES = {"default": {}, "data": {"team": "x"}, "other": {"team": "y"}}


def _nodes() -> list[Node]:
    return [
        make_node("n1").zone("a").obj(),
        make_node("n2").zone("a").obj(),
        make_node("n3").zone("b").obj(),
        make_node("n4").obj(),
    ]


def _reasons(pod: Pod, existing: list[Pod]) -> dict[str, str]:
    statuses = filter_statuses("InterPodAffinity", pod, snapshot(_nodes(), existing, NAMESPACES))
    return {n: s.message() for n, s in statuses.items()}


DB_N1 = make_pod("db").labels(app="db").node("n1").obj()
WEB_N1 = make_pod("web").labels(app="web").node("n1").obj()


@pytest.mark.parametrize(
    ("pod", "existing", "expected"),
    [
        (
            make_pod("p").pod_affinity(ZONE, sel(app="db")).obj(),
            [DB_N1],
            {"n1": "", "n2": "", "n3": AFFINITY, "n4": AFFINITY},
        ),
        (
            make_pod("p").labels(app="db").pod_affinity(ZONE, sel(app="db")).obj(),
            [],
            {"n1": "", "n2": "", "n3": "", "n4": AFFINITY},
        ),
        (
            make_pod("p").pod_affinity(ZONE, sel(app="db")).obj(),
            [],
            {"n1": AFFINITY, "n2": AFFINITY, "n3": AFFINITY, "n4": AFFINITY},
        ),
        (
            make_pod("p").labels(app="db").pod_affinity(ZONE, sel(app="db")).obj(),
            [make_pod("db").labels(app="db").node("n3").obj()],
            {"n1": AFFINITY, "n2": AFFINITY, "n3": "", "n4": AFFINITY},
        ),
        (
            make_pod("p")
            .pod_affinity(ZONE, sel(app="db"))
            .pod_affinity(HOST, sel(tier="cache"))
            .obj(),
            [DB_N1, make_pod("cache").labels(tier="cache").node("n1").obj()],
            {"n1": AFFINITY, "n2": AFFINITY, "n3": AFFINITY, "n4": AFFINITY},
        ),
        (
            make_pod("p").pod_affinity(ZONE, sel(app="db")).pod_affinity(HOST, sel(app="db")).obj(),
            [DB_N1],
            {"n1": "", "n2": AFFINITY, "n3": AFFINITY, "n4": AFFINITY},
        ),
        (
            make_pod("p").pod_anti_affinity(HOST, sel(app="web")).obj(),
            [WEB_N1],
            {"n1": ANTI, "n2": "", "n3": "", "n4": ""},
        ),
        (
            make_pod("p").pod_anti_affinity(ZONE, sel(app="web")).obj(),
            [WEB_N1],
            {"n1": ANTI, "n2": ANTI, "n3": "", "n4": ""},
        ),
        (
            make_pod("p").labels(app="web").obj(),
            [make_pod("guard").pod_anti_affinity(HOST, sel(app="web")).node("n1").obj()],
            {"n1": EXISTING, "n2": "", "n3": "", "n4": ""},
        ),
        (
            make_pod("p").labels(app="web").obj(),
            [make_pod("guard").pod_anti_affinity(ZONE, sel(app="web")).node("n1").obj()],
            {"n1": EXISTING, "n2": EXISTING, "n3": "", "n4": ""},
        ),
        (
            make_pod("p", "other").labels(app="web").obj(),
            [make_pod("guard").pod_anti_affinity(ZONE, sel(app="web")).node("n1").obj()],
            {"n1": "", "n2": "", "n3": "", "n4": ""},
        ),
        (
            make_pod("p", "other").labels(app="web").obj(),
            [
                make_pod("guard")
                .pod_anti_affinity(ZONE, sel(app="web"), namespace_selector=sel(team="y"))
                .node("n1")
                .obj()
            ],
            {"n1": EXISTING, "n2": EXISTING, "n3": "", "n4": ""},
        ),
        (
            make_pod("p").pod_affinity(ZONE, None).obj(),
            [DB_N1],
            {"n1": AFFINITY, "n2": AFFINITY, "n3": AFFINITY, "n4": AFFINITY},
        ),
        (
            make_pod("p").pod_anti_affinity(ZONE, LabelSelector()).obj(),
            [DB_N1],
            {"n1": ANTI, "n2": ANTI, "n3": "", "n4": ""},
        ),
        (
            make_pod("p")
            .pod_affinity(ZONE, sel(app="db"))
            .pod_anti_affinity(HOST, sel(app="db"))
            .obj(),
            [DB_N1],
            {"n1": ANTI, "n2": "", "n3": AFFINITY, "n4": AFFINITY},
        ),
    ],
)
def test_filter(pod: Pod, existing: list[Pod], expected: dict[str, str]) -> None:
    assert _reasons(pod, existing) == expected


@pytest.mark.parametrize(
    ("pod", "passing"),
    [
        (make_pod("p").pod_affinity(ZONE, sel(app="db")).obj(), set()),
        (make_pod("p").pod_affinity(ZONE, sel(app="db"), namespaces=["data"]).obj(), {"n3"}),
        (
            make_pod("p")
            .pod_affinity(ZONE, sel(app="db"), namespace_selector=LabelSelector())
            .obj(),
            {"n3"},
        ),
        (
            make_pod("p").pod_affinity(ZONE, sel(app="db"), namespace_selector=sel(team="x")).obj(),
            {"n3"},
        ),
        (
            make_pod("p").pod_affinity(ZONE, sel(app="db"), namespace_selector=sel(team="y")).obj(),
            set(),
        ),
    ],
)
def test_incoming_term_namespaces(pod: Pod, passing: set[str]) -> None:
    db = make_pod("db", "data").labels(app="db").node("n3").obj()
    statuses = filter_statuses("InterPodAffinity", pod, snapshot(_nodes(), [db], NAMESPACES))
    assert {n for n, s in statuses.items() if s.is_success()} == passing


def test_status_codes() -> None:
    snap = snapshot(_nodes(), [WEB_N1], NAMESPACES)
    affinity = filter_statuses(
        "InterPodAffinity", make_pod("p").pod_affinity(ZONE, sel(app="x")).obj(), snap
    )
    assert affinity["n1"].code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    anti = filter_statuses(
        "InterPodAffinity", make_pod("p").pod_anti_affinity(HOST, sel(app="web")).obj(), snap
    )
    assert anti["n1"].code is Code.UNSCHEDULABLE


def test_pre_filter_skips_pods_without_terms_and_without_existing_anti_affinity() -> None:
    snap = snapshot(_nodes(), [WEB_N1], NAMESPACES)
    fwk = plugin_framework("InterPodAffinity", snap)
    state = CycleState()
    fwk.run_pre_filter_plugins(state, make_pod("p").obj(), snap.node_infos)
    assert state.skip_filter_plugins == {"InterPodAffinity"}


def test_add_and_remove_pod_update_counts() -> None:
    snap = snapshot(_nodes(), [], NAMESPACES)
    fwk = plugin_framework("InterPodAffinity", snap)
    state = CycleState()
    pod = make_pod("p").pod_anti_affinity(ZONE, sel(app="web")).obj()
    assert fwk.run_pre_filter_plugins(state, pod, snap.node_infos).status.is_success()
    n1 = snap.node_infos[0]
    web = PodInfo.of(WEB_N1)
    assert fwk.run_filter_plugins(state, pod, snap.node_infos[1]).is_success()
    clone = state.clone()
    assert fwk.run_pre_filter_extension_add_pod(clone, pod, web, n1).is_success()
    assert fwk.run_filter_plugins(clone, pod, snap.node_infos[1]).reasons == (ANTI,)
    assert fwk.run_filter_plugins(state, pod, snap.node_infos[1]).is_success()
    assert fwk.run_pre_filter_extension_remove_pod(clone, pod, web, n1).is_success()
    assert fwk.run_filter_plugins(clone, pod, snap.node_infos[1]).is_success()


def test_preferred_affinity_and_anti_affinity_scores() -> None:
    snap = snapshot(
        _nodes(), [DB_N1, make_pod("web").labels(app="web").node("n3").obj()], NAMESPACES
    )
    pod = (
        make_pod("p")
        .pod_affinity(ZONE, sel(app="db"), weight=10)
        .pod_anti_affinity(ZONE, sel(app="web"), weight=5)
        .obj()
    )
    assert raw_scores("InterPodAffinity", pod, snap) == {"n1": 10, "n2": 10, "n3": -5, "n4": 0}
    assert plugin_scores("InterPodAffinity", pod, snap) == {"n1": 100, "n2": 100, "n3": 0, "n4": 33}


def test_existing_pods_terms_score_the_incoming_pod() -> None:
    existing = [
        make_pod("hard").pod_affinity(ZONE, sel(app="p")).node("n1").obj(),
        make_pod("soft").pod_anti_affinity(HOST, sel(app="p"), weight=3).node("n3").obj(),
    ]
    snap = snapshot(_nodes(), existing, NAMESPACES)
    pod = make_pod("p").labels(app="p").obj()
    assert raw_scores("InterPodAffinity", pod, snap) == {"n1": 1, "n2": 1, "n3": -3, "n4": 0}
    assert plugin_scores("InterPodAffinity", pod, snap, {"hardPodAffinityWeight": 4}) == {
        "n1": 100,
        "n2": 100,
        "n3": 0,
        "n4": 42,
    }
    assert (
        plugin_scores("InterPodAffinity", pod, snap, {"ignorePreferredTermsOfExistingPods": True})
        is None
    )


def test_score_is_skipped_when_nothing_contributes() -> None:
    snap = snapshot(_nodes(), [DB_N1], NAMESPACES)
    assert plugin_scores("InterPodAffinity", make_pod("p").obj(), snap) is None
    pod = make_pod("p").pod_affinity(ZONE, sel(app="nothing"), weight=10).obj()
    assert plugin_scores("InterPodAffinity", pod, snap) is None
