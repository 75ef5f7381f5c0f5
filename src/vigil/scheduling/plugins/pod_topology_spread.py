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
    PreFilterExtensions,
    PreFilterResult,
    ScoreExtensions,
)
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.plugins.spread_constraints import (
    DO_NOT_SCHEDULE,
    SCHEDULE_ANYWAY,
    SYSTEM_DEFAULT_CONSTRAINTS,
    pod_constraints,
)
from vigil.scheduling.plugins.spread_filtering import (
    SpreadFilterState,
    build_filter_state,
    check_node,
)
from vigil.scheduling.plugins.spread_scoring import (
    SpreadScoreState,
    build_score_state,
    normalize,
    score_node,
)
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.profile import POD_TOPOLOGY_SPREAD
from vigil.scheduling.status import SKIP, SUCCESS, Status

_PRE_FILTER_KEY = "PreFilter" + POD_TOPOLOGY_SPREAD
_PRE_SCORE_KEY = "PreScore" + POD_TOPOLOGY_SPREAD


class PodTopologySpread:
    """``defaultingType`` System uses the upstream default constraints; List uses ``default_constraints``."""

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
        state.write(_PRE_FILTER_KEY, build_filter_state(pod, constraints, nodes))
        return None, SUCCESS

    def pre_filter_extensions(self) -> PreFilterExtensions:
        """AddPod/RemovePod update the counts."""
        return self

    def _update(self, state: CycleState, other: PodInfo, node_info: NodeInfo, delta: int) -> Status:
        s = state.read(_PRE_FILTER_KEY, SpreadFilterState)
        if s is None:
            return Status.error(f'reading "{_PRE_FILTER_KEY}" from cycleState: not found')
        s.update_with_pod(other, node_info.node, delta)
        return SUCCESS

    def add_pod(
        self, state: CycleState, pod: Pod, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status:
        """Account for a pod added to a node."""
        return self._update(state, pod_to_add, node_info, 1)

    def remove_pod(
        self, state: CycleState, pod: Pod, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status:
        """Account for a pod removed from a node."""
        return self._update(state, pod_to_remove, node_info, -1)

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """Missing topology key (unresolvable) or skew above maxSkew (unschedulable)."""
        s = state.read(_PRE_FILTER_KEY, SpreadFilterState)
        if s is None:
            return Status.error(f'reading "{_PRE_FILTER_KEY}" from cycleState: not found')
        return check_node(s, pod, node_info.node)

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
