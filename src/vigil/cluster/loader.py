"""Loading manifest files (multi-document YAML, ``kind: List``) into a `Cluster`.

This is the only place in `vigil.cluster` that reads files. Every invalid object raises a
one-line `ManifestError` naming the file, the object and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from vigil.cluster.cluster import Cluster
from vigil.cluster.decode import SUPPORTED_KINDS, KubeObject, decode_object
from vigil.cluster.errors import FieldError, ManifestError
from vigil.cluster.ingress import Ingress
from vigil.cluster.namespace import Namespace, Service
from vigil.cluster.node import Node
from vigil.cluster.pod import Pod
from vigil.cluster.policy import PodDisruptionBudget, PriorityClass
from vigil.cluster.priority import PriorityAdmissionError, PriorityResolver, validate_priority_class
from vigil.cluster.reader import Fields
from vigil.cluster.workloads import Workload, expand_workload


def _describe(doc: Mapping[str, Any], index: str) -> str:
    kind = doc.get("kind")
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(kind, str) or not isinstance(name, str) or not name:
        return f"document {index}"
    namespace = meta.get("namespace") if isinstance(meta, Mapping) else None
    if kind in ("Node", "Namespace", "PriorityClass"):
        return f"{kind} {name}"
    return f"{kind} {namespace if isinstance(namespace, str) and namespace else 'default'}/{name}"


def _flatten(docs: Iterable[Any], source: str) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for i, doc in enumerate(docs, start=1):
        if doc is None:
            continue
        if not isinstance(doc, Mapping):
            raise ManifestError(source, f"document {i}", "", "expected an object")
        if doc.get("kind") == "List" or str(doc.get("kind", "")).endswith("List"):
            items = doc.get("items") or []
            if not isinstance(items, list):
                raise ManifestError(source, f"document {i}", "items", "expected a list")
            for j, item in enumerate(items):
                if not isinstance(item, Mapping):
                    raise ManifestError(
                        source, f"document {i}", f"items[{j}]", "expected an object"
                    )
                yield f"{i}.items[{j}]", item
        else:
            yield str(i), doc


def parse_documents(text: str, source: str = "<string>") -> tuple[list[KubeObject], list[str]]:
    """Decode every supported object of a YAML text; also return descriptions of skipped ones."""
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ManifestError(
            source, where, "", f"invalid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    objects: list[KubeObject] = []
    skipped: list[str] = []
    for index, doc in _flatten(docs, source):
        described = _describe(doc, index)
        kind = doc.get("kind")
        if not isinstance(kind, str) or not kind:
            raise ManifestError(source, described, "kind", "required")
        if kind not in SUPPORTED_KINDS:
            skipped.append(f"{source}: {described}")
            continue
        try:
            obj = decode_object(kind, Fields(doc))
            if isinstance(obj, PriorityClass) and (problem := validate_priority_class(obj)):
                raise FieldError("value", problem)
        except FieldError as exc:
            raise ManifestError(source, described, exc.path, exc.message) from None
        objects.append(obj)
    return objects, skipped


def build_cluster(
    objects: Iterable[KubeObject],
    skipped: Iterable[str] = (),
    *,
    sources: Sequence[str] | None = None,
) -> Cluster:
    """Group objects into a `Cluster`, expand workloads into pods and admit pod priorities.

    ``sources`` (aligned with ``objects``) names the file of each object for error messages.
    Raises `ManifestError` for a pod the Priority admission plugin would reject.
    """
    cluster = Cluster(skipped=list(skipped))
    objects = list(objects)
    pod_sources: dict[str, str] = {}
    for index, obj in enumerate(objects):
        source = sources[index] if sources is not None else ""
        if isinstance(obj, Pod):
            pod_sources[obj.key] = source
        if isinstance(obj, Node):
            cluster.nodes.append(obj)
        elif isinstance(obj, Pod):
            cluster.pods.append(obj)
        elif isinstance(obj, Namespace):
            cluster.namespaces.append(obj)
        elif isinstance(obj, Service):
            cluster.services.append(obj)
        elif isinstance(obj, Ingress):
            cluster.ingresses.append(obj)
        elif isinstance(obj, PodDisruptionBudget):
            cluster.pdbs.append(obj)
        elif isinstance(obj, PriorityClass):
            cluster.priority_classes.append(obj)
        elif isinstance(obj, Workload):
            cluster.workloads.append(obj)
            sets, pods = expand_workload(obj)
            cluster.workloads.extend(sets)
            cluster.pods.extend(pods)
            pod_sources.update((p.key, source) for p in pods)
    resolver = PriorityResolver(cluster.priority_classes)
    admitted = []
    for pod in cluster.pods:
        try:
            admitted.append(resolver.admit(pod))
        except PriorityAdmissionError as exc:
            source = pod_sources.get(pod.key, "")
            raise ManifestError(
                source, f"Pod {pod.key}", "spec.priorityClassName", str(exc)
            ) from None
    cluster.pods = admitted
    return cluster


def load_manifests(paths: Iterable[str | Path]) -> Cluster:
    """Read manifest files (in order) into a `Cluster`; directories are read recursively."""
    objects: list[KubeObject] = []
    sources: list[str] = []
    skipped: list[str] = []
    for path in paths:
        p = Path(path)
        files = (
            sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml")) if p.is_dir() else [p]
        )
        for file in files:
            found, skip = parse_documents(file.read_text(encoding="utf-8"), file.name)
            objects.extend(found)
            sources.extend(file.name for _ in found)
            skipped.extend(skip)
    return build_cluster(objects, skipped, sources=sources)
