"""InterPodAffinity scoring: weighted topology scores from preferred terms, both directions.

Each existing pod contributes to the topology value of its node: the incoming pod's preferred
(anti-)affinity terms it matches (+/- weight), its own required affinity terms the incoming pod
matches (+hardPodAffinityWeight) and its preferred terms the incoming pod matches (+/- weight).
Node scores are the sums over the node's pairs, normalised min-max.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from vigil.cluster.node import Node
from vigil.cluster.pod import Pod
from vigil.scheduling.interfaces import MAX_NODE_SCORE, NodeScore
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import IntArray, NodeTable, PodPredicate
from vigil.scheduling.plugins.spread_constraints import domain_sums
from vigil.scheduling.podinfo import AffinityTerm, PodInfo, WeightedAffinityTerm


@dataclass(slots=True)
class InterPodScoreState:
    """topologyKey -> value -> score."""

    topology_score: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(
        self,
        term: AffinityTerm,
        weight: int,
        pod: Pod,
        ns_labels: Mapping[str, str] | None,
        node: Node,
    ) -> None:
        """Add ``weight`` on the node's pair for the term's key if ``pod`` matches the term."""
        if term.matches(pod, ns_labels):
            value = node.labels.get(term.topology_key)
            if value is not None:
                per_key = self.topology_score.setdefault(term.topology_key, {})
                per_key[value] = per_key.get(value, 0) + weight

    def add_weighted(
        self,
        terms: Sequence[WeightedAffinityTerm],
        pod: Pod,
        ns_labels: Mapping[str, str] | None,
        node: Node,
        sign: int,
    ) -> None:
        """``add`` for each weighted term, with its weight times ``sign``."""
        for w in terms:
            self.add(w.term, w.weight * sign, pod, ns_labels, node)

    def node_score(self, node: Node) -> int:
        """Sum of the scores of the node's pairs."""
        return sum(
            per_key.get(node.labels[key], 0)
            for key, per_key in self.topology_score.items()
            if key in node.labels
        )


def build_score_state(
    pod: Pod,
    all_nodes: Sequence[NodeInfo],
    nodes_with_affinity_pods: Sequence[NodeInfo],
    namespaces: Mapping[str, Mapping[str, str]],
    *,
    hard_pod_affinity_weight: int,
    ignore_preferred_terms_of_existing_pods: bool,
) -> InterPodScoreState | None:
    """The PreScore state, or None when there is nothing to score (Skip)."""
    info = PodInfo.of(pod)
    has_constraints = bool(info.preferred_affinity_terms or info.preferred_anti_affinity_terms)
    if ignore_preferred_terms_of_existing_pods and not has_constraints:
        return None
    preferred = [
        WeightedAffinityTerm(w.term.with_merged_namespaces(namespaces), w.weight)
        for w in info.preferred_affinity_terms
    ]
    preferred_anti = [
        WeightedAffinityTerm(w.term.with_merged_namespaces(namespaces), w.weight)
        for w in info.preferred_anti_affinity_terms
    ]
    ns_labels = namespaces.get(pod.namespace, {})
    state = InterPodScoreState()
    for ni in all_nodes if has_constraints else nodes_with_affinity_pods:
        node = ni.node
        if not node.labels:
            continue
        for existing in ni.pods if has_constraints else ni.pods_with_affinity:
            state.add_weighted(preferred, existing.pod, None, node, 1)
            state.add_weighted(preferred_anti, existing.pod, None, node, -1)
            if hard_pod_affinity_weight > 0:
                for t in existing.required_affinity_terms:
                    state.add(t, hard_pod_affinity_weight, pod, ns_labels, node)
            if not ignore_preferred_terms_of_existing_pods:
                state.add_weighted(existing.preferred_affinity_terms, pod, ns_labels, node, 1)
                state.add_weighted(existing.preferred_anti_affinity_terms, pod, ns_labels, node, -1)
    if not state.topology_score:
        return None
    return state


def normalize_min_max(scores: list[NodeScore]) -> None:
    """In place: ``int(100 * (s - min) / (max - min))`` in float, all 0 when max == min."""
    if not scores:
        return
    lowest = min(s.score for s in scores)
    highest = max(s.score for s in scores)
    diff = highest - lowest
    for s in scores:
        s.score = int(float(MAX_NODE_SCORE) * ((s.score - lowest) / diff)) if diff > 0 else 0


def build_score_state_table(
    pod: Pod,
    table: NodeTable,
    namespaces: Mapping[str, Mapping[str, str]],
    *,
    hard_pod_affinity_weight: int,
    ignore_preferred_terms_of_existing_pods: bool,
) -> InterPodScoreState | None:
    """`build_score_state` over all the table's nodes, from its maintained indexes."""
    info = PodInfo.of(pod)
    has_constraints = bool(info.preferred_affinity_terms or info.preferred_anti_affinity_terms)
    if ignore_preferred_terms_of_existing_pods and not has_constraints:
        return None
    state = InterPodScoreState()
    scores = state.topology_score

    def add(key: str, value: str, amount: int) -> None:
        per_key = scores.setdefault(key, {})
        per_key[value] = per_key.get(value, 0) + amount

    if has_constraints:
        for terms, sign in (
            (info.preferred_affinity_terms, 1),
            (info.preferred_anti_affinity_terms, -1),
        ):
            for w in terms:
                term = w.term.with_merged_namespaces(namespaces)
                per_node = table.predicate_counts(PodPredicate.of_term(term))
                label = table.label(term.topology_key)
                include = (label.codes >= 0) & (per_node > 0)
                if not include.any():
                    continue
                sums = domain_sums(label.codes, include, per_node, len(label.values))
                for code in np.flatnonzero(sums).tolist():
                    add(term.topology_key, label.values[code], sign * w.weight * int(sums[code]))
    ns_labels = namespaces.get(pod.namespace, {})
    if hard_pod_affinity_weight > 0:
        for term_key, per_value in table.existing_required_affinity.counts.items():
            required = cast(AffinityTerm, term_key)
            if required.matches(pod, ns_labels):
                for value, count in per_value.items():
                    add(required.topology_key, value, hard_pod_affinity_weight * count)
    if not ignore_preferred_terms_of_existing_pods:
        for index, sign in (
            (table.existing_preferred_affinity, 1),
            (table.existing_preferred_anti_affinity, -1),
        ):
            for weighted_key, per_value in index.counts.items():
                existing, weight = cast(tuple[AffinityTerm, int], weighted_key)
                if existing.matches(pod, ns_labels):
                    for value, count in per_value.items():
                        add(existing.topology_key, value, sign * weight * count)
    if not scores:
        return None
    return state


def score_array(state: InterPodScoreState, table: NodeTable, idx: IntArray) -> IntArray:
    """`InterPodScoreState.node_score` of the nodes ``idx``."""
    total = np.zeros(len(idx), dtype=np.int64)
    for key, per_key in state.topology_score.items():
        label = table.label(key)
        lut = np.zeros(len(label.values) + 1, dtype=np.int64)
        for value, score in per_key.items():
            code = label.value_codes.get(value)
            if code is not None:
                lut[code] = score
        total += lut[label.codes[idx]]
    return total


def normalize_min_max_array(scores: IntArray) -> IntArray:
    """`normalize_min_max` over an array (same float arithmetic)."""
    if not scores.size:
        return scores
    lowest = int(scores.min())
    diff = int(scores.max()) - lowest
    if diff <= 0:
        return np.zeros(len(scores), dtype=np.int64)
    out: IntArray = (float(MAX_NODE_SCORE) * ((scores - lowest) / diff)).astype(np.int64)
    return out
