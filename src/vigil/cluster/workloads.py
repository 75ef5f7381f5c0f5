"""Workloads (every kind with a pod template), and the deterministic expansion into pods of
ReplicaSets, Deployments and StatefulSets.

The store holds Deployments, ReplicaSets, StatefulSets, ReplicationControllers, DaemonSets, Jobs
and CronJobs: the auditor judges their templates, the disruption controller reads the scale of
the first four, ``kubectl drain`` asks whether a pod's DaemonSet exists. Offline simulation needs
the pods a controller would create. Names follow the upstream shapes
(``<deployment>-<template-hash>-<suffix>``, ``<replicaset>-<suffix>``, ``<statefulset>-<ordinal>``)
but the random parts are derived from hashes of the object, so the same manifests always expand
into the same pods, with controller ownerReferences pointing at their owner.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field, replace

from vigil.cluster.meta import HasMetadata, ObjectMeta, OwnerReference
from vigil.cluster.pod import Pod, PodSpec
from vigil.cluster.selectors import LabelSelector

EXPANDED_KINDS = frozenset({"ReplicaSet", "Deployment", "StatefulSet"})
"""Workloads whose pods the loader creates when the input lacks them."""
SCALED_KINDS = EXPANDED_KINDS | {"ReplicationController"}
"""Workloads with ``spec.replicas`` (their scale counts for a PodDisruptionBudget)."""
WORKLOAD_KINDS = SCALED_KINDS | {"DaemonSet", "Job", "CronJob"}
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_UID_NAMESPACE = uuid.UUID("6f0d1f55-0b7c-4d5e-9a43-7a1c3b1c9e10")


@dataclass(frozen=True, slots=True)
class PodTemplate:
    """``spec.template`` (a CronJob's ``spec.jobTemplate.spec.template``): pod metadata (labels,
    annotations) and spec."""

    metadata: ObjectMeta
    spec: PodSpec = field(default_factory=PodSpec)


@dataclass(frozen=True, slots=True)
class Workload(HasMetadata):
    """A workload of one of `WORKLOAD_KINDS` (``kind`` says which)."""

    kind: str
    metadata: ObjectMeta
    replicas: int | None = None
    """``spec.replicas`` of the `SCALED_KINDS` (1 when a manifest leaves it out, as the API
    server defaults it; None for the other kinds)."""
    selector: LabelSelector | None = None
    template: PodTemplate | None = None


def stable_uid(kind: str, namespace: str, name: str) -> str:
    """A UID derived from the object identity, so that expansions are reproducible."""
    return str(uuid.uuid5(_UID_NAMESPACE, f"{kind}/{namespace}/{name}"))


def _safe_encode(seed: str, length: int) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_SAFE_ALPHABET[b % len(_SAFE_ALPHABET)] for b in digest[:length])


def _owner(workload: Workload, api_version: str = "apps/v1") -> OwnerReference:
    uid = workload.metadata.uid or stable_uid(workload.kind, workload.namespace, workload.name)
    return OwnerReference(api_version, workload.kind, workload.name, uid, controller=True)


def _pod(workload: Workload, name: str, extra_labels: dict[str, str]) -> Pod:
    assert workload.template is not None
    tmpl = workload.template
    meta = ObjectMeta(
        name=name,
        namespace=workload.namespace,
        labels={**tmpl.metadata.labels, **extra_labels},
        annotations=dict(tmpl.metadata.annotations),
        uid=stable_uid("Pod", workload.namespace, name),
        creation_timestamp=workload.metadata.creation_timestamp,
        owner_references=(_owner(workload),),
    )
    return Pod(metadata=meta, spec=tmpl.spec)


def template_hash(workload: Workload) -> str:
    """A deterministic stand-in for ``pod-template-hash`` / ``controller-revision-hash``."""
    return _safe_encode(repr(workload.template), 10)


def expand_workload(workload: Workload) -> tuple[list[Workload], list[Pod]]:
    """The ReplicaSets (for a Deployment) and pods a controller would create.

    Nothing is created when ``replicas`` or the template is missing.
    """
    if workload.replicas is None or workload.template is None:
        return [], []
    if workload.kind == "Deployment":
        pth = template_hash(workload)
        rs_name = f"{workload.name}-{pth}"
        rs_template = PodTemplate(
            metadata=replace(
                workload.template.metadata,
                labels={**workload.template.metadata.labels, "pod-template-hash": pth},
            ),
            spec=workload.template.spec,
        )
        rs = Workload(
            kind="ReplicaSet",
            metadata=ObjectMeta(
                name=rs_name,
                namespace=workload.namespace,
                labels=rs_template.metadata.labels,
                uid=stable_uid("ReplicaSet", workload.namespace, rs_name),
                creation_timestamp=workload.metadata.creation_timestamp,
                owner_references=(_owner(workload),),
            ),
            replicas=workload.replicas,
            selector=workload.selector,
            template=rs_template,
        )
        _, pods = expand_workload(rs)
        return [rs], pods
    if workload.kind == "ReplicaSet":
        pods = [
            _pod(workload, f"{workload.name}-{_safe_encode(f'{workload.name}/{i}', 5)}", {})
            for i in range(workload.replicas)
        ]
        return [], pods
    if workload.kind == "StatefulSet":
        revision = f"{workload.name}-{template_hash(workload)}"
        pods = []
        for i in range(workload.replicas):
            name = f"{workload.name}-{i}"
            labels = {
                "controller-revision-hash": revision,
                "statefulset.kubernetes.io/pod-name": name,
                "apps.kubernetes.io/pod-index": str(i),
            }
            pods.append(_pod(workload, name, labels))
        return [], pods
    raise ValueError(f"not a workload kind: {workload.kind}")
