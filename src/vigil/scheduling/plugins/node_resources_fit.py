"""NodeResourcesFit: the pod's requests must fit the node's free allocatable; scored by a
LeastAllocated (default) or MostAllocated strategy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import (
    Handle,
    PreFilterExtensions,
    PreFilterResult,
    ScoreExtensions,
)
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import EXACT_LIMIT, BoolArray, IntArray, NodeTable
from vigil.scheduling.plugins.resource_allocation import (
    DEFAULT_RESOURCES,
    ResourceSpec,
    Scorer,
    allocation_columns,
    allocation_score,
    least_allocated,
    most_allocated,
    parse_resources,
    pod_request_list,
    weighted_score_array,
)
from vigil.scheduling.profile import NODE_RESOURCES_FIT
from vigil.scheduling.resources import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    PODS,
    is_extended_resource_name,
    pod_resource_amounts,
)
from vigil.scheduling.status import SUCCESS, Status

TOO_MANY_PODS = "Too many pods"
_PRE_FILTER_KEY = "PreFilter" + NODE_RESOURCES_FIT
_PRE_SCORE_KEY = "PreScore" + NODE_RESOURCES_FIT


class _Requests:
    __slots__ = ("amounts",)

    def __init__(self, amounts: dict[str, int]) -> None:
        self.amounts = amounts


class _PodRequestList:
    __slots__ = ("values",)

    def __init__(self, values: list[int]) -> None:
        self.values = values


def insufficient_resources(
    requests: Mapping[str, int],
    node_info: NodeInfo,
    ignored: frozenset[str] = frozenset(),
    ignored_groups: frozenset[str] = frozenset(),
) -> list[str]:
    """The failure reasons of ``fitsRequest``, in upstream order (pods, cpu, memory,
    ephemeral-storage, then scalar resources sorted by name)."""
    reasons: list[str] = []
    if len(node_info.pods) + 1 > node_info.allocatable.get(PODS, 0):
        reasons.append(TOO_MANY_PODS)
    if not any(requests.values()):
        return reasons
    alloc, used = node_info.allocatable, node_info.requested
    for name in (CPU, MEMORY, EPHEMERAL_STORAGE):
        want = requests.get(name, 0)
        if want > 0 and want > alloc.get(name, 0) - used.get(name, 0):
            reasons.append(f"Insufficient {name}")
    for name in sorted(requests):
        want = requests[name]
        if name in (CPU, MEMORY, EPHEMERAL_STORAGE) or want == 0:
            continue
        if is_extended_resource_name(name) and (
            name in ignored or name.split("/", 1)[0] in ignored_groups
        ):
            continue
        if want > alloc.get(name, 0) - used.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


class NodeResourcesFit:
    """Filter: Unschedulable with every insufficient resource; Score: the scoring strategy."""

    name = NODE_RESOURCES_FIT

    def __init__(
        self,
        strategy: str = "LeastAllocated",
        resources: Sequence[ResourceSpec] = DEFAULT_RESOURCES,
        ignored_resources: frozenset[str] = frozenset(),
        ignored_resource_groups: frozenset[str] = frozenset(),
    ) -> None:
        if strategy == "LeastAllocated":
            self.scorer: Scorer = least_allocated(resources)
        elif strategy == "MostAllocated":
            self.scorer = most_allocated(resources)
        else:
            raise ValueError(f"scoring strategy {strategy} is not supported")
        self.strategy = strategy
        self.resources = tuple(resources)
        self.ignored_resources = ignored_resources
        self.ignored_resource_groups = ignored_resource_groups

    def pre_filter(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status]:
        """Compute the pod's effective requests once."""
        state.write(_PRE_FILTER_KEY, _Requests(pod_resource_amounts(pod)))
        return None, SUCCESS

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        """None: the filter reads the node's requested totals from the NodeInfo."""
        return None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """``Too many pods`` and ``Insufficient <resource>`` reasons, all of them."""
        s = state.read(_PRE_FILTER_KEY, _Requests)
        requests = s.amounts if s is not None else pod_resource_amounts(pod)
        reasons = insufficient_resources(
            requests, node_info, self.ignored_resources, self.ignored_resource_groups
        )
        return Status.unschedulable(*reasons) if reasons else SUCCESS

    def filter_batch(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArray | None:
        """`filter` over every node of the table: True where the node passes."""
        s = state.read(_PRE_FILTER_KEY, _Requests)
        if s is None:
            return None
        requests = s.amounts
        if any(abs(v) >= EXACT_LIMIT for v in requests.values()):
            return None
        ok: BoolArray = table.pod_count + 1 <= table.allocatable(PODS)
        if not any(requests.values()):
            return ok
        for name in (CPU, MEMORY, EPHEMERAL_STORAGE):
            want = requests.get(name, 0)
            if want > 0:
                ok &= want <= table.allocatable(name) - table.requested(name)
        for name in sorted(requests):
            want = requests[name]
            if name in (CPU, MEMORY, EPHEMERAL_STORAGE) or want == 0:
                continue
            if is_extended_resource_name(name) and (
                name in self.ignored_resources
                or name.split("/", 1)[0] in self.ignored_resource_groups
            ):
                continue
            ok &= want <= table.allocatable(name) - table.requested(name)
        return ok

    def score_batch(
        self,
        state: CycleState,
        pod: Pod,
        table: NodeTable,
        idx: IntArray,
        nodes: Sequence[NodeInfo],
    ) -> IntArray | Status | None:
        """PreScore and Score of the nodes ``idx`` at once (None: use the per-node path)."""
        values = pod_request_list(pod, self.resources, use_requested=False)
        columns = allocation_columns(table, idx, self.resources, values, use_requested=False)
        if columns is None:
            return None
        return weighted_score_array(columns, self.resources, self.strategy)

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status:
        """Compute the pod's non-zero request per scored resource."""
        state.write(
            _PRE_SCORE_KEY,
            _PodRequestList(pod_request_list(pod, self.resources, use_requested=False)),
        )
        return SUCCESS

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple[int, Status]:
        """The strategy's score of the node with the pod added."""
        s = state.read(_PRE_SCORE_KEY, _PodRequestList)
        values = (
            s.values
            if s is not None
            else pod_request_list(pod, self.resources, use_requested=False)
        )
        return allocation_score(
            node_info, self.resources, values, self.scorer, use_requested=False
        ), SUCCESS

    def score_extensions(self) -> ScoreExtensions | None:
        """None: scores are already 0..100."""
        return None


def new(args: Mapping[str, Any], handle: Handle) -> NodeResourcesFit:
    """Factory; args follow ``NodeResourcesFitArgs`` (``scoringStrategy.type/resources``,
    ``ignoredResources``, ``ignoredResourceGroups``)."""
    strategy = args.get("scoringStrategy") or {}
    return NodeResourcesFit(
        strategy=strategy.get("type", "LeastAllocated"),
        resources=parse_resources(strategy.get("resources"), DEFAULT_RESOURCES),
        ignored_resources=frozenset(args.get("ignoredResources", ())),
        ignored_resource_groups=frozenset(args.get("ignoredResourceGroups", ())),
    )
