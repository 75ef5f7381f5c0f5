"""PodTopologySpread constraints as the plugin sees them: defaulted, compiled, and the system
default constraints built from the Services/ReplicaSets/StatefulSets selecting the pod."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from vigil.cluster.node import Node
from vigil.cluster.node_affinity import RequiredNodeAffinity
from vigil.cluster.pod import Pod, TopologySpreadConstraint
from vigil.cluster.selectors import Requirement, Selector
from vigil.cluster.taints import find_untolerated_taint
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, IntArray, NodeTable, PodPredicate
from vigil.scheduling.snapshot import Snapshot

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
DO_NOT_SCHEDULE = "DoNotSchedule"
SCHEDULE_ANYWAY = "ScheduleAnyway"
HONOR = "Honor"
IGNORE = "Ignore"

SYSTEM_DEFAULT_CONSTRAINTS = (
    TopologySpreadConstraint(max_skew=3, topology_key=HOSTNAME, when_unsatisfiable=SCHEDULE_ANYWAY),
    TopologySpreadConstraint(max_skew=5, topology_key=ZONE, when_unsatisfiable=SCHEDULE_ANYWAY),
)


@dataclass(frozen=True, slots=True)
class SpreadConstraint:
    """A compiled constraint (``topologySpreadConstraint`` in the plugin)."""

    max_skew: int
    topology_key: str
    selector: Selector
    min_domains: int
    node_affinity_policy: str
    node_taints_policy: str

    def match_node_inclusion_policies(
        self, pod: Pod, node: Node, required: RequiredNodeAffinity
    ) -> bool:
        """Whether the node counts for this constraint under its inclusion policies."""
        if self.node_affinity_policy == HONOR and not required.matches(node):
            return False
        return not (
            self.node_taints_policy == HONOR
            and find_untolerated_taint(node.taints, pod.spec.tolerations) is not None
        )


def compile_constraints(
    constraints: Sequence[TopologySpreadConstraint], pod_labels: Mapping[str, str], action: str
) -> list[SpreadConstraint]:
    """Constraints with ``whenUnsatisfiable == action``, defaults applied, matchLabelKeys merged."""
    out = []
    for c in constraints:
        if c.when_unsatisfiable != action:
            continue
        selector = Selector.from_label_selector(c.label_selector)
        extra = [
            Requirement(k, "In", (pod_labels[k],)) for k in c.match_label_keys if k in pod_labels
        ]
        if extra:
            selector = selector.add(*extra)
        out.append(
            SpreadConstraint(
                c.max_skew,
                c.topology_key,
                selector,
                c.min_domains if c.min_domains is not None else 1,
                c.node_affinity_policy or HONOR,
                c.node_taints_policy or IGNORE,
            )
        )
    return out


def default_selector(pod: Pod, snapshot: Snapshot) -> Selector:
    """``helper.DefaultSelector``: selectors of the Services selecting the pod, plus the
    selector of its controlling ReplicaSet or StatefulSet."""
    label_set: dict[str, str] = {}
    for svc in snapshot.services:
        if svc.metadata.namespace != pod.namespace or svc.selector is None:
            continue
        if Selector.from_set(svc.selector).matches(pod.labels):
            label_set.update(svc.selector)
    selector = Selector.from_set(label_set)
    owner = pod.metadata.controller()
    if (
        owner is None
        or owner.kind not in ("ReplicaSet", "StatefulSet")
        or not owner.api_version.startswith("apps/")
    ):
        return selector
    for w in snapshot.workloads:
        if w.kind == owner.kind and w.namespace == pod.namespace and w.name == owner.name:
            other = Selector.from_label_selector(w.selector)
            if not other.is_nothing:
                selector = selector.add(*other.requirements)
            break
    return selector


def pod_constraints(
    pod: Pod,
    action: str,
    snapshot: Snapshot,
    default_constraints: Sequence[TopologySpreadConstraint] | None,
) -> list[SpreadConstraint]:
    """The pod's own constraints for ``action``, or the defaults with the default selector."""
    if pod.spec.topology_spread_constraints:
        return compile_constraints(pod.spec.topology_spread_constraints, pod.labels, action)
    if not default_constraints:
        return []
    constraints = compile_constraints(default_constraints, pod.labels, action)
    if not constraints:
        return []
    selector = default_selector(pod, snapshot)
    if selector.is_empty():
        return []
    return [
        SpreadConstraint(
            c.max_skew,
            c.topology_key,
            selector,
            c.min_domains,
            c.node_affinity_policy,
            c.node_taints_policy,
        )
        for c in constraints
    ]


def node_has_all_keys(labels: Mapping[str, str], constraints: Sequence[SpreadConstraint]) -> bool:
    """``nodeLabelsMatchSpreadConstraints``."""
    return all(c.topology_key in labels for c in constraints)


def count_pods_match_selector(node_info: NodeInfo, selector: Selector, namespace: str) -> int:
    """Non-terminating pods of ``namespace`` on the node matching ``selector``; the
    everything selector counts 0."""
    if selector.is_empty():
        return 0
    return sum(
        1
        for p in node_info.pods
        if not p.pod.is_terminating
        and p.pod.namespace == namespace
        and selector.matches(p.pod.labels)
    )


def matching_pod_counts(table: NodeTable, selector: Selector, namespace: str) -> IntArray:
    """`count_pods_match_selector` of every node, from the table's maintained counts."""
    if selector.is_empty():
        return np.zeros(table.size, dtype=np.int64)
    return table.predicate_counts(PodPredicate(frozenset({namespace}), (selector,), False))


def has_all_keys_mask(table: NodeTable, constraints: Sequence[SpreadConstraint]) -> BoolArray:
    """`node_has_all_keys` of every node."""
    ok = np.ones(table.size, dtype=np.bool_)
    for c in constraints:
        ok &= table.label(c.topology_key).codes >= 0
    return ok


def inclusion_mask(
    table: NodeTable, c: SpreadConstraint, pod: Pod, required: RequiredNodeAffinity
) -> BoolArray:
    """`SpreadConstraint.match_node_inclusion_policies` of every node."""
    ok = np.ones(table.size, dtype=np.bool_)
    if c.node_affinity_policy == HONOR:
        ok &= table.required_affinity_mask(required)
    if c.node_taints_policy == HONOR:
        ok &= table.taints_tolerated_mask(pod.spec.tolerations)
    return ok


def domain_sums(codes: IntArray, include: BoolArray, counts: IntArray, size: int) -> IntArray:
    """Per code: the sum of ``counts`` over included nodes with that code."""
    sel = codes[include]
    out: IntArray = np.bincount(sel, weights=counts[include], minlength=size).astype(np.int64)
    return out
