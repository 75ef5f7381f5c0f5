"""findCandidates / DryRunPreemption: potential nodes, how many, from where, in what order."""

from __future__ import annotations

import pytest

from tests.scheduling.builders import make_node, sel, snapshot
from tests.scheduling.preemption.helpers import pdb, preempting_framework, preemptor, victim
from vigil.scheduling import CycleState, NodeToStatus, Status
from vigil.scheduling.preemption.candidates import (
    dry_run_preemption,
    nodes_where_preemption_might_help,
    num_candidates,
)
from vigil.scheduling.preemption.pdb import pdb_budgets


@pytest.mark.parametrize(
    ("nodes", "pct", "absolute", "expected"),
    [
        (5, 10, 100, 5),
        (100, 10, 100, 100),
        (500, 10, 100, 100),
        (5000, 10, 100, 500),
        (5000, 1, 100, 100),
        (5000, 10, 1, 500),
        (50, 0, 10, 10),
        (50, 100, 0, 50),
    ],
)
def test_num_candidates(nodes: int, pct: int, absolute: int, expected: int) -> None:
    assert num_candidates(nodes, pct, absolute) == expected


def test_only_unschedulable_nodes_can_be_helped() -> None:
    snap = snapshot([make_node(n).obj() for n in ("a", "b", "c", "d")])
    statuses = NodeToStatus()
    statuses.set("a", Status.unschedulable("Insufficient cpu"))
    statuses.set("b", Status.unresolvable("node(s) had untolerated taint {k: }"))
    statuses.set("d", Status.unschedulable("node(s) didn't match pod anti-affinity rules"))
    # "c" is absent: it gets the absent status (UnschedulableAndUnresolvable by default)
    assert [n.name for n in nodes_where_preemption_might_help(snap.node_infos, statuses)] == [
        "a",
        "d",
    ]


def _setup(*, violating: set[str] = frozenset()):  # type: ignore[no-untyped-def]
    nodes = [make_node(n).capacity(cpu="1").obj() for n in ("n0", "n1", "n2", "n3")]
    pods = [
        victim(f"v{i}", 1, f"n{i}", **({"app": "db"} if f"n{i}" in violating else {}))
        for i in range(4)
    ]
    snap = snapshot(nodes, pods)
    fwk = preempting_framework(snap)
    pod = preemptor()
    state = CycleState()
    fwk.run_pre_filter_plugins(state, pod, snap.node_infos)
    budgets = pdb_budgets([pdb("db", 0, selector=sel(app="db"))], pods)
    return fwk, state, pod, snap.node_infos, budgets


def test_dry_run_starts_at_offset_and_stops_at_enough_candidates() -> None:
    fwk, state, pod, nodes, budgets = _setup()
    dry = dry_run_preemption(fwk, state, pod, nodes, budgets, offset=2, wanted=2)
    assert dry.visited == ["n2", "n3"]
    assert [c.node_name for c in dry.candidates] == ["n2", "n3"]


def test_dry_run_wraps_around() -> None:
    fwk, state, pod, nodes, budgets = _setup()
    dry = dry_run_preemption(fwk, state, pod, nodes, budgets, offset=3, wanted=2)
    assert dry.visited == ["n3", "n0"]


def test_dry_run_keeps_going_until_a_pdb_clean_candidate() -> None:
    fwk, state, pod, nodes, budgets = _setup(violating={"n1", "n2"})
    dry = dry_run_preemption(fwk, state, pod, nodes, budgets, offset=1, wanted=1)
    assert dry.visited == ["n1", "n2", "n3"]
    assert [(c.node_name, c.victims.num_pdb_violations) for c in dry.candidates] == [
        ("n3", 0),
        ("n1", 1),
        ("n2", 1),
    ], "non-violating candidates come first"


def test_dry_run_records_why_a_node_is_no_candidate() -> None:
    fwk, _, _, nodes, budgets = _setup()
    big = preemptor(cpu="2")
    state = CycleState()
    fwk.run_pre_filter_plugins(state, big, nodes)
    dry = dry_run_preemption(fwk, state, big, nodes, budgets, offset=0, wanted=4)
    assert dry.candidates == []
    assert {n: s.reasons for n, s in dry.node_to_status} == {
        f"n{i}": ("Insufficient cpu",) for i in range(4)
    }
