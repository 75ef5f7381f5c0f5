"""PodTopologySpread scoring: fewer matching pods in a node's domains score higher."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from vigil.cluster.node_affinity import RequiredNodeAffinity
from vigil.cluster.pod import Pod
from vigil.scheduling.interfaces import MAX_NODE_SCORE, NodeScore
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, IntArray, NodeTable
from vigil.scheduling.plugins.spread_constraints import (
    HOSTNAME,
    SpreadConstraint,
    count_pods_match_selector,
    domain_sums,
    has_all_keys_mask,
    inclusion_mask,
    matching_pod_counts,
    node_has_all_keys,
)

FloatArray = NDArray[np.float64]


def go_round(x: float) -> int:
    """``math.Round``: half away from zero."""
    whole = math.floor(abs(x))
    if abs(x) - whole >= 0.5:
        whole += 1
    return int(whole if x >= 0 else -whole)


@dataclass(slots=True)
class SpreadScoreState:
    """Soft constraints, ignored nodes, per-domain counts and per-constraint weights."""

    constraints: list[SpreadConstraint]
    ignored_nodes: set[str] = field(default_factory=set)
    counts: list[dict[str, int]] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)


def build_score_state(
    pod: Pod,
    constraints: list[SpreadConstraint],
    filtered: Sequence[NodeInfo],
    all_nodes: Sequence[NodeInfo],
    require_all_topologies: bool,
) -> SpreadScoreState:
    """Domains come from the filtered nodes; counts from every node in those domains."""
    state = SpreadScoreState(constraints, counts=[{} for _ in constraints])
    for ni in filtered:
        if require_all_topologies and not node_has_all_keys(ni.node.labels, constraints):
            state.ignored_nodes.add(ni.name)
            continue
        for i, c in enumerate(constraints):
            if c.topology_key != HOSTNAME:
                state.counts[i].setdefault(ni.node.labels.get(c.topology_key, ""), 0)
    for i, c in enumerate(constraints):
        size = (
            len(filtered) - len(state.ignored_nodes)
            if c.topology_key == HOSTNAME
            else len(state.counts[i])
        )
        state.weights.append(math.log(size + 2))
    required = RequiredNodeAffinity.of(pod)
    for ni in all_nodes:
        node = ni.node
        if require_all_topologies and not node_has_all_keys(node.labels, constraints):
            continue
        for i, c in enumerate(constraints):
            if not c.match_node_inclusion_policies(pod, node, required):
                continue
            value = node.labels.get(c.topology_key, "")
            if value not in state.counts[i]:
                continue
            state.counts[i][value] += count_pods_match_selector(ni, c.selector, pod.namespace)
    return state


def score_node(state: SpreadScoreState, pod: Pod, node_info: NodeInfo) -> int:
    """``round(sum(count * ln(domains + 2) + maxSkew - 1))`` over constraints the node has."""
    if node_info.name in state.ignored_nodes:
        return 0
    total = 0.0
    labels = node_info.node.labels
    for i, c in enumerate(state.constraints):
        value = labels.get(c.topology_key)
        if value is None:
            continue
        if c.topology_key == HOSTNAME:
            count = count_pods_match_selector(node_info, c.selector, pod.namespace)
        else:
            count = state.counts[i][value]
        total += float(count) * state.weights[i] + float(c.max_skew - 1)
    return go_round(total)


def normalize(state: SpreadScoreState, scores: list[NodeScore]) -> None:
    """Ignored nodes get 0; otherwise ``100 * (max + min - s) / max`` (100 when max is 0)."""
    considered = [s.score for s in scores if s.name not in state.ignored_nodes]
    lowest = min(considered, default=2**63 - 1)
    highest = max(considered, default=0)
    highest = max(highest, 0)
    for s in scores:
        if s.name in state.ignored_nodes:
            s.score = 0
        elif highest == 0:
            s.score = MAX_NODE_SCORE
        else:
            s.score = MAX_NODE_SCORE * (highest + lowest - s.score) // highest


def go_round_array(x: FloatArray) -> IntArray:
    """`go_round` per element."""
    ax = np.abs(x)
    whole = np.floor(ax)
    whole = np.where(ax - whole >= 0.5, whole + 1, whole)
    out: IntArray = np.where(x >= 0, whole, -whole).astype(np.int64)
    return out


def score_array(
    pod: Pod,
    constraints: list[SpreadConstraint],
    table: NodeTable,
    idx: IntArray,
    require_all_topologies: bool,
) -> tuple[IntArray, BoolArray]:
    """`build_score_state` then `score_node` for the filtered nodes ``idx`` at once.

    Returns the raw scores and which of those nodes are ignored.
    """
    required = RequiredNodeAffinity.of(pod)
    has_all = has_all_keys_mask(table, constraints)
    ignored = has_all[idx] == False if require_all_topologies else np.zeros(len(idx), np.bool_)  # noqa: E712
    kept = idx[~ignored]
    total = np.zeros(len(idx), dtype=np.float64)
    for c in constraints:
        label = table.label(c.topology_key)
        counts = matching_pod_counts(table, c.selector, pod.namespace)
        has_key = label.codes[idx] >= 0
        if c.topology_key == HOSTNAME:
            size = len(kept)
            node_counts = counts[idx]
        else:
            # Domains are the values of the non-ignored filtered nodes, "" for a missing key.
            n_values = len(label.values)
            empty = label.value_codes.get("", n_values)
            domain = np.where(label.codes >= 0, label.codes, empty)
            present = np.zeros(n_values + 1, dtype=np.bool_)
            present[domain[kept]] = True
            size = int(present.sum())
            eligible = inclusion_mask(table, c, pod, required) & present[domain]
            if require_all_topologies:
                eligible &= has_all
            sums = domain_sums(domain, eligible, counts, n_values + 1)
            node_counts = sums[domain[idx]]
        weight = math.log(size + 2)
        term = node_counts.astype(np.float64) * weight + float(c.max_skew - 1)
        total = np.where(has_key, total + term, total)
    raw = np.where(ignored, 0, go_round_array(total))
    return raw, ignored


def normalize_array(scores: IntArray, ignored: BoolArray) -> IntArray:
    """`normalize` over arrays."""
    considered = scores[~ignored]
    if not considered.size:
        return np.zeros(len(scores), dtype=np.int64)
    lowest = int(considered.min())
    highest = max(int(considered.max()), 0)
    if highest == 0:
        return np.where(ignored, 0, MAX_NODE_SCORE)
    return np.where(ignored, 0, MAX_NODE_SCORE * (highest + lowest - scores) // highest)
