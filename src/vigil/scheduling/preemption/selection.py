"""Choosing the node to preempt on (``SelectCandidate`` / ``pickOneNodeForPreemption``).

The criteria apply in order, each only among the nodes tied on the ones before:

1. fewest PDB violations;
2. lowest priority of the most important victim;
3. smallest sum of victim priorities, each shifted by ``MaxInt32 + 1`` so that negative
   priorities do not favour more victims;
4. fewest victims;
5. latest start time of the earliest-started among the highest-priority victims;
6. otherwise the first remaining node. Upstream iterates a Go map here (arbitrary order);
   vigil takes the first in dry-run order, which starts at the seeded offset, and records it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vigil.scheduling.preemption.candidates import Candidate
from vigil.scheduling.preemption.importance import earliest_start_of_highest_priority

MAX_INT32 = 2**31 - 1

CRITERIA: tuple[str, ...] = (
    "fewest PDB violations",
    "lowest highest-victim priority",
    "smallest sum of victim priorities",
    "fewest victims",
    "latest start time of the highest-priority victims",
)
ONLY_CANDIDATE = "only candidate"
FIRST_CANDIDATE = "first remaining candidate in the seeded dry-run order"


@dataclass(frozen=True, slots=True)
class NodeChoice:
    """The chosen candidate and the rule that decided it."""

    candidate: Candidate
    decided_by: str
    """One of `CRITERIA`, `ONLY_CANDIDATE` or `FIRST_CANDIDATE`."""
    tied: tuple[str, ...] = ()
    """With `FIRST_CANDIDATE`: the nodes still tied on every criterion, in dry-run order."""

    @property
    def node_name(self) -> str:
        """The chosen node."""
        return self.candidate.node_name


def _min_pdb_violations(c: Candidate) -> float:
    return -c.victims.num_pdb_violations


def _min_highest_priority(c: Candidate) -> float:
    return -c.victims.pods[0].priority


def _min_sum_priorities(c: Candidate) -> float:
    return -sum(p.priority + MAX_INT32 + 1 for p in c.victims.pods)


def _min_num_pods(c: Candidate) -> float:
    return -len(c.victims.pods)


def _latest_start_time(c: Candidate) -> float:
    earliest = earliest_start_of_highest_priority(c.victims.pods)
    return -float("inf") if earliest is None else earliest


SCORE_FUNCS: tuple[Callable[[Candidate], float], ...] = (
    _min_pdb_violations,
    _min_highest_priority,
    _min_sum_priorities,
    _min_num_pods,
    _latest_start_time,
)


def pick_one_node_for_preemption(candidates: Sequence[Candidate]) -> NodeChoice | None:
    """The best candidate by the upstream criteria; None when there is none."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return NodeChoice(candidates[0], ONLY_CANDIDATE)
    remaining = list(candidates)
    for criterion, score in zip(CRITERIA, SCORE_FUNCS, strict=True):
        best = max(score(c) for c in remaining)
        remaining = [c for c in remaining if score(c) == best]
        if len(remaining) == 1:
            return NodeChoice(remaining[0], criterion)
    return NodeChoice(remaining[0], FIRST_CANDIDATE, tuple(c.node_name for c in remaining))
