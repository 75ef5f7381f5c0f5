"""PodTopologySpread filtering: matching-pod counts per domain and the skew check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vigil.cluster.node import Node
from vigil.cluster.node_affinity import RequiredNodeAffinity
from vigil.cluster.pod import Pod
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.plugins.spread_constraints import (
    SpreadConstraint,
    count_pods_match_selector,
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
