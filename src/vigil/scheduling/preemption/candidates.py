"""Finding preemption candidates (``findCandidates`` and ``DryRunPreemption``).

Only nodes whose filter status is ``Unschedulable`` can be helped by removing pods; nodes that
are ``UnschedulableAndUnresolvable`` (taints, node affinity, a missing topology label, ...) are
skipped. The dry run visits at least ``max(N * minCandidateNodesPercentage / 100,
minCandidateNodesAbsolute)`` of those N nodes (capped at N), starting at an offset and
wrapping around, and stops once it has that many candidates and at least one of them violates
no PDB. Upstream draws the offset at random and runs in parallel; vigil draws it from a seeded
generator and walks in order, so a run is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.diagnosis import NodeToStatus
from vigil.scheduling.interfaces import Handle
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.preemption.pdb import PDBBudget
from vigil.scheduling.preemption.victims import Victims, select_victims_on_node
from vigil.scheduling.status import Code, Status

DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE = 10
DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE = 100


@dataclass(frozen=True, slots=True)
class Candidate:
    """A node where preemption would let the pod fit, with the victims it needs."""

    node_name: str
    victims: Victims


@dataclass(slots=True)
class DryRun:
    """What the dry run found: candidates (non-violating first, each group in visit order),
    the status of every visited node that is no candidate, and the visit order."""

    candidates: list[Candidate] = field(default_factory=list)
    node_to_status: NodeToStatus = field(default_factory=NodeToStatus)
    visited: list[str] = field(default_factory=list)
    errors: list[Status] = field(default_factory=list)


def num_candidates(
    num_nodes: int,
    min_percentage: int = DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE,
    min_absolute: int = DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE,
) -> int:
    """``calculateNumCandidates``: the percentage of the nodes, at least the absolute, at most
    all nodes."""
    n = num_nodes * min_percentage // 100
    n = max(n, min_absolute)
    return min(n, num_nodes)


def nodes_where_preemption_might_help(
    nodes: Sequence[NodeInfo], node_to_status: NodeToStatus
) -> list[NodeInfo]:
    """Nodes whose filter status is ``Unschedulable`` (``NodesForStatusCode``), in order."""
    return [ni for ni in nodes if node_to_status.get(ni.name).code is Code.UNSCHEDULABLE]


def dry_run_preemption(
    handle: Handle,
    state: CycleState,
    pod: Pod,
    potential_nodes: Sequence[NodeInfo],
    budgets: Sequence[PDBBudget],
    *,
    offset: int,
    wanted: int,
) -> DryRun:
    """Select victims on each potential node from ``offset`` (wrapping) until ``wanted``
    candidates, one of them PDB-clean, are found; nodes are cloned, the snapshot is untouched."""
    out = DryRun()
    non_violating: list[Candidate] = []
    violating: list[Candidate] = []
    total = len(potential_nodes)
    for i in range(total):
        original = potential_nodes[(offset + i) % total]
        node_info = original.clone()
        out.visited.append(node_info.name)
        victims, status = select_victims_on_node(handle, state.clone(), pod, node_info, budgets)
        if status.is_success() and victims is not None and victims.pods:
            candidate = Candidate(node_info.name, victims)
            (violating if victims.num_pdb_violations else non_violating).append(candidate)
            if non_violating and len(non_violating) + len(violating) >= wanted:
                break
            continue
        if status.is_success():
            status = Status.error(f"expected at least one victim pod on node {node_info.name!r}")
        if status.code is Code.ERROR:
            out.errors.append(status)
        out.node_to_status.set(node_info.name, status)
    out.candidates = non_violating + violating
    return out
