"""Does a node satisfy a pod's hard node constraints (``nodeaffinity.RequiredNodeAffinity``)?

``spec.nodeSelector`` (every pair must be on the node) ANDed with the required node affinity
(ORed terms). Used by the NodeAffinity filter, by topology spreading (nodeAffinityPolicy Honor)
and by the auditor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vigil.cluster.node import Node
from vigil.cluster.pod import Pod
from vigil.cluster.selectors import NodeSelector


@dataclass(frozen=True, slots=True)
class RequiredNodeAffinity:
    """A pod's node selector and required node affinity."""

    node_selector: Mapping[str, str]
    required: NodeSelector | None

    @staticmethod
    def of(pod: Pod) -> RequiredNodeAffinity:
        """``GetRequiredNodeAffinity(pod)``."""
        affinity = pod.spec.affinity
        required = None
        if affinity is not None and affinity.node_affinity is not None:
            required = affinity.node_affinity.required
        return RequiredNodeAffinity(pod.spec.node_selector, required)

    def matches(self, node: Node) -> bool:
        """Whether the node satisfies both; parse errors count as no match."""
        labels = node.labels
        if any(labels.get(k) != v for k, v in self.node_selector.items()):
            return False
        return self.required is None or self.required.matches(node.name, labels)
