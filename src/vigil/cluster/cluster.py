"""A whole cluster state as read from manifests: the input of simulation and audit."""

from __future__ import annotations

from dataclasses import dataclass, field

from vigil.cluster.ingress import Ingress
from vigil.cluster.namespace import Namespace, Service
from vigil.cluster.node import Node
from vigil.cluster.pod import Pod
from vigil.cluster.policy import PodDisruptionBudget, PriorityClass
from vigil.cluster.workloads import Workload

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(slots=True)
class Cluster:
    """Objects by kind, in manifest order; pods include those expanded from workloads."""

    nodes: list[Node] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    namespaces: list[Namespace] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    pdbs: list[PodDisruptionBudget] = field(default_factory=list)
    priority_classes: list[PriorityClass] = field(default_factory=list)
    workloads: list[Workload] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)

    def node(self, name: str) -> Node | None:
        """The node of that name, if any."""
        return next((n for n in self.nodes if n.name == name), None)

    def pod(self, key: str) -> Pod | None:
        """The pod with that ``namespace/name`` key, if any."""
        return next((p for p in self.pods if p.key == key), None)

    def namespace_labels(self) -> dict[str, dict[str, str]]:
        """Labels of every namespace, by name, as the API server would hold them.

        Namespaces used by pods or workloads but not declared exist implicitly (a real cluster
        would have them), ``default`` always exists, and every namespace carries the immutable
        ``kubernetes.io/metadata.name`` label.
        """
        names = (
            {"default"} | {p.namespace for p in self.pods} | {w.namespace for w in self.workloads}
        )
        out = {name: {NAMESPACE_NAME_LABEL: name} for name in sorted(names)}
        for ns in self.namespaces:
            out[ns.name] = {**ns.labels, NAMESPACE_NAME_LABEL: ns.name}
        return out

    def workloads_of_kind(self, kind: str) -> list[Workload]:
        """Workloads of one kind (``ReplicaSet``, ``Deployment``, ``StatefulSet``)."""
        return [w for w in self.workloads if w.kind == kind]
