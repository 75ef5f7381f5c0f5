"""Loading manifest files and ``kubectl get -o yaml|json`` exports into a `Cluster`.

The steps: list the inputs (`vigil.cluster.sources`), read each into objects within bounds
(`vigil.cluster.documents`), decode the kinds vigil reads (`vigil.cluster.decode`), then build
the store: expand the workloads that arrived without their pods (`vigil.cluster.expansion`)
and admit the pods being created (`vigil.cluster.admission`). Every invalid object raises a
one-line `ManifestError` naming the file (as given on the command line), the object and the
field. What is left out on purpose (kinds vigil does not read, files that are not Kubernetes
manifests such as ``kustomization.yaml`` or ``Chart.yaml``) is listed in `Cluster.skipped`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigil.cluster.admission import Admission
from vigil.cluster.cluster import Cluster, object_key
from vigil.cluster.decode import SUPPORTED_KINDS, KubeObject, decode_object
from vigil.cluster.documents import DEFAULT_BOUNDS, Bounds, parse_documents_of, template_hint
from vigil.cluster.errors import FieldError, ManifestError, quote
from vigil.cluster.expansion import workloads_not_expanded, workloads_to_expand
from vigil.cluster.identity import identify, object_display
from vigil.cluster.pod import Pod
from vigil.cluster.policy import PriorityClass
from vigil.cluster.priority import PriorityAdmissionError
from vigil.cluster.priority_classes import validate_priority_class
from vigil.cluster.reader import Fields
from vigil.cluster.sources import list_inputs
from vigil.cluster.workloads import Workload, expand_workload

NAME_LIMIT = 80
PROGRESS_EVERY = 2000
"""Objects decoded between two progress reports."""


@dataclass(frozen=True, slots=True)
class LoadProgress:
    """Where a load is: the phase, the input, objects decoded so far, and how much of all the
    inputs' bytes is done (the current input counts by the share of its objects decoded)."""

    phase: str
    """``parsing`` (an input is being parsed), ``decoding`` or ``building``."""
    source: str
    objects: int
    bytes_done: int
    bytes_total: int
    source_bytes: int = 0
    """Size of the input being parsed or decoded."""


Progress = Callable[[LoadProgress], None]


def _name(text: str) -> str:
    return text if len(text) <= NAME_LIMIT else f"{text[:NAME_LIMIT]}..."


def describe(doc: Mapping[str, Any], index: str) -> str:
    """How an error names an object: ``Kind namespace/name``, or ``document N``."""
    ident = identify(doc)
    if not ident.kind or not ident.name:
        return f"document {index}"
    return object_display(_name(ident.kind), _name(ident.namespace), _name(ident.name))


def _not_kubernetes(doc: Mapping[str, Any]) -> bool:
    return "kind" not in doc and "metadata" not in doc


def parse_documents(
    text: str | bytes,
    source: str = "<string>",
    *,
    bounds: Bounds = DEFAULT_BOUNDS,
    on_object: Callable[[], None] | None = None,
    on_parsed: Callable[[int], None] | None = None,
) -> tuple[list[KubeObject], list[str]]:
    """Decode every supported object of one input; also describe what was skipped and why."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        return _decode_documents(data, source, bounds, on_object, on_parsed)
    except ManifestError as exc:
        hint = template_hint(data)
        if not hint:
            raise
        raise ManifestError(exc.source, exc.obj, exc.path, exc.message + hint) from None


def _decode_documents(
    data: bytes,
    source: str,
    bounds: Bounds,
    on_object: Callable[[], None] | None,
    on_parsed: Callable[[int], None] | None,
) -> tuple[list[KubeObject], list[str]]:
    objects: list[KubeObject] = []
    skipped: list[str] = []
    foreign: list[str] = []
    seen = 0
    for doc in parse_documents_of(data, source, bounds, on_parsed):
        seen += 1
        if not isinstance(doc.data, Mapping):
            where = "" if doc.item is None else f"items[{doc.item}]"
            raise ManifestError(source, f"document {doc.number}", where, "expected an object")
        described = describe(doc.data, doc.index)
        if _not_kubernetes(doc.data):
            foreign.append(described)
            continue
        kind = doc.data.get("kind")
        if not isinstance(kind, str) or not kind:
            raise ManifestError(source, described, "kind", "required")
        if kind not in SUPPORTED_KINDS:
            skipped.append(f"{source}: {described}: kind {quote(kind)} is not read by vigil")
            continue
        try:
            obj = decode_object(kind, Fields(doc.data))
            if isinstance(obj, PriorityClass) and (problems := validate_priority_class(obj)):
                raise FieldError(problems[0].path, problems[0].detail)
        except FieldError as exc:
            raise ManifestError(source, described, exc.path, exc.message) from None
        objects.append(obj)
        if on_object is not None:
            on_object()
    if foreign and len(foreign) == seen:
        skipped.append(f"{source}: not a Kubernetes manifest (no kind, no metadata): skipped")
    else:
        skipped.extend(
            f"{source}: {d}: not a Kubernetes object (no kind): skipped" for d in foreign
        )
    return objects, skipped


def build_cluster(
    objects: Iterable[KubeObject],
    skipped: Iterable[str] = (),
    *,
    sources: Sequence[str] | None = None,
) -> Cluster:
    """Store the objects, expand workloads that arrived without pods, admit created pods.

    ``sources`` (aligned with ``objects``) names the file of each object for error messages.
    Raises `ManifestError` for a pod the Priority admission plugin would reject.
    """
    cluster = Cluster(skipped=skipped)
    pod_sources: dict[str, str] = {}
    workload_sources: dict[tuple[str, str], str] = {}
    first_seen: dict[tuple[str, str], str] = {}
    for index, obj in enumerate(objects):
        source = sources[index] if sources is not None else ""
        ident = object_key(obj)
        if ident in first_seen:
            cluster.skipped.append(
                f"{source + ': ' if source else ''}{ident[0]} {ident[1]} is given again (first in "
                f"{first_seen[ident] or 'the input'}): the later one is used"
            )
        else:
            first_seen[ident] = source
        if isinstance(obj, Pod):
            pod_sources[obj.key] = source
        elif isinstance(obj, Workload):
            workload_sources[(obj.kind, obj.metadata.key)] = source
        cluster.add(obj)
    for workload in workloads_to_expand(cluster):
        sets, pods = expand_workload(workload)
        source = workload_sources.get((workload.kind, workload.metadata.key), "")
        for rs in sets:
            cluster.add(rs)
        for pod in pods:
            cluster.add(pod)
        pod_sources.update((p.key, source) for p in pods)
    for workload in workloads_not_expanded(cluster):
        source = workload_sources.get((workload.kind, workload.metadata.key), "")
        cluster.skipped.append(
            f"{source + ': ' if source else ''}{workload.kind} {workload.metadata.key}: its pods "
            "are not in the input and vigil does not create them (only Deployments, ReplicaSets "
            "and StatefulSets are expanded)"
        )
    admission = Admission(cluster.priority_classes)
    for pod in cluster.pods:
        if not admission.needs_admission(pod):
            continue
        try:
            admitted = admission.admit(pod)
        except PriorityAdmissionError as exc:
            raise ManifestError(
                pod_sources.get(pod.key, ""), f"Pod {pod.key}", "spec.priorityClassName", str(exc)
            ) from None
        if admitted is not pod:
            cluster.add(admitted)
    return cluster


def load_manifests(
    paths: Iterable[str | Path],
    *,
    stdin: Callable[[], bytes] | None = None,
    bounds: Bounds = DEFAULT_BOUNDS,
    progress: Progress | None = None,
) -> Cluster:
    """Read manifest files, directories (recursively) and ``-`` (standard input) in order."""
    inputs = list(list_inputs(paths, stdin, max_bytes=bounds.max_bytes))
    total = sum(i.size for i in inputs)
    done = 0
    objects: list[KubeObject] = []
    sources: list[str] = []
    skipped: list[str] = []
    counter = [0]
    in_input = [0, 0]

    def report(phase: str, source: str, size: int = 0) -> None:
        if progress is not None:
            share = size * in_input[0] // in_input[1] if in_input[1] else 0
            progress(LoadProgress(phase, source, counter[0], done + share, total, size))

    for inp in inputs:
        in_input[:] = [0, 0]
        report("parsing", inp.name, inp.size)

        def on_parsed(count: int) -> None:
            in_input[1] = count

        def on_object(name: str = inp.name, size: int = inp.size) -> None:
            counter[0] += 1
            in_input[0] += 1
            if counter[0] % PROGRESS_EVERY == 0:
                report("decoding", name, size)

        found, skip = parse_documents(
            inp.read(), inp.name, bounds=bounds, on_object=on_object, on_parsed=on_parsed
        )
        objects.extend(found)
        sources.extend(inp.name for _ in found)
        skipped.extend(skip)
        done += inp.size
    report("building", "")
    return build_cluster(objects, skipped, sources=sources)
