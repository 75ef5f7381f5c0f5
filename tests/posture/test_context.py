"""A risk context built from a loaded cluster."""

from __future__ import annotations

from vigil.cluster import parse_documents
from vigil.cluster.loader import build_cluster
from vigil.posture import PosturePolicy, risk_context


def test_context_from_cluster() -> None:
    objects, _ = parse_documents(
        """
apiVersion: v1
kind: Namespace
metadata: {name: web, labels: {vigil.dev/trust: untrusted}}
---
apiVersion: v1
kind: Service
metadata: {name: front, namespace: web}
spec: {selector: {app: front}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: web}
spec: {defaultBackend: {service: {name: front, port: {number: 80}}}}
"""
    )
    ctx = risk_context(build_cluster(objects), PosturePolicy())
    assert ctx.trust_of("web") == "untrusted"
    from vigil.cluster.pod import PodSpec

    assert ctx.exposure.exposures("web", {"app": "front"}, PodSpec()) == [
        "Service front (Ingress shop)"
    ]
