"""NodeResourcesBalancedAllocation: prefer nodes whose resource fractions stay even."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import Handle, ScoreExtensions
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import IntArray, NodeTable
from vigil.scheduling.plugins.resource_allocation import (
    DEFAULT_RESOURCES,
    ResourceSpec,
    allocation_columns,
    allocation_score,
    balanced_score,
    balanced_score_array,
    parse_resources,
    pod_request_list,
)
from vigil.scheduling.profile import NODE_RESOURCES_BALANCED_ALLOCATION
from vigil.scheduling.status import SKIP, SUCCESS, Status

_PRE_SCORE_KEY = "PreScore" + NODE_RESOURCES_BALANCED_ALLOCATION


class _PodRequestList:
    __slots__ = ("values",)

    def __init__(self, values: list[int]) -> None:
        self.values = values


class BalancedAllocation:
    """Score ``(1 - std of requested/allocatable fractions) * 100`` with actual requests."""

    name = NODE_RESOURCES_BALANCED_ALLOCATION

    def __init__(self, resources: Sequence[ResourceSpec] = DEFAULT_RESOURCES) -> None:
        self.resources = tuple(resources)

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status:
        """Skip for pods that request none of the resources (BestEffort)."""
        values = pod_request_list(pod, self.resources, use_requested=True)
        if not any(values):
            return SKIP
        state.write(_PRE_SCORE_KEY, _PodRequestList(values))
        return SUCCESS

    def score_batch(
        self,
        state: CycleState,
        pod: Pod,
        table: NodeTable,
        idx: IntArray,
        nodes: Sequence[NodeInfo],
    ) -> IntArray | Status | None:
        """PreScore and Score of the nodes ``idx`` at once (None: use the per-node path)."""
        values = pod_request_list(pod, self.resources, use_requested=True)
        if not any(values):
            return SKIP
        columns = allocation_columns(table, idx, self.resources, values, use_requested=True)
        if columns is None:
            return None
        return balanced_score_array(columns)

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple[int, Status]:
        """The balance score of the node with the pod added."""
        s = state.read(_PRE_SCORE_KEY, _PodRequestList)
        values = (
            s.values if s is not None else pod_request_list(pod, self.resources, use_requested=True)
        )
        return allocation_score(
            node_info, self.resources, values, balanced_score, use_requested=True
        ), SUCCESS

    def score_extensions(self) -> ScoreExtensions | None:
        """None: scores are already 0..100."""
        return None


def new(args: Mapping[str, Any], handle: Handle) -> BalancedAllocation:
    """Factory; ``args["resources"]`` as in ``NodeResourcesBalancedAllocationArgs``."""
    return BalancedAllocation(parse_resources(args.get("resources"), DEFAULT_RESOURCES))
