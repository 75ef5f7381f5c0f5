"""The objects an audit reads, decoded and located: workloads (anything with a pod template),
pods, nodes, namespaces, PriorityClasses, PodDisruptionBudgets, Services and Ingresses.

Inputs are read by the cluster ground's bounded reader (`vigil.cluster.documents`: yaml-rs and
orjson, size, alias and nesting bounds) with each document's start line, for ``file:line``.
Unlike the simulator's loader, nothing is expanded or admitted: the audit judges manifests as
written, so a workload is one object with its template, a PriorityClass name that is not in the
input is not an error, and objects owned by another object of the input (the ReplicaSets and
pods of an exported Deployment) are not judged twice. Kinds the audit does not read are counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from vigil.audit.model import ObjectRef
from vigil.cluster.decode import decode_object
from vigil.cluster.documents import (
    DEFAULT_BOUNDS,
    Bounds,
    Document,
    parse_documents_of,
    template_hint,
)
from vigil.cluster.errors import FieldError, ManifestError, quote
from vigil.cluster.identity import identify
from vigil.cluster.ingress import Ingress
from vigil.cluster.meta import ObjectMeta
from vigil.cluster.namespace import Namespace, Service
from vigil.cluster.node import Node
from vigil.cluster.pod import Pod, PodSpec
from vigil.cluster.policy import PodDisruptionBudget, PriorityClass
from vigil.cluster.reader import Fields
from vigil.cluster.selectors import LabelSelector
from vigil.cluster.workloads import SCALED_KINDS, WORKLOAD_KINDS, Workload

T = TypeVar("T")

TEMPLATE_KINDS = WORKLOAD_KINDS
_ENTRY_LISTS = {
    "Node": "nodes",
    "Namespace": "namespaces",
    "PriorityClass": "priority_classes",
    "PodDisruptionBudget": "pdbs",
    "Service": "services",
    "Ingress": "ingresses",
}
"""The `Inventory` list of each kind read as is."""
DIRECT_KINDS = frozenset(_ENTRY_LISTS)
NOT_KUBERNETES = "documents without kind or apiVersion"


class InventoryError(ValueError):
    """An object that cannot be read: one line ``file:line: Kind ns/name: field: problem``."""


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    """A decoded object and where it was read."""

    ref: ObjectRef
    obj: T


@dataclass(frozen=True, slots=True)
class PodHolder:
    """A pod or a workload's pod template: what every pod-spec check reads."""

    ref: ObjectRef
    meta: ObjectMeta
    """The object's own metadata."""
    pod_labels: Mapping[str, str]
    """The labels its pods carry (the template's, or the pod's own)."""
    spec: PodSpec
    replicas: int | None = None
    """Declared replicas (1 for a pod; None for DaemonSets, Jobs, CronJobs and when unset)."""
    selector: LabelSelector | None = None
    annotations: tuple[tuple[str, str], ...] = ()
    """The object's and the template's annotations (for inline suppressions)."""
    bound: bool = False
    """A pod the API server already holds (it has a status or an owner): scheduled, not written."""
    ready: bool | None = None
    crash_looping: bool = False

    @property
    def namespace(self) -> str:
        """The namespace of the object."""
        return self.ref.namespace

    @property
    def key(self) -> str:
        """``namespace/name`` of the object."""
        return f"{self.ref.namespace}/{self.ref.name}"


@dataclass(slots=True)
class Inventory:
    """Everything read, by kind, in input order."""

    holders: list[PodHolder] = field(default_factory=list)
    pods: list[PodHolder] = field(default_factory=list)
    """Every Pod of the input, owned or not (their status feeds the PDB checks)."""
    nodes: list[Entry[Node]] = field(default_factory=list)
    namespaces: list[Entry[Namespace]] = field(default_factory=list)
    priority_classes: list[Entry[PriorityClass]] = field(default_factory=list)
    pdbs: list[Entry[PodDisruptionBudget]] = field(default_factory=list)
    services: list[Entry[Service]] = field(default_factory=list)
    ingresses: list[Entry[Ingress]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    """Objects of kinds the audit does not read, counted by kind."""
    read: int = 0
    """Objects read (owned ones included), skipped ones excluded."""

    @property
    def object_count(self) -> int:
        """Objects read (owned ones included), skipped ones excluded."""
        return self.read

    def namespace_labels(self) -> dict[str, dict[str, str]]:
        """Labels of the namespaces in the input, by name."""
        return {e.obj.name: dict(e.obj.labels) for e in self.namespaces}

    def priority_class(self, name: str) -> PriorityClass | None:
        """The PriorityClass of that name in the input, if any."""
        return next((e.obj for e in self.priority_classes if e.obj.name == name), None)


def _annotations(*metas: ObjectMeta) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for meta in metas:
        out.update(meta.annotations)
    return tuple(out.items())


def _pod_holder(ref: ObjectRef, pod: Pod, reported: bool) -> PodHolder:
    """A Pod as the checks see it; ``reported``: the input carried a (non-empty) status."""
    ready_condition = pod.condition("Ready")
    ready = None if not reported or ready_condition is None else ready_condition.status == "True"
    return PodHolder(
        ref,
        pod.metadata,
        pod.labels,
        pod.spec,
        1,
        None,
        _annotations(pod.metadata),
        reported or bool(pod.metadata.owner_references),
        ready,
        reported and pod.is_crash_looping,
    )


def _missing_template(kind: str, f: Fields) -> FieldError:
    """Where a workload without a pod template lacks it (the audit judges templates)."""
    spec = f.obj("spec")
    if spec is None:
        return f.error("spec", "required")
    if kind == "CronJob":
        job = spec.obj("jobTemplate")
        job_spec = job.obj("spec") if job is not None else None
        if job_spec is None:
            return spec.error("jobTemplate", "required")
        spec = job_spec
    return spec.error("template", "required")


def _workload_holder(ref: ObjectRef, workload: Workload) -> PodHolder:
    assert workload.template is not None
    template = workload.template
    replicas = workload.replicas
    if replicas is None and workload.kind in SCALED_KINDS:
        replicas = 1
    return PodHolder(
        ref,
        workload.metadata,
        template.metadata.labels,
        template.spec,
        replicas,
        workload.selector,
        _annotations(workload.metadata, template.metadata),
    )


def pod_holder(kind: str, ref: ObjectRef, data: Mapping[str, Any]) -> PodHolder:
    """The pod holder of one Pod or workload object, decoded by the cluster ground's decoders;
    raises `FieldError` on a bad field."""
    f = Fields(data)
    obj = decode_object(kind, f)
    if isinstance(obj, Pod):
        status = data.get("status")
        return _pod_holder(ref, obj, isinstance(status, Mapping) and bool(status))
    if not isinstance(obj, Workload):
        raise FieldError("kind", f"{kind} has no pod template")
    if obj.template is None:
        raise _missing_template(kind, f)
    return _workload_holder(ref, obj)


def _add(inv: Inventory, kind: str, ref: ObjectRef, data: Mapping[str, Any]) -> None:
    f = Fields(data)
    if f.obj("metadata") is None:
        raise f.error("metadata", "required")
    if kind == "Pod" or kind in TEMPLATE_KINDS:
        holder = pod_holder(kind, ref, data)
        if kind == "Pod":
            inv.pods.append(holder)
        inv.holders.append(holder)
        return
    obj = decode_object(kind, f)
    entries: list[Entry[Any]] = getattr(inv, _ENTRY_LISTS[kind])
    entries.append(Entry(ref, obj))


def _drop_owned(inv: Inventory) -> None:
    present = {(h.ref.namespace, h.ref.kind, h.ref.name) for h in inv.holders}
    kept = []
    for h in inv.holders:
        owner = h.meta.controller()
        if owner is not None and (h.ref.namespace, owner.kind, owner.name) in present:
            continue
        kept.append(h)
    inv.holders = kept


def _cut(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[:limit] + f"... ({len(message)} chars)"


def _read_object(
    inv: Inventory, source: str, line: int, where: str, data: Mapping[str, Any]
) -> None:
    ident = identify(data)
    kind, namespace, name = ident.kind, ident.namespace, ident.name or where
    if not kind and ("apiVersion" not in data or "metadata" not in data):
        inv.skipped[NOT_KUBERNETES] = inv.skipped.get(NOT_KUBERNETES, 0) + 1
        return
    if not kind:
        raise InventoryError(f"{source}:{line}: {where}: kind: required")
    if kind not in DIRECT_KINDS and kind not in TEMPLATE_KINDS and kind != "Pod":
        inv.skipped[kind] = inv.skipped.get(kind, 0) + 1
        return
    ref = ObjectRef(kind, namespace, name, source, line)
    try:
        _add(inv, kind, ref, data)
    except FieldError as exc:
        raise InventoryError(
            f"{source}:{line}: {ref.display}: {exc.path}: {_cut(exc.message)}"
        ) from None
    except (TypeError, ValueError) as exc:
        raise InventoryError(f"{source}:{line}: {ref.display}: {_cut(str(exc))}") from None
    inv.read += 1


def _read_source(inv: Inventory, source: str, data: bytes, bounds: Bounds) -> None:
    index, number = 0, 0
    doc: Document
    for doc in parse_documents_of(data, source, bounds, locate=True):
        if doc.number != number:
            index, number = index + 1, doc.number
        where = f"document {index}" if doc.item is None else f"document {index} items[{doc.item}]"
        if not isinstance(doc.data, Mapping):
            if doc.item is not None:
                raise InventoryError(
                    f"{source}: document {index}: items[{doc.item}]: expected an object"
                )
            raise InventoryError(f"{source}: {where}: expected an object, got {quote(doc.data)}")
        _read_object(inv, source, doc.line, where, doc.data)


def parse_sources(
    sources: Iterable[tuple[str, str | bytes]], bounds: Bounds = DEFAULT_BOUNDS
) -> Inventory:
    """Read ``(name, content)`` sources into an inventory; the first unreadable input or bad
    object raises `InventoryError` naming the source, line, object and field."""
    inv = Inventory()
    try:
        for source, content in sources:
            data = content.encode("utf-8") if isinstance(content, str) else content
            try:
                _read_source(inv, source, data, bounds)
            except (InventoryError, ManifestError) as exc:
                hint = template_hint(data)
                if not hint:
                    raise
                raise InventoryError(str(exc) + hint) from None
    except ManifestError as exc:
        raise InventoryError(str(exc)) from None
    _drop_owned(inv)
    return inv
