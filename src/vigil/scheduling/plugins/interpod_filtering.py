"""InterPodAffinity filtering state: matched-term counts per topology pair.

PreFilter counts, over the whole cluster, (a) pods matching all of the incoming pod's required
affinity terms, (b) pods matching its required anti-affinity terms, and (c) existing pods whose
required anti-affinity terms match the incoming pod; Filter then only looks up the node's pairs.
The counts can be updated incrementally for nominated pods and preemption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from vigil.cluster.node import Node
from vigil.cluster.pod import Pod
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, IntArray, NodeTable, PodPredicate
from vigil.scheduling.plugins.spread_constraints import domain_sums
from vigil.scheduling.podinfo import AffinityTerm, PodInfo

TopologyPair = tuple[str, str]

ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"


class TermCounts(dict[TopologyPair, int]):
    """Counts per (topologyKey, value); entries dropping to zero are removed."""

    def update_pair(self, node: Node, key: str, delta: int) -> None:
        """Add ``delta`` to the node's pair for ``key`` if the node has that label."""
        value = node.labels.get(key)
        if value is None:
            return
        pair = (key, value)
        total = self.get(pair, 0) + delta
        if total == 0:
            self.pop(pair, None)
        else:
            self[pair] = total

    def update_with_anti_affinity_terms(
        self,
        terms: Sequence[AffinityTerm],
        pod: Pod,
        namespace_labels: Mapping[str, str] | None,
        node: Node,
        delta: int,
    ) -> None:
        """+delta on each term's pair for every term ``pod`` matches."""
        for t in terms:
            if t.matches(pod, namespace_labels):
                self.update_pair(node, t.topology_key, delta)

    def update_with_affinity_terms(
        self, terms: Sequence[AffinityTerm], pod: Pod, node: Node, delta: int
    ) -> None:
        """+delta on every term's pair if ``pod`` matches all the terms."""
        if pod_matches_all_affinity_terms(terms, pod):
            for t in terms:
                self.update_pair(node, t.topology_key, delta)


def pod_matches_all_affinity_terms(terms: Sequence[AffinityTerm], pod: Pod) -> bool:
    """True when there are terms and ``pod`` matches every one (merged namespaces)."""
    return bool(terms) and all(t.matches(pod, None) for t in terms)


@dataclass(slots=True)
class InterPodFilterState:
    """The incoming pod's merged terms and the three count maps."""

    pod_info: PodInfo
    required_affinity: tuple[AffinityTerm, ...]
    required_anti_affinity: tuple[AffinityTerm, ...]
    namespace_labels: Mapping[str, str]
    affinity_counts: TermCounts = field(default_factory=TermCounts)
    anti_affinity_counts: TermCounts = field(default_factory=TermCounts)
    existing_anti_affinity_counts: TermCounts = field(default_factory=TermCounts)

    def clone(self) -> InterPodFilterState:
        """A copy with independent counts."""
        return InterPodFilterState(
            self.pod_info,
            self.required_affinity,
            self.required_anti_affinity,
            self.namespace_labels,
            TermCounts(self.affinity_counts),
            TermCounts(self.anti_affinity_counts),
            TermCounts(self.existing_anti_affinity_counts),
        )

    def update_with_pod(self, other: PodInfo, node: Node, delta: int) -> None:
        """Account for ``other`` appearing on (+1) or leaving (-1) ``node``."""
        pod = self.pod_info.pod
        self.existing_anti_affinity_counts.update_with_anti_affinity_terms(
            other.required_anti_affinity_terms, pod, self.namespace_labels, node, delta
        )
        self.affinity_counts.update_with_affinity_terms(
            self.required_affinity, other.pod, node, delta
        )
        self.anti_affinity_counts.update_with_anti_affinity_terms(
            self.required_anti_affinity, other.pod, None, node, delta
        )


def build_filter_state(
    pod: Pod,
    all_nodes: Sequence[NodeInfo],
    with_required_anti_affinity: Sequence[NodeInfo],
    namespaces: Mapping[str, Mapping[str, str]],
) -> InterPodFilterState:
    """Compute the PreFilter counts over the cluster."""
    info = PodInfo.of(pod)
    state = InterPodFilterState(
        info,
        tuple(t.with_merged_namespaces(namespaces) for t in info.required_affinity_terms),
        tuple(t.with_merged_namespaces(namespaces) for t in info.required_anti_affinity_terms),
        namespaces.get(pod.namespace, {}),
    )
    for ni in with_required_anti_affinity:
        for existing in ni.pods_with_required_anti_affinity:
            state.existing_anti_affinity_counts.update_with_anti_affinity_terms(
                existing.required_anti_affinity_terms, pod, state.namespace_labels, ni.node, 1
            )
    if state.required_affinity or state.required_anti_affinity:
        for ni in all_nodes:
            for existing in ni.pods:
                state.affinity_counts.update_with_affinity_terms(
                    state.required_affinity, existing.pod, ni.node, 1
                )
                state.anti_affinity_counts.update_with_anti_affinity_terms(
                    state.required_anti_affinity, existing.pod, None, ni.node, 1
                )
    return state


def satisfy_pod_affinity(state: InterPodFilterState, node: Node) -> bool:
    """Every term's pair has a matching pod, or this is the first pod of a self-affine group."""
    pods_exist = True
    for term in state.required_affinity:
        value = node.labels.get(term.topology_key)
        if value is None:
            return False
        if state.affinity_counts.get((term.topology_key, value), 0) <= 0:
            pods_exist = False
    if pods_exist:
        return True
    return not state.affinity_counts and pod_matches_all_affinity_terms(
        state.required_affinity, state.pod_info.pod
    )


def satisfy_pod_anti_affinity(state: InterPodFilterState, node: Node) -> bool:
    """No matching pod in the node's domain of any anti-affinity term."""
    if not state.anti_affinity_counts:
        return True
    for term in state.required_anti_affinity:
        value = node.labels.get(term.topology_key)
        if value is not None and state.anti_affinity_counts.get((term.topology_key, value), 0) > 0:
            return False
    return True


def satisfy_existing_pods_anti_affinity(state: InterPodFilterState, node: Node) -> bool:
    """No existing pod's anti-affinity term covers one of the node's label pairs."""
    if not state.existing_anti_affinity_counts:
        return True
    return not any(
        state.existing_anti_affinity_counts.get(pair, 0) > 0 for pair in node.labels.items()
    )


def _add_pair_counts(counts: TermCounts, key: str, table: NodeTable, per_node: IntArray) -> None:
    """Add each node's count to its (key, value) pair, for nodes with the label."""
    label = table.label(key)
    include = (label.codes >= 0) & (per_node > 0)
    if not include.any():
        return
    sums = domain_sums(label.codes, include, per_node, len(label.values))
    for code in np.flatnonzero(sums).tolist():
        pair = (key, label.values[code])
        total = counts.get(pair, 0) + int(sums[code])
        if total == 0:
            counts.pop(pair, None)
        else:
            counts[pair] = total


def build_filter_state_table(
    pod: Pod, table: NodeTable, namespaces: Mapping[str, Mapping[str, str]]
) -> InterPodFilterState:
    """`build_filter_state` over all the table's nodes, from its maintained indexes."""
    info = PodInfo.of(pod)
    state = InterPodFilterState(
        info,
        tuple(t.with_merged_namespaces(namespaces) for t in info.required_affinity_terms),
        tuple(t.with_merged_namespaces(namespaces) for t in info.required_anti_affinity_terms),
        namespaces.get(pod.namespace, {}),
    )
    existing = state.existing_anti_affinity_counts
    for term_key, per_value in table.existing_anti_affinity.counts.items():
        term = cast(AffinityTerm, term_key)
        if term.matches(pod, state.namespace_labels):
            for value, count in per_value.items():
                pair = (term.topology_key, value)
                existing[pair] = existing.get(pair, 0) + count
    if state.required_affinity:
        per_node = table.predicate_counts(PodPredicate.of_terms(state.required_affinity))
        for t in state.required_affinity:
            _add_pair_counts(state.affinity_counts, t.topology_key, table, per_node)
    for t in state.required_anti_affinity:
        per_node = table.predicate_counts(PodPredicate.of_term(t))
        _add_pair_counts(state.anti_affinity_counts, t.topology_key, table, per_node)
    return state


def _positive_pairs_mask(counts: TermCounts, key: str, table: NodeTable) -> BoolArray:
    """Nodes whose (key, value) pair has a positive count (False where the key is absent)."""
    label = table.label(key)
    lut = np.zeros(len(label.values) + 1, dtype=np.bool_)
    for (k, value), count in counts.items():
        if k == key and count > 0:
            code = label.value_codes.get(value)
            if code is not None:
                lut[code] = True
    result: BoolArray = lut[label.codes]
    return result


def filter_mask(state: InterPodFilterState, table: NodeTable) -> BoolArray:
    """The three checks of every node: True where it passes."""
    ok = np.ones(table.size, dtype=np.bool_)
    if state.required_affinity:
        has_all = np.ones(table.size, dtype=np.bool_)
        exist = np.ones(table.size, dtype=np.bool_)
        for t in state.required_affinity:
            has_all &= table.label(t.topology_key).codes >= 0
            exist &= _positive_pairs_mask(state.affinity_counts, t.topology_key, table)
        first_pod = not state.affinity_counts and pod_matches_all_affinity_terms(
            state.required_affinity, state.pod_info.pod
        )
        ok &= has_all if first_pod else has_all & exist
    if state.anti_affinity_counts:
        for t in state.required_anti_affinity:
            ok &= ~_positive_pairs_mask(state.anti_affinity_counts, t.topology_key, table)
    if state.existing_anti_affinity_counts:
        for (key, value), count in state.existing_anti_affinity_counts.items():
            if count > 0:
                label = table.label(key)
                code = label.value_codes.get(value)
                if code is not None:
                    ok &= label.codes != code
    return ok
