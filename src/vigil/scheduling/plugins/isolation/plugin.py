"""Isolation: risk-based placement as a Filter and Score plugin of the scheduling framework.

Filter, for a pod of tier T (exempt namespaces are skipped at PreFilter):

1. every isolation rule of T names node labels the node must carry, read only under
   ``node-restriction.kubernetes.io/`` (a compromised kubelet cannot set those):
   ``node(s) didn't have the isolation labels of tier T``, UnschedulableAndUnresolvable;
2. a node carrying the labels of an ``exclusive`` rule of another tier U runs only U:
   ``node(s) were reserved for isolation tier U``, UnschedulableAndUnresolvable;
3. no pod already on the node may be of a tier that T is separated from (the rules read in both
   directions, like inter-pod anti-affinity with topology ``kubernetes.io/hostname``):
   ``node(s) had pods of tier U, isolated from tier T``, Unschedulable, so preemption may
   remove lower-priority pods of U.

Score prefers nodes whose pods have a risk score close to the incoming pod's (risky pods
gather, low-risk pods gather), normalised reversed like TaintToleration. A score is a
preference: it never makes a node feasible or infeasible, so it never counts as isolation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vigil.cluster.pod import Pod
from vigil.posture.policy import IsolationRule
from vigil.posture.risk import RiskContext
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import Handle, NodeScore, PreFilterResult, ScoreExtensions
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, IntArray, NodeTable
from vigil.scheduling.plugins.isolation.tiers import TierBook
from vigil.scheduling.plugins.normalize import default_normalize_array, default_normalize_score
from vigil.scheduling.status import SKIP, SUCCESS, Status

NAME = "Isolation"
_STATE_KEY = "PreFilter" + NAME


def _carries(labels: Mapping[str, str], rule: IsolationRule) -> bool:
    return bool(rule.node_labels) and all(labels.get(k) == v for k, v in rule.node_labels.items())


class _PodState:
    """What PreFilter works out once about the incoming pod."""

    __slots__ = ("exclusive_elsewhere", "required", "score", "separated", "tier")

    def __init__(self, book: TierBook, pod: Pod) -> None:
        profile = book.profile(pod)
        policy = book.policy
        self.tier = profile.tier
        self.score = profile.score
        self.required = policy.rules_for(self.tier)
        self.exclusive_elsewhere = [
            r for r in policy.isolation if r.exclusive and r.tier != self.tier
        ]
        self.separated = policy.separated(self.tier)


class Isolation:
    """Keeps tiers apart on nodes as the posture policy says (see the module docstring)."""

    name = NAME

    def __init__(self, book: TierBook) -> None:
        self.book = book

    def _state(self, state: CycleState, pod: Pod) -> _PodState:
        found = state.read(_STATE_KEY, _PodState)
        if found is None:
            found = _PodState(self.book, pod)
            state.write(_STATE_KEY, found)
        return found

    def pre_filter(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status]:
        """Skip pods of exempt namespaces; otherwise work out the pod's tier and rules."""
        if self.book.exempt(pod):
            return None, SKIP
        state.write(_STATE_KEY, _PodState(self.book, pod))
        return None, SUCCESS

    def pre_filter_extensions(self) -> None:
        """Filter reads the node's pods directly, so no incremental state is kept."""
        return

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """The three rules of the module docstring, in order."""
        s = self._state(state, pod)
        labels = node_info.node.labels
        for rule in s.required:
            if rule.node_labels and not _carries(labels, rule):
                return Status.unresolvable(
                    f"node(s) didn't have the isolation labels of tier {s.tier}"
                )
        for rule in s.exclusive_elsewhere:
            if _carries(labels, rule):
                return Status.unresolvable(f"node(s) were reserved for isolation tier {rule.tier}")
        if s.separated:
            book = self.book
            for info in node_info.pods:
                other = info.pod
                if book.exempt(other):
                    continue
                tier = book.tier(other)
                if tier in s.separated:
                    return Status.unschedulable(
                        f"node(s) had pods of tier {tier}, isolated from tier {s.tier}"
                    )
        return SUCCESS

    def filter_batch(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArray | None:
        """`filter` of every node of the table at once."""
        if self.book.exempt(pod):
            return np.ones(table.size, dtype=np.bool_)
        return np.fromiter(
            (self.filter(state, pod, info).is_success() for info in table.infos),
            dtype=np.bool_,
            count=table.size,
        )

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status:
        """Skip pods of exempt namespaces."""
        if self.book.exempt(pod):
            return SKIP
        self._state(state, pod)
        return SUCCESS

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple[int, Status]:
        """The sum of the differences between the pod's risk score and its neighbours'."""
        mine = self._state(state, pod).score
        book = self.book
        total = sum(
            abs(mine - book.profile(info.pod).score)
            for info in node_info.pods
            if not book.exempt(info.pod)
        )
        return total, SUCCESS

    def score_batch(
        self,
        state: CycleState,
        pod: Pod,
        table: NodeTable,
        idx: IntArray,
        nodes: Sequence[NodeInfo],
    ) -> IntArray | Status:
        """PreScore and Score of ``nodes`` at once."""
        if self.book.exempt(pod):
            return SKIP
        return np.array([self.score(state, pod, ni)[0] for ni in nodes], dtype=np.int64)

    def score_extensions(self) -> ScoreExtensions:
        """Reversed default normalisation: the most similar neighbourhood scores 100."""
        return self

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[NodeScore]) -> Status:
        """``DefaultNormalizeScore(100, reverse=true)``."""
        default_normalize_score(scores, reverse=True)
        return SUCCESS

    def normalize_batch(self, state: CycleState, pod: Pod, scores: IntArray) -> IntArray:
        """`normalize_score` over an array."""
        return default_normalize_array(scores, reverse=True)


def new(args: Mapping[str, Any], handle: Handle) -> Isolation:
    """Factory; ``args["context"]`` is the `RiskContext` (policy, exposure, namespaces, alerts)."""
    context = args.get("context")
    if not isinstance(context, RiskContext):
        raise TypeError("the Isolation plugin needs args {'context': RiskContext}")
    return Isolation(TierBook(context))
