"""Where a pod or template may land, read statically from its spec: the node constraints the
scheduler would apply (nodeName, nodeSelector, required node affinity, hard taints), and which
label keys its required and preferred rules select nodes by.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from vigil.cluster.node import Node
from vigil.cluster.node_affinity import RequiredNodeAffinity
from vigil.cluster.pod import PodSpec, Toleration
from vigil.cluster.selectors import NodeSelectorTerm
from vigil.cluster.taints import find_untolerated_taint

ATTRACTING_OPERATORS = frozenset({"In", "Exists", "Gt", "Lt"})


@dataclass(frozen=True, slots=True)
class NodeSelection:
    """One way a spec selects nodes by label: key, values (empty for Exists), and where."""

    key: str
    values: tuple[str, ...]
    where: str
    required: bool


def _required(spec: PodSpec) -> RequiredNodeAffinity:
    affinity = spec.affinity
    required = affinity.node_affinity.required if affinity and affinity.node_affinity else None
    return RequiredNodeAffinity(spec.node_selector, required)


def fits(spec: PodSpec, node: Node) -> bool:
    """Whether the scheduler's static filters let the pod onto the node (resources aside)."""
    if spec.node_name and spec.node_name != node.name:
        return False
    if not _required(spec).matches(node):
        return False
    return find_untolerated_taint(node.taints, spec.tolerations) is None


def _term_selections(term: NodeSelectorTerm, where: str, required: bool) -> Iterator[NodeSelection]:
    for req in term.match_expressions:
        if req.operator in ATTRACTING_OPERATORS:
            yield NodeSelection(req.key, req.values, where, required)


def selections(spec: PodSpec) -> list[NodeSelection]:
    """Every label selection of nodes that draws the pod to them (In, Exists, Gt, Lt)."""
    out = [
        NodeSelection(k, (v,), f"nodeSelector {k}={v}", True) for k, v in spec.node_selector.items()
    ]
    affinity = spec.affinity
    node_affinity = affinity.node_affinity if affinity else None
    if node_affinity is not None:
        if node_affinity.required is not None:
            for term in node_affinity.required.terms:
                out.extend(_term_selections(term, "required node affinity", True))
        for pref in node_affinity.preferred:
            out.extend(_term_selections(pref.preference, "preferred node affinity", False))
    return out


def tolerates_everything(tolerations: tuple[Toleration, ...]) -> bool:
    """A toleration with an empty key and ``Exists`` tolerates every taint (of its effect; one
    limited to ``PreferNoSchedule`` tolerates nothing that keeps a pod off a node)."""
    return any(
        not t.key and t.operator == "Exists" and t.effect in ("", "NoSchedule", "NoExecute")
        for t in tolerations
    )


def tolerated_keys(tolerations: tuple[Toleration, ...], keys: list[str]) -> list[str]:
    """Which of the taint ``keys`` some toleration covers (any value, NoSchedule or NoExecute)."""
    out = []
    for key in keys:
        for t in tolerations:
            if t.effect not in ("", "NoSchedule", "NoExecute"):
                continue
            if (not t.key and t.operator == "Exists") or t.key == key:
                out.append(key)
                break
    return out
