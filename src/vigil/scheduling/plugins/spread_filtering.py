"""PodTopologySpread filtering: matching-pod counts per domain and the skew check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from vigil.cluster.node import Node
from vigil.cluster.node_affinity import RequiredNodeAffinity
from vigil.cluster.pod import Pod
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, NodeTable
from vigil.scheduling.plugins.spread_constraints import (
    SpreadConstraint,
    count_pods_match_selector,
    domain_sums,
    has_all_keys_mask,
    inclusion_mask,
    matching_pod_counts,
    node_has_all_keys,
)
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.status import SUCCESS, Status

ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
_NO_DOMAIN = 2**31 - 1


@dataclass(slots=True)
class SpreadFilterState:
    """Per constraint: topology value -> number of matching pods (eligible domains only)."""

    pod: Pod
    constraints: list[SpreadConstraint] = field(default_factory=list)
    counts: list[dict[str, int]] = field(default_factory=list)

    def clone(self) -> SpreadFilterState:
        """A copy with independent counts."""
        return SpreadFilterState(self.pod, self.constraints, [dict(c) for c in self.counts])

    def min_match_num(self, index: int) -> int:
        """The global minimum, or 0 when there are fewer eligible domains than minDomains."""
        counts = self.counts[index]
        if len(counts) < self.constraints[index].min_domains:
            return 0
        return min(counts.values(), default=_NO_DOMAIN)

    def update_with_pod(self, other: PodInfo, node: Node, delta: int) -> None:
        """Account for ``other`` appearing on (+1) or leaving (-1) ``node``."""
        if other.pod.namespace != self.pod.namespace or not node_has_all_keys(
            node.labels, self.constraints
        ):
            return
        required = RequiredNodeAffinity.of(self.pod)
        for i, c in enumerate(self.constraints):
            if not c.selector.matches(other.pod.labels):
                continue
            if not c.match_node_inclusion_policies(self.pod, node, required):
                continue
            value = node.labels[c.topology_key]
            self.counts[i][value] = self.counts[i].get(value, 0) + delta


def build_filter_state(
    pod: Pod, constraints: list[SpreadConstraint], nodes: Sequence[NodeInfo]
) -> SpreadFilterState:
    """Count matching pods per eligible domain over all nodes."""
    state = SpreadFilterState(pod, constraints, [{} for _ in constraints])
    if not constraints:
        return state
    required = RequiredNodeAffinity.of(pod)
    for ni in nodes:
        node = ni.node
        if not node_has_all_keys(node.labels, constraints):
            continue
        for i, c in enumerate(constraints):
            if not c.match_node_inclusion_policies(pod, node, required):
                continue
            value = node.labels[c.topology_key]
            count = count_pods_match_selector(ni, c.selector, pod.namespace)
            state.counts[i][value] = state.counts[i].get(value, 0) + count
    return state


def check_node(state: SpreadFilterState, pod: Pod, node: Node) -> Status:
    """Each constraint: the node has the key, and ``count + self - min <= maxSkew``."""
    for i, c in enumerate(state.constraints):
        value = node.labels.get(c.topology_key)
        if value is None:
            return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH)
        self_match = 1 if c.selector.matches(pod.labels) else 0
        skew = state.counts[i].get(value, 0) + self_match - state.min_match_num(i)
        if skew > c.max_skew:
            return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH)
    return SUCCESS


def build_filter_state_table(
    pod: Pod, constraints: list[SpreadConstraint], table: NodeTable
) -> SpreadFilterState:
    """`build_filter_state` over all the table's nodes, from its maintained pod counts."""
    state = SpreadFilterState(pod, constraints, [{} for _ in constraints])
    if not constraints:
        return state
    required = RequiredNodeAffinity.of(pod)
    has_all = has_all_keys_mask(table, constraints)
    for i, c in enumerate(constraints):
        eligible = has_all & inclusion_mask(table, c, pod, required)
        label = table.label(c.topology_key)
        n_values = len(label.values)
        counts = matching_pod_counts(table, c.selector, pod.namespace)
        sums = domain_sums(label.codes, eligible, counts, n_values)
        present = np.bincount(label.codes[eligible], minlength=n_values) > 0
        state.counts[i] = {label.values[k]: int(sums[k]) for k in np.flatnonzero(present)}
    return state


def filter_mask(state: SpreadFilterState, pod: Pod, table: NodeTable) -> BoolArray:
    """`check_node` of every node: True where it passes."""
    ok = np.ones(table.size, dtype=np.bool_)
    for i, c in enumerate(state.constraints):
        label = table.label(c.topology_key)
        lut = np.zeros(len(label.values) + 1, dtype=np.int64)
        for value, count in state.counts[i].items():
            code = label.value_codes.get(value)
            if code is not None:
                lut[code] = count
        self_match = 1 if c.selector.matches(pod.labels) else 0
        skew = lut[label.codes] + (self_match - state.min_match_num(i))
        ok &= (label.codes >= 0) & (skew <= c.max_skew)
    return ok
