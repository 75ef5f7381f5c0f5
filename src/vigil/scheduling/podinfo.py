"""A pod with everything the scheduler derives from it once (``framework.PodInfo``).

Affinity terms are compiled into selectors with their namespace sets, and resource requests are
converted into scheduler units, so per-node checks do no parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vigil.cluster.pod import Pod, PodAffinityTerm
from vigil.cluster.selectors import Requirement, Selector
from vigil.scheduling.resources import pod_amounts


@dataclass(frozen=True, slots=True)
class AffinityTerm:
    """A compiled pod (anti-)affinity term (``framework.AffinityTerm``)."""

    namespaces: frozenset[str]
    selector: Selector
    topology_key: str
    namespace_selector: Selector

    def matches(self, pod: Pod, namespace_labels: Mapping[str, str] | None) -> bool:
        """Whether ``pod`` is selected: its namespace is listed or its namespace labels match
        the namespace selector, and its labels match the label selector."""
        if pod.namespace in self.namespaces or self.namespace_selector.matches(
            namespace_labels or {}
        ):
            return self.selector.matches(pod.labels)
        return False

    def with_merged_namespaces(self, namespaces: Mapping[str, Mapping[str, str]]) -> AffinityTerm:
        """Resolve the namespace selector against known namespaces into the namespace set.

        The everything selector (``{}``) is kept as is, as upstream does.
        """
        if self.namespace_selector.is_empty():
            return self
        chosen = {
            name for name, labels in namespaces.items() if self.namespace_selector.matches(labels)
        }
        return AffinityTerm(
            self.namespaces | chosen, self.selector, self.topology_key, Selector.nothing()
        )


@dataclass(frozen=True, slots=True)
class WeightedAffinityTerm:
    """A preferred term with its weight."""

    term: AffinityTerm
    weight: int


def compile_term(pod: Pod, term: PodAffinityTerm) -> AffinityTerm:
    """Compile a term of ``pod``: namespaces default to the pod's own, label keys are merged."""
    if not term.namespaces and term.namespace_selector is None:
        namespaces = frozenset({pod.namespace})
    else:
        namespaces = frozenset(term.namespaces)
    selector = Selector.from_label_selector(term.label_selector)
    extra = [
        Requirement(k, "In", (pod.labels[k],)) for k in term.match_label_keys if k in pod.labels
    ]
    extra += [
        Requirement(k, "NotIn", (pod.labels[k],))
        for k in term.mismatch_label_keys
        if k in pod.labels
    ]
    if extra and term.label_selector is not None:
        selector = selector.add(*extra)
    return AffinityTerm(
        namespaces,
        selector,
        term.topology_key,
        Selector.from_label_selector(term.namespace_selector),
    )


@dataclass(slots=True)
class PodInfo:
    """A pod plus its compiled affinity terms and resource requests in scheduler units."""

    pod: Pod
    required_affinity_terms: tuple[AffinityTerm, ...] = ()
    required_anti_affinity_terms: tuple[AffinityTerm, ...] = ()
    preferred_affinity_terms: tuple[WeightedAffinityTerm, ...] = ()
    preferred_anti_affinity_terms: tuple[WeightedAffinityTerm, ...] = ()
    requests: dict[str, int] = field(default_factory=dict)
    non_zero_cpu: int = 0
    non_zero_memory: int = 0

    @staticmethod
    def of(pod: Pod) -> PodInfo:
        """Build the PodInfo of a pod (``framework.NewPodInfo``)."""
        requests, cpu, memory = pod_amounts(pod)
        info = PodInfo(pod, requests=requests, non_zero_cpu=cpu, non_zero_memory=memory)
        affinity = pod.spec.affinity
        if affinity is not None and affinity.pod_affinity is not None:
            pa = affinity.pod_affinity
            info.required_affinity_terms = tuple(compile_term(pod, t) for t in pa.required)
            info.preferred_affinity_terms = tuple(
                WeightedAffinityTerm(compile_term(pod, w.term), w.weight) for w in pa.preferred
            )
        if affinity is not None and affinity.pod_anti_affinity is not None:
            paa = affinity.pod_anti_affinity
            info.required_anti_affinity_terms = tuple(compile_term(pod, t) for t in paa.required)
            info.preferred_anti_affinity_terms = tuple(
                WeightedAffinityTerm(compile_term(pod, w.term), w.weight) for w in paa.preferred
            )
        return info

    @property
    def has_affinity(self) -> bool:
        """The pod has pod affinity or anti-affinity (``PodsWithAffinity`` membership)."""
        affinity = self.pod.spec.affinity
        return affinity is not None and (
            affinity.pod_affinity is not None or affinity.pod_anti_affinity is not None
        )

    @property
    def has_required_anti_affinity(self) -> bool:
        """The pod has required anti-affinity terms."""
        return bool(self.required_anti_affinity_terms)
