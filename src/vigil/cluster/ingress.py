"""Ingresses: the Services that outside traffic reaches through an ingress controller.

Only the backends matter here: a pod selected by a Service that an Ingress routes to is exposed
to whoever can reach the ingress controller, which is a risk factor for isolation and audit.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigil.cluster.meta import HasMetadata, ObjectMeta
from vigil.cluster.reader import Fields


@dataclass(frozen=True, slots=True)
class Ingress(HasMetadata):
    """A networking.k8s.io/v1 Ingress reduced to the names of its backend Services."""

    metadata: ObjectMeta
    backend_services: tuple[str, ...] = ()

    kind = "Ingress"


def _service_name(backend: Fields | None) -> str:
    if backend is None:
        return ""
    service = backend.obj("service")
    if service is not None:
        return service.string("name")
    return backend.string("serviceName")


def decode_ingress(meta: ObjectMeta, f: Fields) -> Ingress:
    """``spec.defaultBackend`` and every ``spec.rules[*].http.paths[*].backend`` service name
    (``serviceName`` of the old extensions/v1beta1 shape is read too)."""
    spec = f.obj("spec")
    names: list[str] = []
    if spec is not None:
        names.append(_service_name(spec.obj("defaultBackend") or spec.obj("backend")))
        for rule in spec.objs("rules"):
            http = rule.obj("http")
            for path in http.objs("paths") if http is not None else []:
                names.append(_service_name(path.obj("backend")))
    unique = tuple(dict.fromkeys(n for n in names if n))
    return Ingress(meta, unique)
