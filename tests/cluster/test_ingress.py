"""Ingress decoding: backend Service names from every place an Ingress names one."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.cluster import parse_documents
from vigil.cluster.ingress import Ingress, decode_ingress
from vigil.cluster.meta import ObjectMeta
from vigil.cluster.reader import Fields


def _backend(name: str) -> dict[str, Any]:
    return {"service": {"name": name, "port": {"number": 80}}}


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        ({}, ()),
        ({"defaultBackend": _backend("web")}, ("web",)),
        (
            {
                "defaultBackend": _backend("web"),
                "rules": [
                    {"host": "a", "http": {"paths": [{"path": "/", "backend": _backend("api")}]}},
                    {"host": "b", "http": {"paths": [{"path": "/", "backend": _backend("web")}]}},
                    {"host": "c"},
                ],
            },
            ("web", "api"),
        ),
        ({"backend": {"serviceName": "legacy", "servicePort": 80}}, ("legacy",)),
        ({"rules": [{"http": {"paths": [{"backend": {"resource": {"kind": "Bucket"}}}]}}]}, ()),
    ],
)
def test_backend_services(spec: dict[str, Any], names: tuple[str, ...]) -> None:
    ingress = decode_ingress(ObjectMeta("i", "ns"), Fields({"spec": spec}))
    assert ingress.backend_services == names


def test_loader_reads_ingresses_and_service_types() -> None:
    text = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: web}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: front, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: lb, namespace: web}
spec: {type: LoadBalancer, selector: {app: front}}
"""
    objects, skipped = parse_documents(text, "x.yaml")
    assert skipped == []
    ingress, service = objects
    assert isinstance(ingress, Ingress)
    assert (ingress.namespace, ingress.backend_services) == ("web", ("front",))
    assert getattr(service, "type", None) == "LoadBalancer"


def test_build_cluster_keeps_ingresses() -> None:
    from vigil.cluster import build_cluster

    meta = ObjectMeta("i", "ns")
    cluster = build_cluster([Ingress(meta, ("svc",))])
    assert [i.backend_services for i in cluster.ingresses] == [("svc",)]
