"""The DefaultPreemption PostFilter plugin (``defaultpreemption`` + ``preemption.Evaluator``).

When no node fits, it checks that the pod may preempt, dry-runs preemption on the nodes where
removing pods could help, picks one candidate by the upstream criteria and returns it as the
nominated node with its victims (`PreemptionResult`). It changes nothing: deleting the victims
and retrying the pod is the caller's job (see `vigil.scheduling.preemption.execution`).

Messages are upstream's, prefixed with ``preemption: ``, e.g. ``preemption: 0/3 nodes are
available: 1 Insufficient cpu, 2 No preemption victims found for incoming pod.``; on success the
message is empty. Args: ``minCandidateNodesPercentage`` (10), ``minCandidateNodesAbsolute``
(100) and, a vigil addition, ``seed`` (0) for the dry-run offset upstream draws at random.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.diagnosis import Diagnosis, FitError, NodeToStatus
from vigil.scheduling.interfaces import Handle, PostFilterResult
from vigil.scheduling.preemption.candidates import (
    DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE,
    DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE,
    Candidate,
    dry_run_preemption,
    nodes_where_preemption_might_help,
    num_candidates,
)
from vigil.scheduling.preemption.eligibility import pod_eligible_to_preempt_others
from vigil.scheduling.preemption.pdb import PDBBudget, pdb_budgets
from vigil.scheduling.preemption.selection import NodeChoice, pick_one_node_for_preemption
from vigil.scheduling.profile import DEFAULT_PREEMPTION
from vigil.scheduling.status import SUCCESS, Code, Status

PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling"
MESSAGE_PREFIX = "preemption: "


@dataclass(frozen=True, slots=True)
class PreemptionResult(PostFilterResult):
    """A PostFilter result with what the dry run found.

    ``nominated_node_name`` is the chosen node, or ``""`` when preemption cannot help (which
    clears any earlier nomination of the pod).
    """

    victims: tuple[Pod, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    choice: NodeChoice | None = None
    offset: int = 0
    """Index (in the potential nodes) where the dry run started."""
    num_candidates: int = 0
    """How many candidates the dry run looked for."""
    potential_nodes: tuple[str, ...] = ()
    node_statuses: tuple[tuple[str, Status], ...] = ()
    """Why each visited node that is no candidate was rejected in the dry run."""
    budgets: tuple[PDBBudget, ...] = ()


class DefaultPreemption:
    """PostFilter: preempt lower-priority pods on one node so that the pod can fit there."""

    name = DEFAULT_PREEMPTION

    def __init__(
        self,
        handle: Handle,
        *,
        min_candidate_nodes_percentage: int = DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE,
        min_candidate_nodes_absolute: int = DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE,
        seed: int = 0,
    ) -> None:
        if not 0 <= min_candidate_nodes_percentage <= 100:
            raise ValueError("minCandidateNodesPercentage must be in [0, 100]")
        if min_candidate_nodes_absolute < 0:
            raise ValueError("minCandidateNodesAbsolute must be >= 0")
        if min_candidate_nodes_percentage == 0 and min_candidate_nodes_absolute == 0:
            raise ValueError(
                "minCandidateNodesPercentage and minCandidateNodesAbsolute cannot both be zero"
            )
        self.handle = handle
        self.min_candidate_nodes_percentage = min_candidate_nodes_percentage
        self.min_candidate_nodes_absolute = min_candidate_nodes_absolute
        self.rng = random.Random(seed)

    def post_filter(
        self, state: CycleState, pod: Pod, node_to_status: NodeToStatus
    ) -> tuple[PostFilterResult | None, Status]:
        """Preempt, and prefix any message with ``preemption: ``."""
        result, status = self.preempt(state, pod, node_to_status)
        msg = status.message()
        if msg:
            return result, Status(status.code, (MESSAGE_PREFIX + msg,), status.plugin)
        return result, status

    def preempt(
        self, state: CycleState, pod: Pod, node_to_status: NodeToStatus
    ) -> tuple[PreemptionResult | None, Status]:
        """``Evaluator.Preempt`` without the API calls."""
        snapshot = self.handle.snapshot
        nominated_status = node_to_status.get(pod.status.nominated_node_name)
        eligible, msg = pod_eligible_to_preempt_others(pod, snapshot, nominated_status)
        if not eligible:
            return None, Status.unschedulable(msg)
        all_nodes = snapshot.node_infos
        potential = nodes_where_preemption_might_help(all_nodes, node_to_status)
        if not potential:
            return PreemptionResult(""), Status.unschedulable(
                _fit_error_message(pod, len(all_nodes), NodeToStatus())
            )
        pods = [info.pod for ni in all_nodes for info in ni.pods]
        budgets = pdb_budgets(snapshot.pdbs, pods, snapshot.workloads)
        offset = self.rng.randrange(len(potential))
        wanted = num_candidates(
            len(potential), self.min_candidate_nodes_percentage, self.min_candidate_nodes_absolute
        )
        dry = dry_run_preemption(
            self.handle, state, pod, potential, budgets, offset=offset, wanted=wanted
        )
        details: dict[str, Any] = {
            "offset": offset,
            "num_candidates": wanted,
            "potential_nodes": tuple(ni.name for ni in potential),
            "node_statuses": tuple(dry.node_to_status),
            "budgets": tuple(budgets),
            "candidates": tuple(dry.candidates),
        }
        if dry.errors and not dry.candidates:
            return None, Status(Code.ERROR, dry.errors[0].reasons, dry.errors[0].plugin)
        choice = pick_one_node_for_preemption(dry.candidates)
        if choice is None:
            return PreemptionResult("", **details), Status.unschedulable(
                _fit_error_message(pod, len(all_nodes), dry.node_to_status)
            )
        return PreemptionResult(
            choice.node_name, victims=choice.candidate.victims.pods, choice=choice, **details
        ), SUCCESS


def _fit_error_message(pod: Pod, num_all_nodes: int, statuses: NodeToStatus) -> str:
    """The dry run's FitError; nodes that were no potential node are "not helpful"."""
    statuses.absent_status = Status.unresolvable(PREEMPTION_NOT_HELPFUL)
    return FitError(pod, num_all_nodes, Diagnosis(node_to_status=statuses)).message()


def new(args: Mapping[str, Any], handle: Handle) -> DefaultPreemption:
    """Factory; args follow ``DefaultPreemptionArgs`` plus vigil's ``seed``."""
    return DefaultPreemption(
        handle,
        min_candidate_nodes_percentage=int(
            args.get("minCandidateNodesPercentage", DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE)
        ),
        min_candidate_nodes_absolute=int(
            args.get("minCandidateNodesAbsolute", DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE)
        ),
        seed=int(args.get("seed", 0)),
    )
