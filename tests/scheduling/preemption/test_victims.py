"""SelectVictimsOnNode: potential victims, the fit check, the reprieve order and PDB counting."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.scheduling.builders import make_node, make_pod, sel, snapshot
from tests.scheduling.preemption.helpers import pdb, preempting_framework, preemptor, victim
from vigil.cluster import Pod, PodDisruptionBudget
from vigil.scheduling import Code, CycleState
from vigil.scheduling.preemption.pdb import pdb_budgets
from vigil.scheduling.preemption.victims import NO_VICTIMS, select_victims_on_node


@dataclass
class Case:
    id: str
    cpu: str
    existing: list[Pod]
    pod: Pod
    victims: list[str] | None
    violations: int = 0
    pdbs: list[PodDisruptionBudget] = field(default_factory=list)
    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = ()


CASES = [
    Case(
        "only strictly lower priority pods are potential victims",
        "2",
        [victim("low", 1), victim("equal", 100)],
        preemptor(priority=100),
        ["low"],
    ),
    Case(
        "higher-priority pods are reprieved first; the lowest stays a victim",
        "3",
        [victim("a", 1), victim("b", 2), victim("c", 3)],
        preemptor(),
        ["a"],
    ),
    Case(
        "at equal priority the older pod is more important and reprieved first",
        "2",
        [victim("young", 1, start=30), victim("old", 1, start=0)],
        preemptor(),
        ["young"],
    ),
    Case(
        "a pod without startTime counts as started now (least important at its priority)",
        "2",
        [make_pod("unstarted").req(cpu="1").priority(1).node("n1").obj(), victim("old", 1)],
        preemptor(),
        ["unstarted"],
    ),
    Case(
        "several victims are returned most important first",
        "3",
        [victim("a", 1), victim("b", 2), victim("c", 3)],
        preemptor(cpu="3"),
        ["c", "b", "a"],
    ),
    Case(
        "without a PDB the higher-priority pod is reprieved",
        "2",
        [victim("db", 1, app="db"), victim("web", 2, app="web")],
        preemptor(),
        ["db"],
    ),
    Case(
        "PDB-violating pods are reprieved before higher-priority non-violating ones",
        "2",
        [victim("db", 1, app="db"), victim("web", 2, app="web")],
        preemptor(),
        ["web"],
        pdbs=[pdb("db", 0, selector=sel(app="db"))],
    ),
    Case(
        "a violating pod that must go counts as a PDB violation",
        "1",
        [victim("db", 1, app="db")],
        preemptor(),
        ["db"],
        violations=1,
        pdbs=[pdb("db", 0, selector=sel(app="db"))],
    ),
    Case(
        "a budget of one lets the first matching victim go without a violation",
        "2",
        [victim("db-1", 1, app="db"), victim("db-2", 1, start=5, app="db")],
        preemptor(cpu="2"),
        ["db-1", "db-2"],
        violations=1,
        pdbs=[pdb("db", 1, selector=sel(app="db"))],
    ),
    Case(
        "a pod in disruptedPods does not use the budget",
        "1",
        [victim("db", 1, app="db")],
        preemptor(),
        ["db"],
        pdbs=[pdb("db", 0, selector=sel(app="db"), disrupted=["db"])],
    ),
    Case(
        "a PDB with an empty selector protects nothing in preemption",
        "1",
        [victim("db", 1, app="db")],
        preemptor(),
        ["db"],
        pdbs=[pdb("all", 0, selector=sel())],
    ),
    Case(
        "a PDB of another namespace does not apply",
        "1",
        [victim("db", 1, app="db")],
        preemptor(),
        ["db"],
        pdbs=[pdb("db", 0, namespace="other", selector=sel(app="db"))],
    ),
    Case(
        "victims from both groups are re-sorted by importance",
        "2",
        [victim("db", 1, app="db"), victim("web", 2, app="web")],
        preemptor(cpu="2"),
        ["web", "db"],
        violations=1,
        pdbs=[pdb("db", 0, selector=sel(app="db"))],
    ),
    Case(
        "no lower-priority pod: UnschedulableAndUnresolvable",
        "1",
        [victim("high", 500)],
        preemptor(),
        None,
        code=Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
        reasons=(NO_VICTIMS,),
    ),
    Case(
        "still too big without every lower-priority pod: the filter status is kept",
        "2",
        [victim("low", 1), victim("high", 500)],
        preemptor(cpu="2"),
        None,
        code=Code.UNSCHEDULABLE,
        reasons=("Insufficient cpu",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_select_victims_on_node(case: Case) -> None:
    snap = snapshot([make_node("n1").capacity(cpu=case.cpu).obj()], case.existing)
    fwk = preempting_framework(snap)
    state = CycleState()
    assert fwk.run_pre_filter_plugins(state, case.pod, snap.node_infos).status.is_success()
    node_info = snap.node_infos[0].clone()
    budgets = pdb_budgets(case.pdbs, case.existing)
    victims, status = select_victims_on_node(fwk, state, case.pod, node_info, budgets)
    assert status.code is case.code
    if case.victims is None:
        assert victims is None
        assert status.reasons == case.reasons
    else:
        assert victims is not None
        assert [p.name for p in victims.pods] == case.victims
        assert victims.num_pdb_violations == case.violations
    assert len(snap.node_infos[0].pods) == len(case.existing), "the snapshot is untouched"


def test_removal_updates_inter_pod_anti_affinity_state() -> None:
    """The blocking pod is removed through RemovePod, so the anti-affinity count drops."""
    nodes = [make_node("n1").capacity(cpu="4").obj()]
    existing = [victim("blocker", 1, app="x")]
    pod = (
        make_pod("p")
        .req(cpu="1")
        .priority(100)
        .pod_anti_affinity("kubernetes.io/hostname", sel(app="x"))
        .obj()
    )
    snap = snapshot(nodes, existing)
    fwk = preempting_framework(snap)
    state = CycleState()
    assert fwk.run_pre_filter_plugins(state, pod, snap.node_infos).status.is_success()
    blocked = fwk.run_filter_plugins(state, pod, snap.node_infos[0])
    assert blocked.reasons == ("node(s) didn't match pod anti-affinity rules",)
    victims, status = select_victims_on_node(
        fwk, state.clone(), pod, snap.node_infos[0].clone(), []
    )
    assert status.is_success()
    assert victims is not None
    assert [p.name for p in victims.pods] == ["blocker"]
    assert not fwk.run_filter_plugins(state, pod, snap.node_infos[0]).is_success(), (
        "the original cycle state is untouched"
    )


def test_removal_updates_topology_spread_state() -> None:
    """Removing a same-labelled lower-priority pod lowers the skew (PodTopologySpread)."""
    nodes = [
        make_node("n1").zone("a").capacity(cpu="4").obj(),
        make_node("n2").zone("b").capacity(cpu="4").obj(),
    ]
    existing = [victim("w1", 1, app="w")]
    pod = (
        make_pod("p")
        .labels(app="w")
        .req(cpu="1")
        .priority(100)
        .spread(1, "topology.kubernetes.io/zone", sel(app="w"))
        .obj()
    )
    snap = snapshot(nodes, existing)
    fwk = preempting_framework(snap)
    state = CycleState()
    assert fwk.run_pre_filter_plugins(state, pod, snap.node_infos).status.is_success()
    assert fwk.run_filter_plugins(state, pod, snap.node_infos[0]).reasons == (
        "node(s) didn't match pod topology spread constraints",
    )
    victims, status = select_victims_on_node(
        fwk, state.clone(), pod, snap.node_infos[0].clone(), []
    )
    assert status.is_success()
    assert victims is not None
    assert [p.name for p in victims.pods] == ["w1"]
