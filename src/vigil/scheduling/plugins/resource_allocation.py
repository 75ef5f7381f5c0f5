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

import numpy as np

from vigil.cluster.pod import Pod
from vigil.cluster.quantity import resource_amount
from vigil.scheduling.interfaces import MAX_NODE_SCORE
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import EXACT_LIMIT, IntArray, NodeTable
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


def allocation_columns(
    table: NodeTable,
    idx: IntArray,
    resources: Sequence[ResourceSpec],
    pod_request: Sequence[int],
    *,
    use_requested: bool,
) -> list[tuple[IntArray, IntArray]] | None:
    """`allocation_score`'s (allocatable, requested) vectors, one column pair per resource over
    the nodes ``idx`` (allocatable 0 marks a skipped resource); None when not exact."""
    columns: list[tuple[IntArray, IntArray]] = []
    zeros = np.zeros(len(idx), dtype=np.int64)
    for r, request in zip(resources, pod_request, strict=True):
        if abs(request) >= EXACT_LIMIT:
            return None
        name = r.name
        if request == 0 and is_scalar_resource_name(name):
            columns.append((zeros, zeros))
            continue
        if name == CPU and not use_requested:
            used = table.non_zero_cpu[idx]
        elif name == MEMORY and not use_requested:
            used = table.non_zero_memory[idx]
        else:
            used = table.requested(name)[idx]
        columns.append((table.allocatable(name)[idx], used + request))
    return columns


def weighted_score_array(
    columns: Sequence[tuple[IntArray, IntArray]],
    resources: Sequence[ResourceSpec],
    strategy: str,
) -> IntArray:
    """LeastAllocated or MostAllocated over columns (`least_allocated` / `most_allocated`)."""
    size = len(columns[0][0]) if columns else 0
    total = np.zeros(size, dtype=np.int64)
    weight_sum = np.zeros(size, dtype=np.int64)
    for (alloc, req), r in zip(columns, resources, strict=True):
        has = alloc != 0
        if not has.any():
            continue
        safe = np.where(has, alloc, 1)
        if strategy == "LeastAllocated":
            score = np.where(req > alloc, 0, (alloc - req) * MAX_NODE_SCORE // safe)
        else:
            score = np.minimum(req, alloc) * MAX_NODE_SCORE // safe
        total += np.where(has, score * r.weight, 0)
        weight_sum += np.where(has, r.weight, 0)
    return np.where(weight_sum != 0, total // np.where(weight_sum != 0, weight_sum, 1), 0)


def balanced_score_array(columns: Sequence[tuple[IntArray, IntArray]]) -> IntArray:
    """`balanced_score` per node, in the same float64 operations."""
    size = len(columns[0][0]) if columns else 0
    if not columns:
        return np.full(size, MAX_NODE_SCORE, dtype=np.int64)
    every = np.ones(size, dtype=np.bool_)
    for alloc, _ in columns:
        every &= alloc != 0
    fractions = [
        np.minimum(req.astype(np.float64) / np.where(alloc != 0, alloc, 1).astype(np.float64), 1.0)
        for alloc, req in columns
    ]
    if len(fractions) == 1:
        std = np.zeros(size)
    elif len(fractions) == 2:
        std = np.abs((fractions[0] - fractions[1]) / 2)
    else:
        acc = fractions[0]
        for f in fractions[1:]:
            acc = acc + f
        mean = acc / len(fractions)
        sq = (fractions[0] - mean) * (fractions[0] - mean)
        for f in fractions[1:]:
            sq = sq + (f - mean) * (f - mean)
        std = np.sqrt(sq / len(fractions))
    out = np.trunc((1 - std) * MAX_NODE_SCORE).astype(np.int64)
    for i in np.flatnonzero(~every).tolist():
        out[i] = balanced_score(
            [int(req[i]) for _, req in columns], [int(alloc[i]) for alloc, _ in columns]
        )
    return out
