"""The one place where cluster state lives, shaped like an informer store.

Objects are kept by kind and key (``namespace/name``, or ``name`` for cluster-scoped kinds) in
the order they arrived, with the indexes the engines ask for: pods by node and by namespace,
objects by UID, and owners resolved through ``ownerReferences`` (by UID when both sides carry
one, else by kind, namespace and name, as a manifest written by hand has no UIDs). Manifest
files feed it today (`vigil.cluster.loader`); a watch would feed it through the same `add` and
`delete`. The scheduling engine and the disruption engine both read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from vigil.cluster.ingress import Ingress
from vigil.cluster.meta import ObjectMeta, OwnerReference
from vigil.cluster.namespace import Namespace, Service
from vigil.cluster.node import Node
from vigil.cluster.pod import Pod
from vigil.cluster.policy import PodDisruptionBudget, PriorityClass
from vigil.cluster.workloads import Workload

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
_WORKLOAD_ORDER = (
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "ReplicationController",
    "DaemonSet",
    "Job",
    "CronJob",
)

StoredObject = (
    Node | Pod | Namespace | Service | Ingress | PodDisruptionBudget | PriorityClass | Workload
)
T = TypeVar("T", bound=StoredObject)


def object_key(obj: StoredObject) -> tuple[str, str]:
    """``(kind, key)`` under which the store keeps an object."""
    return obj.kind, obj.metadata.key


class Cluster:
    """Objects by kind and key, in arrival order, with pod, UID and owner indexes."""

    __slots__ = ("_by_uid", "_objects", "_pods_by_namespace", "_pods_by_node", "skipped")

    def __init__(
        self,
        *,
        nodes: Iterable[Node] = (),
        pods: Iterable[Pod] = (),
        namespaces: Iterable[Namespace] = (),
        services: Iterable[Service] = (),
        pdbs: Iterable[PodDisruptionBudget] = (),
        priority_classes: Iterable[PriorityClass] = (),
        workloads: Iterable[Workload] = (),
        ingresses: Iterable[Ingress] = (),
        skipped: Iterable[str] = (),
    ) -> None:
        self._objects: dict[str, dict[str, StoredObject]] = {}
        self._pods_by_node: dict[str, dict[str, Pod]] = {}
        self._pods_by_namespace: dict[str, dict[str, Pod]] = {}
        self._by_uid: dict[str, StoredObject] = {}
        self.skipped: list[str] = list(skipped)
        """What the loader left out, one line each (``file: object: why``)."""
        groups = (nodes, namespaces, priority_classes, services, ingresses, pdbs, workloads, pods)
        for group in groups:
            for obj in group:
                self.add(obj)

    def add(self, obj: StoredObject) -> None:
        """Add an object, or replace the one of the same kind and key (an informer update)."""
        kind, key = object_key(obj)
        old = self._objects.get(kind, {}).get(key)
        if old is not None:
            self._unindex(old)
        bucket = self._objects.setdefault(kind, {})
        bucket[key] = obj
        self._index(obj)

    def delete(self, obj: StoredObject) -> bool:
        """Remove the object of that kind and key; False when it was not there."""
        kind, key = object_key(obj)
        old = self._objects.get(kind, {}).pop(key, None)
        if old is None:
            return False
        self._unindex(old)
        return True

    def _index(self, obj: StoredObject) -> None:
        if obj.metadata.uid:
            self._by_uid[obj.metadata.uid] = obj
        if isinstance(obj, Pod):
            self._pods_by_namespace.setdefault(obj.namespace, {})[obj.name] = obj
            if obj.spec.node_name:
                self._pods_by_node.setdefault(obj.spec.node_name, {})[obj.key] = obj

    def _unindex(self, obj: StoredObject) -> None:
        if obj.metadata.uid and self._by_uid.get(obj.metadata.uid) is obj:
            del self._by_uid[obj.metadata.uid]
        if isinstance(obj, Pod):
            self._pods_by_namespace.get(obj.namespace, {}).pop(obj.name, None)
            if obj.spec.node_name:
                self._pods_by_node.get(obj.spec.node_name, {}).pop(obj.key, None)

    def get(self, kind: str, key: str) -> StoredObject | None:
        """The object of that kind and key (``namespace/name``, or ``name``), if any."""
        return self._objects.get(kind, {}).get(key)

    def objects(self, kind: str) -> list[StoredObject]:
        """Every object of one kind, in arrival order."""
        return list(self._objects.get(kind, {}).values())

    def _typed(self, kind: str, cls: type[T]) -> list[T]:
        return [o for o in self._objects.get(kind, {}).values() if isinstance(o, cls)]

    def __iter__(self) -> Iterator[StoredObject]:
        for bucket in self._objects.values():
            yield from bucket.values()

    @property
    def nodes(self) -> list[Node]:
        """Nodes, in arrival order."""
        return self._typed("Node", Node)

    @property
    def pods(self) -> list[Pod]:
        """Pods (read and expanded from workloads), in arrival order."""
        return self._typed("Pod", Pod)

    @property
    def namespaces(self) -> list[Namespace]:
        """Namespaces declared in the input."""
        return self._typed("Namespace", Namespace)

    @property
    def services(self) -> list[Service]:
        """Services."""
        return self._typed("Service", Service)

    @property
    def ingresses(self) -> list[Ingress]:
        """Ingresses (their backends expose Services to outside traffic)."""
        return self._typed("Ingress", Ingress)

    @property
    def pdbs(self) -> list[PodDisruptionBudget]:
        """PodDisruptionBudgets."""
        return self._typed("PodDisruptionBudget", PodDisruptionBudget)

    @property
    def priority_classes(self) -> list[PriorityClass]:
        """PriorityClasses."""
        return self._typed("PriorityClass", PriorityClass)

    @property
    def workloads(self) -> list[Workload]:
        """Every workload (Deployments, ReplicaSets, StatefulSets, ReplicationControllers,
        DaemonSets, Jobs, CronJobs), by kind in that order, then in arrival order."""
        return [w for kind in _WORKLOAD_ORDER for w in self._typed(kind, Workload)]

    def workloads_of_kind(self, kind: str) -> list[Workload]:
        """Workloads of one kind (``ReplicaSet``, ``DaemonSet``...), in arrival order."""
        return self._typed(kind, Workload)

    def workload(self, kind: str, namespace: str, name: str) -> Workload | None:
        """The workload of that kind, namespace and name, if any."""
        obj = self.get(kind, f"{namespace}/{name}")
        return obj if isinstance(obj, Workload) else None

    def node(self, name: str) -> Node | None:
        """The node of that name, if any."""
        obj = self.get("Node", name)
        return obj if isinstance(obj, Node) else None

    def pod(self, key: str) -> Pod | None:
        """The pod with that ``namespace/name`` key, if any."""
        obj = self.get("Pod", key)
        return obj if isinstance(obj, Pod) else None

    def by_uid(self, uid: str) -> StoredObject | None:
        """The object with that ``metadata.uid``, if any."""
        return self._by_uid.get(uid)

    def pods_on_node(self, node_name: str) -> list[Pod]:
        """Pods bound to a node (``spec.nodeName``), in arrival order."""
        return list(self._pods_by_node.get(node_name, {}).values())

    def pods_in_namespace(self, namespace: str) -> list[Pod]:
        """Pods of one namespace, in arrival order."""
        return list(self._pods_by_namespace.get(namespace, {}).values())

    def owner(self, meta: ObjectMeta, ref: OwnerReference) -> Workload | None:
        """The workload an owner reference of ``meta`` points at, if it is in the store.

        By UID when the reference and the owner carry one (a UID that matches nothing means
        the owner is gone), else by kind, namespace and name.
        """
        if ref.uid:
            found = self._by_uid.get(ref.uid)
            if found is not None:
                return found if isinstance(found, Workload) else None
        obj = self.get(ref.kind, f"{meta.namespace}/{ref.name}")
        if not isinstance(obj, Workload):
            return None
        if ref.uid and obj.metadata.uid and obj.metadata.uid != ref.uid:
            return None
        return obj

    def controller_of(self, meta: ObjectMeta) -> Workload | None:
        """The workload named by the ``controller: true`` owner reference, if in the store."""
        ref = meta.controller()
        return None if ref is None else self.owner(meta, ref)

    def owner_chain(self, meta: ObjectMeta) -> list[Workload]:
        """Controllers from the closest up (a pod's ReplicaSet, then its Deployment)."""
        chain: list[Workload] = []
        current = self.controller_of(meta)
        while current is not None and current not in chain and len(chain) < 8:
            chain.append(current)
            current = self.controller_of(current.metadata)
        return chain

    def pdbs_for(self, pod: Pod) -> list[PodDisruptionBudget]:
        """PDBs that guard a pod against eviction: its namespace, a selector that matches it.

        As ``eviction.go`` looks them up: a null or empty selector guards nothing ("should
        match nothing, not everything"), although the disruption controller counts every pod
        of the namespace for an empty one (`pods_selected_by`).
        """
        return [pdb for pdb in self.pdbs if pdb.guards(pod)]

    def pods_selected_by(self, pdb: PodDisruptionBudget) -> list[Pod]:
        """Pods of the PDB's namespace that its selector selects (a null selector: none)."""
        return [p for p in self.pods_in_namespace(pdb.metadata.namespace) if pdb.selects(p)]

    def namespace_labels(self) -> dict[str, dict[str, str]]:
        """Labels of every namespace, by name, as the API server would hold them.

        Namespaces used by pods or workloads but not declared exist implicitly (a real cluster
        would have them), ``default`` always exists, and every namespace carries the immutable
        ``kubernetes.io/metadata.name`` label.
        """
        names = (
            {"default"}
            | {ns for ns, pods in self._pods_by_namespace.items() if pods}
            | {w.namespace for w in self.workloads}
        )
        out = {name: {NAMESPACE_NAME_LABEL: name} for name in sorted(names)}
        for ns in self.namespaces:
            out[ns.name] = {**ns.labels, NAMESPACE_NAME_LABEL: ns.name}
        return out

    def copy(self) -> Cluster:
        """An independent store with the same (immutable) objects, for what-if changes."""
        out = Cluster(skipped=self.skipped)
        out._objects = {kind: dict(bucket) for kind, bucket in self._objects.items()}
        out._pods_by_node = {node: dict(pods) for node, pods in self._pods_by_node.items()}
        out._pods_by_namespace = {ns: dict(pods) for ns, pods in self._pods_by_namespace.items()}
        out._by_uid = dict(self._by_uid)
        return out

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._objects.values())
