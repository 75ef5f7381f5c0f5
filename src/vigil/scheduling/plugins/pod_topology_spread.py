"""PodTopologySpread: hard constraints (DoNotSchedule) filter on skew; soft ones
(ScheduleAnyway, and the system defaults) score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vigil.cluster.pod import Pod, TopologySpreadConstraint
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import (
    Handle,
    NodeScore,
    PreFilterResult,
    ScoreExtensions,
)
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, IntArray, NodeTable
from vigil.scheduling.plugins.pod_count_extensions import PodCountExtensions
from vigil.scheduling.plugins.spread_constraints import (
    DO_NOT_SCHEDULE,
    SCHEDULE_ANYWAY,
    SYSTEM_DEFAULT_CONSTRAINTS,
    pod_constraints,
)
from vigil.scheduling.plugins.spread_filtering import (
    SpreadFilterState,
    build_filter_state,
    build_filter_state_table,
    check_node,
    filter_mask,
)
from vigil.scheduling.plugins.spread_scoring import (
    SpreadScoreState,
    build_score_state,
    normalize,
    normalize_array,
    score_array,
    score_node,
)
from vigil.scheduling.profile import POD_TOPOLOGY_SPREAD
from vigil.scheduling.status import SKIP, SUCCESS, Status

_PRE_FILTER_KEY = "PreFilter" + POD_TOPOLOGY_SPREAD
_PRE_SCORE_KEY = "PreScore" + POD_TOPOLOGY_SPREAD
_BATCH_SCORE_KEY = "BatchScore" + POD_TOPOLOGY_SPREAD


class _IgnoredNodes:
    __slots__ = ("mask",)

    def __init__(self, mask: BoolArray) -> None:
        self.mask = mask


class PodTopologySpread(PodCountExtensions):
    """``defaultingType`` System uses the upstream default constraints; List uses ``default_constraints``."""

    state_key = _PRE_FILTER_KEY
    state_type = SpreadFilterState

    name = POD_TOPOLOGY_SPREAD

    def __init__(
        self,
        handle: Handle,
        default_constraints: Sequence[TopologySpreadConstraint] | None = None,
        system_defaulted: bool = True,
    ) -> None:
        self.handle = handle
        self.system_defaulted = system_defaulted
        self.default_constraints = (
            SYSTEM_DEFAULT_CONSTRAINTS if system_defaulted else tuple(default_constraints or ())
        )

    def pre_filter(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status]:
        """Count matching pods per domain; Skip when the pod has no hard constraint."""
        constraints = pod_constraints(
            pod, DO_NOT_SCHEDULE, self.handle.snapshot, self.default_constraints
        )
        if not constraints:
            return None, SKIP
        snapshot = self.handle.snapshot
        table = snapshot.node_table() if nodes is snapshot.node_infos else None
        if table is not None:
            s = build_filter_state_table(pod, constraints, table)
        else:
            s = build_filter_state(pod, constraints, nodes)
        state.write(_PRE_FILTER_KEY, s)
        return None, SUCCESS

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """Missing topology key (unresolvable) or skew above maxSkew (unschedulable)."""
        s = state.read(_PRE_FILTER_KEY, SpreadFilterState)
        if s is None:
            return Status.error(f'reading "{_PRE_FILTER_KEY}" from cycleState: not found')
        return check_node(s, pod, node_info.node)

    def filter_batch(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArray | None:
        """`filter` over every node of the table: True where the node passes."""
        s = state.read(_PRE_FILTER_KEY, SpreadFilterState)
        if s is None:
            return None
        return filter_mask(s, pod, table)

    def score_batch(
        self,
        state: CycleState,
        pod: Pod,
        table: NodeTable,
        idx: IntArray,
        nodes: Sequence[NodeInfo],
    ) -> IntArray | Status | None:
        """PreScore and Score of the nodes ``idx`` at once (None: use the per-node path)."""
        if not nodes or table.size == 0:
            return None
        constraints = pod_constraints(
            pod, SCHEDULE_ANYWAY, self.handle.snapshot, self.default_constraints
        )
        if not constraints:
            return SKIP
        require_all = bool(pod.spec.topology_spread_constraints) or not self.system_defaulted
        raw, ignored = score_array(pod, constraints, table, idx, require_all)
        state.write(_BATCH_SCORE_KEY, _IgnoredNodes(ignored))
        return raw

    def normalize_batch(self, state: CycleState, pod: Pod, scores: IntArray) -> IntArray:
        """`normalize_score` over an array."""
        s = state.read(_BATCH_SCORE_KEY, _IgnoredNodes)
        if s is None:
            return scores
        return normalize_array(scores, s.mask)

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status:
        """Domains and counts for the soft constraints; Skip when there are none."""
        all_nodes = self.handle.snapshot.node_infos
        if not nodes or not all_nodes:
            return SUCCESS
        constraints = pod_constraints(
            pod, SCHEDULE_ANYWAY, self.handle.snapshot, self.default_constraints
        )
        if not constraints:
            return SKIP
        require_all = bool(pod.spec.topology_spread_constraints) or not self.system_defaulted
        state.write(
            _PRE_SCORE_KEY, build_score_state(pod, constraints, nodes, all_nodes, require_all)
        )
        return SUCCESS

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple[int, Status]:
        """Weighted matching-pod counts of the node's domains."""
        s = state.read(_PRE_SCORE_KEY, SpreadScoreState)
        if s is None:
            return 0, SUCCESS
        return score_node(s, pod, node_info), SUCCESS

    def score_extensions(self) -> ScoreExtensions:
        """Reverse the counts into 0..100."""
        return self

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[NodeScore]) -> Status:
        """Fewest matching pods score 100; ignored nodes 0."""
        s = state.read(_PRE_SCORE_KEY, SpreadScoreState)
        if s is not None:
            normalize(s, scores)
        return SUCCESS


def new(args: Mapping[str, Any], handle: Handle) -> PodTopologySpread:
    """Factory; args ``defaultingType`` (System|List) and ``defaultConstraints`` (a list of
    `vigil.cluster.TopologySpreadConstraint`)."""
    defaulting = args.get("defaultingType", "System")
    if defaulting not in ("System", "List"):
        raise ValueError(f"defaultingType {defaulting} is not supported")
    return PodTopologySpread(
        handle, args.get("defaultConstraints"), system_defaulted=defaulting == "System"
    )
