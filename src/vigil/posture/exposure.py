"""Which pods outside traffic can reach: Services of type LoadBalancer or NodePort, Services that
an Ingress routes to, and host ports.

An exposed pod is the first one an attacker reaches, so exposure is a risk factor. The index is
built once per cluster; a lookup takes a pod's namespace, labels and spec, so it serves pods and
workload templates alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vigil.cluster.ingress import Ingress
from vigil.cluster.namespace import Service
from vigil.cluster.pod import PodSpec

EXPOSING_SERVICE_TYPES = frozenset({"LoadBalancer", "NodePort"})


@dataclass(frozen=True, slots=True)
class ExposingService:
    """A Service that outside traffic reaches, and how."""

    namespace: str
    name: str
    selector: Mapping[str, str]
    how: str
    """``LoadBalancer``, ``NodePort`` or ``Ingress <name>``."""


class ExposureIndex:
    """Exposing Services by namespace."""

    __slots__ = ("_by_namespace",)

    def __init__(self, services: Iterable[Service] = (), ingresses: Iterable[Ingress] = ()) -> None:
        routed: dict[tuple[str, str], str] = {}
        for ingress in ingresses:
            for name in ingress.backend_services:
                routed.setdefault((ingress.namespace, name), ingress.name)
        self._by_namespace: dict[str, list[ExposingService]] = {}
        for svc in services:
            if not svc.selector:
                continue
            ns, name = svc.metadata.namespace, svc.metadata.name
            if svc.type in EXPOSING_SERVICE_TYPES:
                how = svc.type
            elif (ns, name) in routed:
                how = f"Ingress {routed[(ns, name)]}"
            else:
                continue
            self._by_namespace.setdefault(ns, []).append(
                ExposingService(ns, name, dict(svc.selector), how)
            )

    def exposures(self, namespace: str, labels: Mapping[str, str], spec: PodSpec) -> list[str]:
        """How the pod is reachable from outside, e.g. ``Service web (LoadBalancer)``."""
        out = [
            f"Service {s.name} ({s.how})"
            for s in self._by_namespace.get(namespace, ())
            if all(labels.get(k) == v for k, v in s.selector.items())
        ]
        ports = sorted({p.host_port for c in spec.containers for p in c.ports if p.host_port > 0})
        if ports:
            out.append("hostPort " + ", ".join(str(p) for p in ports))
        return out
