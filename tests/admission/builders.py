"""AdmissionReview v1 payloads as the API server sends them, and contexts."""

from __future__ import annotations

from datetime import date
from typing import Any

from vigil.admission import AdmissionContext, AdmissionRequest, parse_review
from vigil.audit import parse_sources
from vigil.posture import PosturePolicy

RESOURCES = {
    "Pod": ("", "pods"),
    "Node": ("", "nodes"),
    "PriorityClass": ("scheduling.k8s.io", "priorityclasses"),
    "Deployment": ("apps", "deployments"),
    "Lease": ("coordination.k8s.io", "leases"),
    "PersistentVolumeClaim": ("", "persistentvolumeclaims"),
    "TokenRequest": ("", "serviceaccounts"),
    "CSINode": ("storage.k8s.io", "csinodes"),
    "Eviction": ("", "pods"),
}


def review_doc(
    kind: str,
    obj: dict[str, Any] | None,
    *,
    operation: str = "CREATE",
    old: dict[str, Any] | None = None,
    namespace: str = "",
    name: str = "",
    user: str = "alice",
    groups: tuple[str, ...] = ("system:authenticated",),
    sub_resource: str = "",
    uid: str = "b5d9f8a0-0000-4000-8000-000000000001",
) -> dict[str, Any]:
    """An AdmissionReview with one request."""
    group, resource = RESOURCES[kind]
    request: dict[str, Any] = {
        "uid": uid,
        "kind": {"group": group, "version": "v1", "kind": kind},
        "resource": {"group": group, "version": "v1", "resource": resource},
        "requestKind": {"group": group, "version": "v1", "kind": kind},
        "name": name,
        "namespace": namespace,
        "operation": operation,
        "userInfo": {"username": user, "uid": "u-1", "groups": list(groups)},
        "object": obj,
        "oldObject": old,
        "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    }
    if sub_resource:
        request["subResource"] = sub_resource
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def request(kind: str, obj: dict[str, Any] | None, **kw: Any) -> AdmissionRequest:
    """The parsed request of `review_doc`."""
    return parse_review(review_doc(kind, obj, **kw))


def pod(
    name: str = "web",
    namespace: str = "dev",
    **spec: Any,
) -> dict[str, Any]:
    """A pod object."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}], **spec},
    }


def node(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    """A node object."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": spec,
    }


CLASSES = """
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: dev-pc}
value: 1000000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: preprod-pc}
value: 2000000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: prod-pc}
value: 4000000
preemptionPolicy: Never
"""


def context(
    cluster: str = CLASSES, policy: dict[str, Any] | None = None, *, upstream: bool = True
) -> AdmissionContext:
    """A context over ``cluster`` (YAML) and ``policy`` (the policy mapping)."""
    inventory = parse_sources([("cluster.yaml", cluster)])
    return AdmissionContext(
        PosturePolicy.model_validate(policy or {}), inventory, date(2026, 6, 1), upstream=upstream
    )
