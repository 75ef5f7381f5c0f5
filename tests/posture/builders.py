"""Builders for posture tests: pod specs from the YAML shape, services, ingresses, contexts."""

from __future__ import annotations

from typing import Any

from vigil.cluster.decode_pod import decode_pod_spec
from vigil.cluster.ingress import Ingress
from vigil.cluster.meta import ObjectMeta
from vigil.cluster.namespace import Service
from vigil.cluster.pod import PodSpec
from vigil.cluster.reader import Fields
from vigil.posture.alerts import AlertCounts
from vigil.posture.exposure import ExposureIndex
from vigil.posture.policy import PosturePolicy
from vigil.posture.risk import RiskContext


def spec(**fields: Any) -> PodSpec:
    """A PodSpec decoded from YAML-shaped fields; one plain container unless given."""
    data = {"containers": [{"name": "app", "image": "nginx"}], **fields}
    return decode_pod_spec(Fields(data, "spec"))


def container(name: str = "app", **fields: Any) -> dict[str, Any]:
    """A container in the YAML shape."""
    return {"name": name, "image": "nginx", **fields}


def non_root(**fields: Any) -> PodSpec:
    """A spec whose pod runs as non-root (so run-as-root does not count)."""
    return spec(securityContext={"runAsNonRoot": True}, **fields)


def service(
    name: str, namespace: str = "default", type_: str = "ClusterIP", **selector: str
) -> Service:
    """A Service selecting ``selector``."""
    return Service(ObjectMeta(name, namespace), selector, type_)


def ingress(name: str, namespace: str, *backends: str) -> Ingress:
    """An Ingress routing to ``backends``."""
    return Ingress(ObjectMeta(name, namespace), backends)


def context(
    policy: PosturePolicy | None = None,
    *,
    services: tuple[Service, ...] = (),
    ingresses: tuple[Ingress, ...] = (),
    namespaces: dict[str, dict[str, str]] | None = None,
    alerts: AlertCounts | None = None,
) -> RiskContext:
    """A risk context over these objects (default policy)."""
    return RiskContext(
        policy or PosturePolicy(),
        ExposureIndex(services, ingresses),
        namespaces or {},
        alerts,
    )
