"""Shared resource scoring (``resourceAllocationScorer``) for NodeResourcesFit and
NodeResourcesBalancedAllocation.

For each configured resource it pairs the node's allocatable with the node's requested total
plus the pod's request, then hands the vectors to a strategy: LeastAllocated, MostAllocated, or
the balance of fractions. Fit counts "non-zero" requests (100m / 200Mi defaults); Balanced counts
actual requests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from vigil.cluster.pod import Pod
from vigil.cluster.quantity import resource_amount
from vigil.scheduling.interfaces import MAX_NODE_SCORE
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.resources import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    NON_ZERO_DEFAULTS,
    is_scalar_resource_name,
    pod_requests,
)

Scorer = Callable[[Sequence[int], Sequence[int]], int]


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """A resource and its weight in the score."""

    name: str
    weight: int = 1


DEFAULT_RESOURCES = (ResourceSpec(CPU, 1), ResourceSpec(MEMORY, 1))


def pod_request_list(
    pod: Pod, resources: Sequence[ResourceSpec], *, use_requested: bool
) -> list[int]:
    """The pod's request for each resource (non-zero defaults unless ``use_requested``)."""
    reqs = pod_requests(pod, None if use_requested else NON_ZERO_DEFAULTS)
    return [resource_amount(r.name, reqs.get(r.name, Fraction(0))) for r in resources]


def _allocatable_and_requested(
    node_info: NodeInfo, resource: str, pod_request: int, *, use_requested: bool
) -> tuple[int, int]:
    if pod_request == 0 and is_scalar_resource_name(resource):
        return 0, 0
    requested = node_info.requested if use_requested else node_info.non_zero_requested
    if resource in (CPU, MEMORY):
        return node_info.allocatable.get(resource, 0), requested.get(resource, 0) + pod_request
    if resource == EPHEMERAL_STORAGE:
        return node_info.allocatable.get(resource, 0), node_info.requested.get(
            resource, 0
        ) + pod_request
    if resource in node_info.allocatable:
        return node_info.allocatable[resource], node_info.requested.get(resource, 0) + pod_request
    return 0, 0


def allocation_score(
    node_info: NodeInfo,
    resources: Sequence[ResourceSpec],
    pod_request: Sequence[int],
    scorer: Scorer,
    *,
    use_requested: bool,
) -> int:
    """Build the requested/allocatable vectors (0 for skipped resources) and score them."""
    requested = [0] * len(resources)
    allocatable = [0] * len(resources)
    for i, r in enumerate(resources):
        alloc, req = _allocatable_and_requested(
            node_info, r.name, pod_request[i], use_requested=use_requested
        )
        if alloc == 0:
            continue
        allocatable[i], requested[i] = alloc, req
    return scorer(requested, allocatable)


def _weighted(resources: Sequence[ResourceSpec], per_resource: Callable[[int, int], int]) -> Scorer:
    def scorer(requested: Sequence[int], allocatable: Sequence[int]) -> int:
        total = weight_sum = 0
        for i, r in enumerate(resources):
            if allocatable[i] == 0:
                continue
            total += per_resource(requested[i], allocatable[i]) * r.weight
            weight_sum += r.weight
        return total // weight_sum if weight_sum else 0

    return scorer


def least_requested_score(requested: int, capacity: int) -> int:
    """``(capacity - requested) * 100 / capacity``; 0 when over capacity."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested: int, capacity: int) -> int:
    """``requested * 100 / capacity`` with requested capped at capacity."""
    if capacity == 0:
        return 0
    return min(requested, capacity) * MAX_NODE_SCORE // capacity


def least_allocated(resources: Sequence[ResourceSpec]) -> Scorer:
    """The LeastAllocated strategy: weighted mean of free fractions."""
    return _weighted(resources, least_requested_score)


def most_allocated(resources: Sequence[ResourceSpec]) -> Scorer:
    """The MostAllocated strategy: weighted mean of used fractions."""
    return _weighted(resources, most_requested_score)


def balanced_score(requested: Sequence[int], allocatable: Sequence[int]) -> int:
    """``(1 - std(fractions)) * 100`` truncated, fractions capped at 1 (float as upstream)."""
    fractions: list[float] = []
    for req, alloc in zip(requested, allocatable, strict=True):
        if alloc == 0:
            continue
        fractions.append(min(req / alloc, 1.0))
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = sum(fractions) / len(fractions)
        std = math.sqrt(sum((f - mean) * (f - mean) for f in fractions) / len(fractions))
    return int((1 - std) * MAX_NODE_SCORE)


def parse_resources(raw: object, default: Sequence[ResourceSpec]) -> tuple[ResourceSpec, ...]:
    """Resources from plugin args: a list of ``{"name": ..., "weight": ...}`` mappings."""
    if raw is None:
        return tuple(default)
    if not isinstance(raw, list):
        raise TypeError("resources must be a list of {name, weight}")
    out = []
    for item in raw:
        if isinstance(item, ResourceSpec):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            out.append(ResourceSpec(item["name"], int(item.get("weight", 1))))
        else:
            raise TypeError("resources must be a list of {name, weight}")
    return tuple(out)
