"""DefaultPreemption as the PostFilter of a scheduling cycle: messages, nomination, victims."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from tests.scheduling.builders import make_node, make_pod, req, sel, snapshot, term
from tests.scheduling.preemption.helpers import (
    pdb,
    policy,
    preempting_scheduler,
    preemptor,
    victim,
)
from vigil.cluster import Node, Pod, PodDisruptionBudget
from vigil.scheduling import Framework, Profile
from vigil.scheduling.preemption import (
    DefaultPreemption,
    PreemptionResult,
    preemption_profile,
    preemption_registry,
    with_preemption,
)
from vigil.scheduling.preemption.selection import CRITERIA, FIRST_CANDIDATE

CP = "node-role.kubernetes.io/control-plane"


@dataclass
class Case:
    id: str
    nodes: list[Node]
    existing: list[Pod]
    pod: Pod
    message: str
    nominated: str | None = None
    victims: list[str] = field(default_factory=list)
    pdbs: list[PodDisruptionBudget] = field(default_factory=list)


def n(name: str, cpu: str = "1") -> Node:
    return make_node(name).capacity(cpu=cpu).obj()


CASES = [
    Case(
        "no lower-priority pods anywhere",
        [n("n1"), n("n2")],
        [victim("a", 100, "n1"), victim("b", 100, "n2")],
        preemptor(),
        "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
        "2 No preemption victims found for incoming pod.",
    ),
    Case(
        "upstream TestPostFilter shape: one node still too small",
        [n("n1"), n("n2"), n("n3")],
        [
            victim("big", 500, "n1"),
            victim("low", 1, "n1", cpu="0"),
            victim("b", 100, "n2"),
            victim("c", 100, "n3"),
        ],
        preemptor(),
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
        "1 Insufficient cpu, 2 No preemption victims found for incoming pod.",
    ),
    Case(
        "UnschedulableAndUnresolvable nodes are not helpful; nodes outside the PreFilterResult neither",
        [n("n1"), n("n2"), n("n3"), n("n4")],
        [victim("a", 100, "n1")],
        make_pod("p")
        .req(cpu="1")
        .priority(100)
        .required_node_terms(term(fields=[req("metadata.name", "In", "n1")]))
        .obj(),
        "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) "
        "[NodeAffinity]. preemption: 0/4 nodes are available: 1 No preemption victims found "
        "for incoming pod, 3 Preemption is not helpful for scheduling.",
    ),
    Case(
        "only an untolerated taint: preemption cannot help at all",
        [make_node("n1").capacity(cpu="4").taint(CP).obj()],
        [victim("low", 1, "n1")],
        preemptor(),
        "0/1 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }. preemption: 0/1 nodes are available: "
        "1 Preemption is not helpful for scheduling.",
    ),
    Case(
        "preemptionPolicy Never",
        [n("n1")],
        [victim("low", 1, "n1")],
        policy(preemptor(), "Never"),
        "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to "
        "preemptionPolicy=Never.",
    ),
    Case(
        "success: the FitError keeps only the filter part",
        [n("n1")],
        [victim("low", 1, "n1")],
        preemptor(),
        "0/1 nodes are available: 1 Insufficient cpu.",
        "n1",
        ["low"],
    ),
    Case(
        "node choice: the node whose victims have the lower priority",
        [n("n1"), n("n2")],
        [victim("mid", 50, "n1"), victim("low", 10, "n2")],
        preemptor(),
        "0/2 nodes are available: 2 Insufficient cpu.",
        "n2",
        ["low"],
    ),
    Case(
        "node choice: a PDB-violating node loses to a node with more important victims",
        [n("n1"), n("n2")],
        [victim("db", 1, "n1", app="db"), victim("web", 50, "n2", app="web")],
        preemptor(),
        "0/2 nodes are available: 2 Insufficient cpu.",
        "n2",
        ["web"],
        [pdb("db", 0, selector=sel(app="db"))],
    ),
    Case(
        "a PDB violation is accepted when it is the only way",
        [n("n1")],
        [victim("db", 1, "n1", app="db")],
        preemptor(),
        "0/1 nodes are available: 1 Insufficient cpu.",
        "n1",
        ["db"],
        [pdb("db", 0, selector=sel(app="db"))],
    ),
    Case(
        "a PDB without status is computed from the pods (minAvailable 1 of 1 allows none)",
        [n("n1"), n("n2")],
        [victim("db", 1, "n1", app="db"), victim("web", 5, "n2", app="web")],
        preemptor(),
        "0/2 nodes are available: 2 Insufficient cpu.",
        "n2",
        ["web"],
        [pdb("db", selector=sel(app="db"), min_available=1)],
    ),
    Case(
        "anti-affinity (Unschedulable) can be resolved by preemption",
        [make_node("n1").capacity(cpu="4").obj()],
        [victim("x", 1, "n1", app="x")],
        make_pod("p")
        .req(cpu="1")
        .priority(100)
        .pod_anti_affinity("kubernetes.io/hostname", sel(app="x"))
        .obj(),
        "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.",
        "n1",
        ["x"],
    ),
    Case(
        "required affinity (UnschedulableAndUnresolvable) cannot",
        [make_node("n1").capacity(cpu="4").obj()],
        [victim("x", 1, "n1", app="x")],
        make_pod("p")
        .req(cpu="1")
        .priority(100)
        .pod_affinity("kubernetes.io/hostname", sel(app="y"))
        .obj(),
        "0/1 nodes are available: 1 node(s) didn't match pod affinity rules. preemption: "
        "0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_preemption_cycle(case: Case) -> None:
    snap = snapshot(case.nodes, case.existing, pdbs=case.pdbs)
    result = preempting_scheduler(snap).schedule_pod(case.pod)
    assert not result.scheduled
    assert result.message == case.message
    pre = result.post_filter_result
    if case.nominated is None:
        assert pre is None or pre.nominated_node_name == ""
    else:
        assert isinstance(pre, PreemptionResult)
        assert pre.nominated_node_name == case.nominated
        assert [v.name for v in pre.victims] == case.victims
        assert result.post_filter_status is not None
        assert result.post_filter_status.is_success()


def test_terminating_victim_on_nominated_node_blocks_a_second_preemption() -> None:
    from tests.scheduling.preemption.helpers import conditions
    from vigil.cluster import PodCondition

    going = conditions(
        make_pod("low").req(cpu="1").priority(1).node("n1").terminating().obj(),
        PodCondition("DisruptionTarget", "True", "PreemptionByScheduler"),
    )
    snap = snapshot([n("n1"), n("n2")], [going, victim("other", 1, "n2")])
    pod = make_pod("p").req(cpu="1").priority(100).nominated("n1").obj()
    result = preempting_scheduler(snap).schedule_pod(pod)
    assert result.message == (
        "0/2 nodes are available: 2 Insufficient cpu. preemption: not eligible due to a "
        "terminating pod on the nominated node."
    )


def test_nominated_pods_of_higher_priority_hold_their_room() -> None:
    """A pod nominated to n1 (priority 200) keeps n1 busy for a priority-100 preemptor."""
    snap = snapshot([n("n1", "2"), n("n2", "2")], [victim("a", 1, "n1"), victim("b", 5, "n2")])
    scheduler = preempting_scheduler(snap)
    scheduler.nominate(make_pod("vip").req(cpu="1").priority(200).obj(), "n1")
    result = scheduler.schedule_pod(preemptor(cpu="2"))
    pre = result.post_filter_result
    assert isinstance(pre, PreemptionResult)
    assert pre.nominated_node_name == "n2"
    assert dict(pre.node_statuses)["n1"].reasons == ("Insufficient cpu",)


def test_min_candidate_nodes_and_seeded_offset() -> None:
    nodes = [n(f"n{i}") for i in range(6)]
    existing = [victim(f"v{i}", 1, f"n{i}") for i in range(6)]
    picks = set()
    for seed in range(12):
        scheduler = preempting_scheduler(
            snapshot(nodes, existing),
            seed=seed,
            minCandidateNodesPercentage=0,
            minCandidateNodesAbsolute=2,
        )
        pre = scheduler.schedule_pod(preemptor()).post_filter_result
        assert isinstance(pre, PreemptionResult)
        assert pre.num_candidates == 2
        assert len(pre.candidates) == 2
        first = pre.potential_nodes[pre.offset]
        assert pre.candidates[0].node_name == first
        assert pre.choice is not None
        assert pre.choice.decided_by == FIRST_CANDIDATE
        assert pre.nominated_node_name == first
        picks.add(first)
        again = preempting_scheduler(
            snapshot(nodes, existing),
            seed=seed,
            minCandidateNodesPercentage=0,
            minCandidateNodesAbsolute=2,
        ).schedule_pod(preemptor())
        assert again.post_filter_result == pre, "same seed, same choice"
    assert len(picks) > 1, "the offset depends on the seed"


def test_criteria_are_reported() -> None:
    snap = snapshot([n("n1"), n("n2")], [victim("mid", 50, "n1"), victim("low", 10, "n2")])
    pre = preempting_scheduler(snap).schedule_pod(preemptor()).post_filter_result
    assert isinstance(pre, PreemptionResult)
    assert pre.choice is not None
    assert pre.choice.decided_by == CRITERIA[1]


@pytest.mark.parametrize(
    "args",
    [
        {"minCandidateNodesPercentage": 101},
        {"minCandidateNodesPercentage": -1},
        {"minCandidateNodesAbsolute": -1},
        {"minCandidateNodesPercentage": 0, "minCandidateNodesAbsolute": 0},
    ],
)
def test_invalid_args(args: dict[str, int]) -> None:
    profile = replace(preemption_profile(), plugin_args={"DefaultPreemption": args})
    with pytest.raises(ValueError, match="minCandidateNodes"):
        Framework(profile, preemption_registry(), snapshot([n("n1")]))


def test_registration() -> None:
    registry = preemption_registry()
    assert "DefaultPreemption" in registry
    profile = with_preemption(with_preemption(Profile()))
    assert profile.post_filter == ("DefaultPreemption",)
    fwk = Framework(preemption_profile(), registry, snapshot([n("n1")]))
    assert isinstance(fwk.post_filter_plugins[0], DefaultPreemption)
