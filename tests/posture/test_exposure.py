"""Exposure: LoadBalancer / NodePort Services, Ingress backends and host ports."""

from __future__ import annotations

from tests.posture.builders import container, ingress, service, spec
from vigil.posture.exposure import ExposureIndex


def test_exposing_services_and_ingress_backends() -> None:
    index = ExposureIndex(
        [
            service("lb", "web", "LoadBalancer", app="front"),
            service("np", "web", "NodePort", app="admin"),
            service("internal", "web", "ClusterIP", app="front"),
            service("routed", "web", "ClusterIP", app="api"),
            service("headless", "web", "LoadBalancer"),
            service("other-ns", "ops", "LoadBalancer", app="front"),
        ],
        [ingress("shop", "web", "routed"), ingress("elsewhere", "ops", "internal")],
    )
    plain = spec()
    assert index.exposures("web", {"app": "front", "x": "y"}, plain) == [
        "Service lb (LoadBalancer)"
    ]
    assert index.exposures("web", {"app": "admin"}, plain) == ["Service np (NodePort)"]
    assert index.exposures("web", {"app": "api"}, plain) == ["Service routed (Ingress shop)"]
    assert index.exposures("web", {"app": "db"}, plain) == []
    assert index.exposures("ops", {"app": "api"}, plain) == []


def test_host_ports_expose() -> None:
    pod = spec(containers=[container(ports=[{"containerPort": 80, "hostPort": 8080}])])
    assert ExposureIndex().exposures("x", {}, pod) == ["hostPort 8080"]
