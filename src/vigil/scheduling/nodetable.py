"""Column-wise node data of a snapshot, kept up to date on every bind, for vectorised plugins.

A `NodeTable` holds, for the nodes of one `Snapshot` in snapshot order, numpy arrays of what the
default plugins read on every node of every cycle: allocatable and requested resources, pod
counts, cordons, taint groups, label values coded as integers, and per-node counts of the pods
matching a pod predicate (a selector with a namespace set). It also keeps cluster-wide indexes
of the existing pods' affinity terms (term -> topology value -> number of pods). Everything is
computed once from the `NodeInfo` objects when first needed and then updated incrementally by
`NodeInfo.add_pod` / `NodeInfo.remove_pod`, which notify the table of the snapshot they belong
to (clones, used for what-if evaluation, are detached and never notify).

Only exact integer arithmetic is vectorised: if any amount reaches 2**53 the table marks itself
inexact and callers fall back to the per-node plugins.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from vigil.cluster.node import Taint
from vigil.cluster.node_affinity import RequiredNodeAffinity
from vigil.cluster.pod import Pod, Toleration
from vigil.cluster.selectors import (
    NodeSelector,
    NodeSelectorTerm,
    Requirement,
    Selector,
    parse_int64,
)
from vigil.cluster.taints import find_untolerated_taint

if TYPE_CHECKING:
    from vigil.scheduling.nodeinfo import NodeInfo
    from vigil.scheduling.podinfo import AffinityTerm, PodInfo

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

EXACT_LIMIT = 2**53
"""Amounts at or above this are not exact in float64; the table then disables itself."""
MAX_PREDICATES = 2048
"""Cached pod predicates (per-node match counts) kept before the least recently used is
dropped."""
_ANCHOR_OPERATORS = frozenset({"In", "Exists", "Gt", "Lt"})


class LabelIndex:
    """One label key over the nodes: ``codes[i]`` is the code of node i's value, -1 if absent."""

    __slots__ = ("codes", "value_codes", "values")

    def __init__(self, values_per_node: Sequence[str | None]) -> None:
        self.value_codes: dict[str, int] = {}
        self.values: list[str] = []
        codes = np.empty(len(values_per_node), dtype=np.int64)
        for i, v in enumerate(values_per_node):
            if v is None:
                codes[i] = -1
                continue
            code = self.value_codes.get(v)
            if code is None:
                code = self.value_codes[v] = len(self.values)
                self.values.append(v)
            codes[i] = code
        self.codes: IntArray = codes

    def lookup(self, table: BoolArray | IntArray) -> NDArray[np.generic]:
        """``table[code]`` per node; ``table`` has one extra last entry used for absent keys."""
        return table[self.codes]


class PodPredicate:
    """Pods of some namespaces (None: all) whose labels match every selector.

    ``include_terminating`` False leaves out pods with a deletion timestamp (topology spread
    counting); affinity terms count terminating pods too.
    """

    __slots__ = ("anchor", "include_terminating", "key", "namespaces", "never", "selectors")

    def __init__(
        self,
        namespaces: frozenset[str] | None,
        selectors: tuple[Selector, ...],
        include_terminating: bool,
    ) -> None:
        self.namespaces = namespaces
        self.selectors = selectors
        self.include_terminating = include_terminating
        self.key: Hashable = (namespaces, selectors, include_terminating)
        self.never = any(s.is_nothing for s in selectors) or namespaces == frozenset()
        self.anchor: str | None = None
        """A label key every matching pod carries (None when there is no such key)."""
        for s in selectors:
            for r in s.requirements:
                if r.operator in _ANCHOR_OPERATORS:
                    self.anchor = r.key
                    break
            if self.anchor is not None:
                break

    @staticmethod
    def of_term(term: AffinityTerm) -> PodPredicate:
        """``term.matches(pod, None)``: the term's namespaces (all when its namespace selector
        matches the empty label set, i.e. ``{}``) and its label selector."""
        return PodPredicate.of_terms((term,))

    @staticmethod
    def of_terms(terms: Sequence[AffinityTerm]) -> PodPredicate:
        """Pods matching every term (with no namespace labels), as required affinity counts."""
        namespaces: frozenset[str] | None = None
        for t in terms:
            if t.namespace_selector.matches({}):
                continue
            namespaces = t.namespaces if namespaces is None else namespaces & t.namespaces
        return PodPredicate(namespaces, tuple(t.selector for t in terms), True)

    def matches(self, pod: Pod) -> bool:
        """Whether the pod is counted."""
        if self.never:
            return False
        if not self.include_terminating and pod.metadata.deletion_timestamp is not None:
            return False
        if self.namespaces is not None and pod.metadata.namespace not in self.namespaces:
            return False
        labels = pod.metadata.labels
        return all(s.matches(labels) for s in self.selectors)


def _add_value(counts: dict[str, int], value: str, delta: int) -> None:
    total = counts.get(value, 0) + delta
    if total:
        counts[value] = total
    else:
        del counts[value]


class TermIndex:
    """Existing pods' affinity terms: term (or (term, weight)) -> topology value -> pods.

    A pod on a node without the term's topology key is not counted, as upstream only counts
    topology pairs the node has.
    """

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[Hashable, dict[str, int]] = {}

    def update(self, key: Hashable, value: str | None, delta: int) -> None:
        """Add ``delta`` pods on ``value`` for ``key`` (no-op when the node lacks the label)."""
        if value is None:
            return
        per_value = self.counts.get(key)
        if per_value is None:
            per_value = self.counts[key] = {}
        _add_value(per_value, value, delta)
        if not per_value:
            del self.counts[key]


class NodeTable:
    """Arrays over a snapshot's nodes (in snapshot order), maintained on every pod change."""

    __slots__ = (
        "_alloc",
        "_buckets",
        "_label_indexes",
        "_masks",
        "_name_index",
        "_namespace_pods",
        "_predicates",
        "_requested",
        "_taint_groups",
        "exact",
        "existing_anti_affinity",
        "existing_preferred_affinity",
        "existing_preferred_anti_affinity",
        "existing_required_affinity",
        "index",
        "infos",
        "names",
        "non_zero_cpu",
        "non_zero_memory",
        "pod_count",
        "size",
        "taint_group",
        "unschedulable",
    )

    def __init__(self, infos: Sequence[NodeInfo]) -> None:
        self.infos = list(infos)
        self.size = len(self.infos)
        self.names = [ni.node.metadata.name for ni in self.infos]
        self.index = {name: i for i, name in enumerate(self.names)}
        self.exact = True
        self._alloc: dict[str, IntArray] = {}
        self._requested: dict[str, IntArray] = {}
        self._label_indexes: dict[str, LabelIndex] = {}
        self._name_index: LabelIndex | None = None
        self._masks: dict[Hashable, BoolArray] = {}
        self._predicates: dict[Hashable, tuple[PodPredicate, IntArray]] = {}
        self._buckets: dict[tuple[str | None, str | None], list[PodPredicate]] = {}
        self._namespace_pods: dict[str, dict[str, tuple[int, Pod]]] | None = None
        for ni in self.infos:
            for amounts in (ni.allocatable, ni.requested):
                if any(abs(v) >= EXACT_LIMIT for v in amounts.values()):
                    self.exact = False
        self.non_zero_cpu = self._ints(ni.non_zero_requested.get("cpu", 0) for ni in self.infos)
        self.non_zero_memory = self._ints(
            ni.non_zero_requested.get("memory", 0) for ni in self.infos
        )
        self.pod_count = self._ints(len(ni.pods) for ni in self.infos)
        self.unschedulable: BoolArray = np.array(
            [ni.node.unschedulable for ni in self.infos], dtype=np.bool_
        )
        groups: dict[tuple[Taint, ...], int] = {}
        group_of = np.empty(self.size, dtype=np.int64)
        for i, ni in enumerate(self.infos):
            group_of[i] = groups.setdefault(ni.node.taints, len(groups))
        self.taint_group: IntArray = group_of
        self._taint_groups = list(groups)
        self.existing_anti_affinity = TermIndex()
        self.existing_required_affinity = TermIndex()
        self.existing_preferred_affinity = TermIndex()
        self.existing_preferred_anti_affinity = TermIndex()
        for i, ni in enumerate(self.infos):
            for info in ni.pods_with_affinity:
                self._index_terms(i, info, 1)
        for i, ni in enumerate(self.infos):
            ni.attach(self, i)

    # ------------------------------------------------------------------ construction helpers

    def _ints(self, values: object) -> IntArray:
        arr = np.fromiter(values, dtype=object, count=self.size)  # type: ignore[call-overload]
        if any(abs(v) >= EXACT_LIMIT for v in arr):
            self.exact = False
            return np.zeros(self.size, dtype=np.int64)
        return np.asarray(arr, dtype=np.int64)

    def allocatable(self, resource: str) -> IntArray:
        """Allocatable amount of a resource per node (0 where the node does not list it)."""
        arr = self._alloc.get(resource)
        if arr is None:
            arr = self._alloc[resource] = self._ints(
                ni.allocatable.get(resource, 0) for ni in self.infos
            )
        return arr

    def requested(self, resource: str) -> IntArray:
        """Sum of the pods' requests of a resource per node (``NodeInfo.requested``)."""
        arr = self._requested.get(resource)
        if arr is None:
            arr = self._requested[resource] = self._ints(
                ni.requested.get(resource, 0) for ni in self.infos
            )
        return arr

    def label(self, key: str) -> LabelIndex:
        """The coded values of one label key."""
        idx = self._label_indexes.get(key)
        if idx is None:
            idx = self._label_indexes[key] = LabelIndex(
                [ni.node.metadata.labels.get(key) for ni in self.infos]
            )
        return idx

    def name_index(self) -> LabelIndex:
        """Node names coded as their position (for ``matchFields metadata.name``)."""
        if self._name_index is None:
            self._name_index = LabelIndex(self.names)
        return self._name_index

    # ------------------------------------------------------------------ cached node masks

    def _cached(self, key: Hashable) -> BoolArray | None:
        return self._masks.get(key)

    def _store(self, key: Hashable, mask: BoolArray) -> BoolArray:
        mask.setflags(write=False)
        self._masks[key] = mask
        return mask

    def requirement_mask(self, r: Requirement, idx: LabelIndex) -> BoolArray:
        """``Requirement.matches`` of every node's labels (or names) in ``idx``."""
        n_values = len(idx.values)
        op = r.operator
        if op in ("In", "NotIn"):
            lut = np.zeros(n_values + 1, dtype=np.bool_)
            for v in r.values:
                code = idx.value_codes.get(v)
                if code is not None:
                    lut[code] = True
            if op == "NotIn":
                lut = ~lut
                lut[n_values] = True
            return lut[idx.codes]
        if op == "Exists":
            return idx.codes >= 0
        if op == "DoesNotExist":
            return idx.codes < 0
        if op in ("Gt", "Lt") and len(r.values) == 1:
            want = parse_int64(r.values[0])
            lut = np.zeros(n_values + 1, dtype=np.bool_)
            if want is not None:
                for code, v in enumerate(idx.values):
                    have = parse_int64(v)
                    if have is not None:
                        lut[code] = have > want if op == "Gt" else have < want
            return lut[idx.codes]
        return np.zeros(self.size, dtype=np.bool_)

    def term_mask(self, term: NodeSelectorTerm) -> BoolArray:
        """``NodeSelectorTerm.matches`` per node (empty and invalid terms match nothing)."""
        key = ("term", term)
        mask = self._cached(key)
        if mask is not None:
            return mask
        out = np.zeros(self.size, dtype=np.bool_)
        if not term.is_empty() and term.is_valid():
            out[:] = True
            for r in term.match_expressions:
                out &= self.requirement_mask(r, self.label(r.key))
            for r in term.match_fields:
                out &= self.requirement_mask(r, self.name_index())
        return self._store(key, out)

    def node_selector_mask(self, selector: NodeSelector) -> BoolArray:
        """``NodeSelector.matches`` per node: any term."""
        key = ("selector", selector)
        mask = self._cached(key)
        if mask is not None:
            return mask
        out = np.zeros(self.size, dtype=np.bool_)
        for t in selector.terms:
            out |= self.term_mask(t)
        return self._store(key, out)

    def required_affinity_mask(self, required: RequiredNodeAffinity) -> BoolArray:
        """``RequiredNodeAffinity.matches`` per node (nodeSelector and required terms)."""
        key = ("required", tuple(required.node_selector.items()), required.required)
        mask = self._cached(key)
        if mask is not None:
            return mask
        out = np.ones(self.size, dtype=np.bool_)
        for k, v in required.node_selector.items():
            idx = self.label(k)
            code = idx.value_codes.get(v)
            if code is None:
                out[:] = False
                break
            out &= idx.codes == code
        if required.required is not None:
            out &= self.node_selector_mask(required.required)
        return self._store(key, out)

    def taints_tolerated_mask(self, tolerations: tuple[Toleration, ...]) -> BoolArray:
        """Nodes whose NoSchedule/NoExecute taints the tolerations all tolerate."""
        key = ("tolerated", tolerations)
        mask = self._cached(key)
        if mask is not None:
            return mask
        lut = np.array(
            [find_untolerated_taint(g, tolerations) is None for g in self._taint_groups],
            dtype=np.bool_,
        )
        return self._store(key, lut[self.taint_group])

    def taint_groups(self) -> list[tuple[Taint, ...]]:
        """The distinct taint lists; ``taint_group[i]`` is node i's position in this list."""
        return self._taint_groups

    # ------------------------------------------------------------------ pod predicate counts

    def predicate_counts(self, predicate: PodPredicate) -> IntArray:
        """Per node, the number of pods matching ``predicate`` (kept current on every bind)."""
        key = predicate.key
        entry = self._predicates.pop(key, None)
        if entry is None:
            counts = np.zeros(self.size, dtype=np.int64)
            if predicate.never:
                pass
            elif predicate.namespaces is not None:
                by_namespace = self._pods_by_namespace()
                for ns in predicate.namespaces:
                    for i, pod in by_namespace.get(ns, {}).values():
                        if predicate.matches(pod):
                            counts[i] += 1
            else:
                for i, ni in enumerate(self.infos):
                    c = 0
                    for info in ni.pods:
                        if predicate.matches(info.pod):
                            c += 1
                    counts[i] = c
            counts.setflags(write=False)
            entry = (predicate, counts)
            if len(self._predicates) >= MAX_PREDICATES:
                old_key = next(iter(self._predicates))
                self._unregister(self._predicates.pop(old_key)[0])
            self._register(predicate)
        self._predicates[key] = entry
        return entry[1]

    def _pods_by_namespace(self) -> dict[str, dict[str, tuple[int, Pod]]]:
        """Pods by namespace with their node's row (built on first use, then kept current)."""
        if self._namespace_pods is None:
            index: dict[str, dict[str, tuple[int, Pod]]] = {}
            for i, ni in enumerate(self.infos):
                for info in ni.pods:
                    pod = info.pod
                    index.setdefault(pod.metadata.namespace, {})[pod.metadata.key] = (i, pod)
            self._namespace_pods = index
        return self._namespace_pods

    def _bucket_keys(self, predicate: PodPredicate) -> list[tuple[str | None, str | None]]:
        spaces: Sequence[str | None] = (
            [None] if predicate.namespaces is None else sorted(predicate.namespaces)
        )
        return [(ns, predicate.anchor) for ns in spaces]

    def _register(self, predicate: PodPredicate) -> None:
        if predicate.never:
            return
        for bk in self._bucket_keys(predicate):
            self._buckets.setdefault(bk, []).append(predicate)

    def _unregister(self, predicate: PodPredicate) -> None:
        if predicate.never:
            return
        for bk in self._bucket_keys(predicate):
            bucket = self._buckets.get(bk)
            if bucket is not None:
                bucket[:] = [p for p in bucket if p is not predicate]
                if not bucket:
                    del self._buckets[bk]

    def _update_predicates(self, index: int, pod: Pod, delta: int) -> None:
        buckets = self._buckets
        if not buckets:
            return
        labels = pod.metadata.labels
        for ns in (pod.metadata.namespace, None):
            for anchor in (None, *labels):
                bucket = buckets.get((ns, anchor))
                if bucket is None:
                    continue
                for predicate in bucket:
                    if predicate.matches(pod):
                        counts = self._predicates[predicate.key][1]
                        counts.setflags(write=True)
                        counts[index] += delta
                        counts.setflags(write=False)

    # ------------------------------------------------------------------ incremental updates

    def _index_terms(self, index: int, info: PodInfo, delta: int) -> None:
        labels: Mapping[str, str] = self.infos[index].node.metadata.labels
        for t in info.required_anti_affinity_terms:
            self.existing_anti_affinity.update(t, labels.get(t.topology_key), delta)
        for t in info.required_affinity_terms:
            self.existing_required_affinity.update(t, labels.get(t.topology_key), delta)
        for w in info.preferred_affinity_terms:
            self.existing_preferred_affinity.update(
                (w.term, w.weight), labels.get(w.term.topology_key), delta
            )
        for w in info.preferred_anti_affinity_terms:
            self.existing_preferred_anti_affinity.update(
                (w.term, w.weight), labels.get(w.term.topology_key), delta
            )

    def on_pod_change(self, index: int, info: PodInfo, delta: int) -> None:
        """Called by `NodeInfo` after a pod was added (+1) to or removed (-1) from node i."""
        for name, amount in info.requests.items():
            arr = self._requested.get(name)
            if arr is not None:
                total = int(arr[index]) + delta * amount
                if abs(total) >= EXACT_LIMIT:
                    self.exact = False
                else:
                    arr[index] = total
            elif abs(self.infos[index].requested.get(name, 0)) >= EXACT_LIMIT:
                self.exact = False
        cpu = int(self.non_zero_cpu[index]) + delta * info.non_zero_cpu
        mem = int(self.non_zero_memory[index]) + delta * info.non_zero_memory
        if abs(cpu) >= EXACT_LIMIT or abs(mem) >= EXACT_LIMIT:
            self.exact = False
        else:
            self.non_zero_cpu[index] = cpu
            self.non_zero_memory[index] = mem
        self.pod_count[index] += delta
        if self._namespace_pods is not None:
            pod = info.pod
            pods = self._namespace_pods.setdefault(pod.metadata.namespace, {})
            if delta > 0:
                pods[pod.metadata.key] = (index, pod)
            else:
                pods.pop(pod.metadata.key, None)
        self._update_predicates(index, info.pod, delta)
        if info.has_affinity:
            self._index_terms(index, info, delta)
