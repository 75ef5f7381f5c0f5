"""InterPodAffinity: required pod affinity/anti-affinity (both directions) filter; preferred
terms score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import (
    Handle,
    NodeScore,
    PreFilterResult,
    ScoreExtensions,
)
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, IntArray, NodeTable
from vigil.scheduling.plugins.interpod_filtering import (
    ERR_REASON_AFFINITY,
    ERR_REASON_ANTI_AFFINITY,
    ERR_REASON_EXISTING_ANTI_AFFINITY,
    InterPodFilterState,
    build_filter_state,
    build_filter_state_table,
    filter_mask,
    satisfy_existing_pods_anti_affinity,
    satisfy_pod_affinity,
    satisfy_pod_anti_affinity,
)
from vigil.scheduling.plugins.interpod_scoring import (
    InterPodScoreState,
    build_score_state,
    build_score_state_table,
    normalize_min_max,
    normalize_min_max_array,
    score_array,
)
from vigil.scheduling.plugins.pod_count_extensions import PodCountExtensions
from vigil.scheduling.profile import INTER_POD_AFFINITY
from vigil.scheduling.status import SKIP, SUCCESS, Status

_PRE_FILTER_KEY = "PreFilter" + INTER_POD_AFFINITY
_PRE_SCORE_KEY = "PreScore" + INTER_POD_AFFINITY


class InterPodAffinity(PodCountExtensions):
    """Filter in the upstream order: affinity, anti-affinity, existing pods' anti-affinity."""

    state_key = _PRE_FILTER_KEY
    state_type = InterPodFilterState

    name = INTER_POD_AFFINITY

    def __init__(
        self, handle: Handle, hard_pod_affinity_weight: int = 1, ignore_preferred: bool = False
    ) -> None:
        self.handle = handle
        self.hard_pod_affinity_weight = hard_pod_affinity_weight
        self.ignore_preferred_terms_of_existing_pods = ignore_preferred

    def pre_filter(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status]:
        """Count matches; Skip when the pod has no required terms and no anti-affinity hits it."""
        snapshot = self.handle.snapshot
        table = snapshot.node_table() if nodes is snapshot.node_infos else None
        if table is not None:
            s = build_filter_state_table(pod, table, snapshot.namespace_labels)
        else:
            s = build_filter_state(
                pod,
                nodes,
                snapshot.have_pods_with_required_anti_affinity(),
                snapshot.namespace_labels,
            )
        if (
            not s.existing_anti_affinity_counts
            and not s.required_affinity
            and not s.required_anti_affinity
        ):
            return None, SKIP
        state.write(_PRE_FILTER_KEY, s)
        return None, SUCCESS

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """The first failing rule's reason."""
        s = state.read(_PRE_FILTER_KEY, InterPodFilterState)
        if s is None:
            return Status.error(f'reading "{_PRE_FILTER_KEY}" from cycleState: not found')
        node = node_info.node
        if not satisfy_pod_affinity(s, node):
            return Status.unresolvable(ERR_REASON_AFFINITY)
        if not satisfy_pod_anti_affinity(s, node):
            return Status.unschedulable(ERR_REASON_ANTI_AFFINITY)
        if not satisfy_existing_pods_anti_affinity(s, node):
            return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY)
        return SUCCESS

    def filter_batch(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArray | None:
        """`filter` over every node of the table: True where the node passes."""
        s = state.read(_PRE_FILTER_KEY, InterPodFilterState)
        if s is None:
            return None
        return filter_mask(s, table)

    def score_batch(
        self,
        state: CycleState,
        pod: Pod,
        table: NodeTable,
        idx: IntArray,
        nodes: Sequence[NodeInfo],
    ) -> IntArray | Status | None:
        """PreScore and Score of the nodes ``idx`` at once (None: use the per-node path)."""
        if not nodes:
            return None
        s = build_score_state_table(
            pod,
            table,
            self.handle.snapshot.namespace_labels,
            hard_pod_affinity_weight=self.hard_pod_affinity_weight,
            ignore_preferred_terms_of_existing_pods=self.ignore_preferred_terms_of_existing_pods,
        )
        if s is None:
            return SKIP
        state.write(_PRE_SCORE_KEY, s)
        return score_array(s, table, idx)

    def normalize_batch(self, state: CycleState, pod: Pod, scores: IntArray) -> IntArray:
        """`normalize_score` over an array."""
        s = state.read(_PRE_SCORE_KEY, InterPodScoreState)
        if s is None or not s.topology_score:
            return scores
        return normalize_min_max_array(scores)

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status:
        """Compute topology scores; Skip when no term contributes anything."""
        if not nodes:
            return SUCCESS
        snapshot = self.handle.snapshot
        table = snapshot.node_table()
        if table is not None:
            s = build_score_state_table(
                pod,
                table,
                snapshot.namespace_labels,
                hard_pod_affinity_weight=self.hard_pod_affinity_weight,
                ignore_preferred_terms_of_existing_pods=self.ignore_preferred_terms_of_existing_pods,
            )
            if s is None:
                return SKIP
            state.write(_PRE_SCORE_KEY, s)
            return SUCCESS
        s = build_score_state(
            pod,
            snapshot.node_infos,
            snapshot.have_pods_with_affinity(),
            snapshot.namespace_labels,
            hard_pod_affinity_weight=self.hard_pod_affinity_weight,
            ignore_preferred_terms_of_existing_pods=self.ignore_preferred_terms_of_existing_pods,
        )
        if s is None:
            return SKIP
        state.write(_PRE_SCORE_KEY, s)
        return SUCCESS

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple[int, Status]:
        """Sum of the topology scores of the node's pairs."""
        s = state.read(_PRE_SCORE_KEY, InterPodScoreState)
        if s is None:
            return 0, SUCCESS
        return s.node_score(node_info.node), SUCCESS

    def score_extensions(self) -> ScoreExtensions:
        """Min-max normalisation."""
        return self

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[NodeScore]) -> Status:
        """Min-max to 0..100 (negative raw scores allowed)."""
        s = state.read(_PRE_SCORE_KEY, InterPodScoreState)
        if s is None or not s.topology_score:
            return SUCCESS
        normalize_min_max(scores)
        return SUCCESS


def new(args: Mapping[str, Any], handle: Handle) -> InterPodAffinity:
    """Factory; args ``hardPodAffinityWeight`` (default 1), ``ignorePreferredTermsOfExistingPods``."""
    return InterPodAffinity(
        handle,
        int(args.get("hardPodAffinityWeight", 1)),
        bool(args.get("ignorePreferredTermsOfExistingPods", False)),
    )
