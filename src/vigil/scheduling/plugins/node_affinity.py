"""NodeAffinity: nodeSelector and required node affinity filter; preferred terms score.

PreFilter narrows the candidates when every required term pins ``metadata.name`` (DaemonSet
pods), which is what produces ``node(s) didn't satisfy plugin(s) [NodeAffinity]`` for the other
nodes. Scheduler args may add an ``addedAffinity`` (a `vigil.cluster.NodeAffinity`), ANDed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vigil.cluster.node_affinity import RequiredNodeAffinity
from vigil.cluster.pod import NodeAffinity as NodeAffinitySpec
from vigil.cluster.pod import Pod
from vigil.cluster.selectors import OBJECT_NAME_FIELD, PreferredSchedulingTerm
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import (
    Handle,
    NodeScore,
    PreFilterExtensions,
    PreFilterResult,
    ScoreExtensions,
)
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, IntArray, NodeTable
from vigil.scheduling.plugins.normalize import default_normalize_array, default_normalize_score
from vigil.scheduling.profile import NODE_AFFINITY
from vigil.scheduling.status import SKIP, SUCCESS, Status

ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
ERR_REASON_CONFLICT = "pod affinity terms conflict"
_PRE_FILTER_KEY = "PreFilter" + NODE_AFFINITY
_PRE_SCORE_KEY = "PreScore" + NODE_AFFINITY


class _PreScoreState:
    __slots__ = ("terms",)

    def __init__(self, terms: tuple[PreferredSchedulingTerm, ...]) -> None:
        self.terms = terms


def _preferred_score(terms: Sequence[PreferredSchedulingTerm], node_info: NodeInfo) -> int:
    node = node_info.node
    return sum(
        t.weight
        for t in terms
        if t.weight != 0
        and not t.preference.is_empty()
        and t.preference.matches(node.name, node.labels)
    )


class NodeAffinity:
    """Filter by the pod's required node constraints; score by preferred term weights."""

    name = NODE_AFFINITY

    def __init__(self, added_affinity: NodeAffinitySpec | None = None) -> None:
        self.added_affinity = added_affinity

    def _added_matches(self, node_info: NodeInfo) -> bool:
        added = self.added_affinity
        if added is None or added.required is None:
            return True
        return added.required.matches(node_info.name, node_info.node.labels)

    def pre_filter(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status]:
        """Skip without constraints; restrict to the nodes named by ``matchFields`` terms."""
        affinity = pod.spec.affinity
        required = None
        if affinity is not None and affinity.node_affinity is not None:
            required = affinity.node_affinity.required
        if required is None and self.added_affinity is None and not pod.spec.node_selector:
            return None, SKIP
        state.write(_PRE_FILTER_KEY, RequiredNodeAffinity.of(pod))
        if required is None or not required.terms:
            return None, SUCCESS
        node_names: set[str] | None = None
        for term in required.terms:
            term_names: set[str] | None = None
            for r in term.match_fields:
                if r.key == OBJECT_NAME_FIELD and r.operator == "In":
                    values = set(r.values)
                    term_names = values if term_names is None else term_names & values
            if term_names is None:
                return None, SUCCESS
            node_names = term_names if node_names is None else node_names | term_names
        if node_names is not None and not node_names:
            return None, Status.unresolvable(ERR_REASON_CONFLICT)
        if node_names:
            return PreFilterResult(frozenset(node_names)), SUCCESS
        return None, SUCCESS

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        """None: the state does not depend on other pods."""
        return None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """UnschedulableAndUnresolvable when added affinity or the pod's constraints fail."""
        if not self._added_matches(node_info):
            return Status.unresolvable(ERR_REASON_ENFORCED)
        required = state.read(_PRE_FILTER_KEY, RequiredNodeAffinity) or RequiredNodeAffinity.of(pod)
        if not required.matches(node_info.node):
            return Status.unresolvable(ERR_REASON_POD)
        return SUCCESS

    def filter_batch(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArray | None:
        """`filter` over every node of the table: True where the node passes."""
        required = state.read(_PRE_FILTER_KEY, RequiredNodeAffinity) or RequiredNodeAffinity.of(pod)
        ok = table.required_affinity_mask(required)
        added = self.added_affinity
        if added is not None and added.required is not None:
            ok = ok & table.node_selector_mask(added.required)
        return ok

    def rejection_key(self, state: CycleState, pod: Pod, table: NodeTable, i: int) -> int | None:
        """Without addedAffinity every rejection has the same reason."""
        return 0 if self.added_affinity is None else None

    def _preferred_terms(self, pod: Pod) -> list[PreferredSchedulingTerm]:
        terms: list[PreferredSchedulingTerm] = []
        if self.added_affinity is not None:
            terms.extend(self.added_affinity.preferred)
        affinity = pod.spec.affinity
        if affinity is not None and affinity.node_affinity is not None:
            terms.extend(affinity.node_affinity.preferred)
        return terms

    def score_batch(
        self,
        state: CycleState,
        pod: Pod,
        table: NodeTable,
        idx: IntArray,
        nodes: Sequence[NodeInfo],
    ) -> IntArray | Status | None:
        """PreScore and Score of the nodes ``idx``: weights of matching preferred terms."""
        terms = self._preferred_terms(pod)
        if not terms:
            return SKIP
        raw = np.zeros(len(idx), dtype=np.int64)
        for t in terms:
            if t.weight != 0 and not t.preference.is_empty():
                raw += np.where(table.term_mask(t.preference)[idx], t.weight, 0)
        return raw

    def normalize_batch(self, state: CycleState, pod: Pod, scores: IntArray) -> IntArray:
        """`normalize_score` over an array."""
        return default_normalize_array(scores, reverse=False)

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status:
        """Skip when neither the pod nor addedAffinity has preferred terms."""
        terms: list[PreferredSchedulingTerm] = []
        if self.added_affinity is not None:
            terms.extend(self.added_affinity.preferred)
        affinity = pod.spec.affinity
        if affinity is not None and affinity.node_affinity is not None:
            terms.extend(affinity.node_affinity.preferred)
        if not terms:
            return SKIP
        state.write(_PRE_SCORE_KEY, _PreScoreState(tuple(terms)))
        return SUCCESS

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple[int, Status]:
        """Sum of the weights of matching preferred terms."""
        s = state.read(_PRE_SCORE_KEY, _PreScoreState)
        if s is None:
            return 0, SUCCESS
        return _preferred_score(s.terms, node_info), SUCCESS

    def score_extensions(self) -> ScoreExtensions:
        """Default normalisation (not reversed)."""
        return self

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[NodeScore]) -> Status:
        """``DefaultNormalizeScore(100, reverse=false)``."""
        default_normalize_score(scores, reverse=False)
        return SUCCESS


def new(args: Mapping[str, Any], handle: Handle) -> NodeAffinity:
    """Factory; ``args["addedAffinity"]`` may hold a `vigil.cluster.NodeAffinity`."""
    added = args.get("addedAffinity")
    if added is not None and not isinstance(added, NodeAffinitySpec):
        raise TypeError("NodeAffinity addedAffinity must be a vigil.cluster.NodeAffinity")
    return NodeAffinity(added)
