"""Decoding of the security fields of pod specs, and their type errors with field paths."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.cluster.decode_security import decode_pod_security
from vigil.cluster.errors import FieldError
from vigil.cluster.reader import Fields
from vigil.cluster.security import SecurityContext


def _decode(spec: dict[str, Any]):  # type: ignore[no-untyped-def]
    return decode_pod_security(Fields(spec, "spec"))


def test_full_spec() -> None:
    security = _decode(
        {
            "hostNetwork": True,
            "hostPID": True,
            "securityContext": {"runAsUser": 1000, "runAsNonRoot": True},
            "serviceAccountName": "builder",
            "initContainers": [{"name": "init", "securityContext": {"privileged": True}}],
            "containers": [
                {
                    "name": "app",
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "runAsUser": 0,
                        "capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]},
                        "readOnlyRootFilesystem": True,
                    },
                    "env": [
                        {"name": "A", "value": "x"},
                        {"name": "B", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
                        {"name": "C", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}},
                    ],
                    "envFrom": [{"secretRef": {"name": "api"}}, {"configMapRef": {"name": "cm"}}],
                }
            ],
            "volumes": [
                {"name": "sock", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}},
                {"name": "tls", "secret": {"secretName": "tls-cert"}},
                {
                    "name": "proj",
                    "projected": {
                        "sources": [{"secret": {"name": "p1"}}, {"configMap": {"name": "cm"}}]
                    },
                },
                {"name": "tmp", "emptyDir": {}},
            ],
        }
    )
    assert security.host_namespaces == ("hostNetwork", "hostPID")
    assert (security.run_as_user, security.run_as_non_root) == (1000, True)
    assert security.service_account_name == "builder"
    assert [c.name for c in security.containers] == ["init", "app"]
    assert security.containers[0].context == SecurityContext(privileged=True)
    assert security.containers[1].context == SecurityContext(
        allow_privilege_escalation=False,
        run_as_user=0,
        capabilities_add=("NET_ADMIN",),
        read_only_root_filesystem=True,
    )
    assert security.containers[1].secret_refs == ("db", "api")
    assert [(v.name, v.source) for v in security.volumes] == [
        ("sock", "hostPath"),
        ("tls", "secret"),
        ("proj", "projected"),
        ("tmp", "emptyDir"),
    ]
    assert security.host_paths == ("/var/run/docker.sock",)
    assert security.secret_names == ("api", "db", "p1", "tls-cert")
    assert security.root_containers() == ("app",)


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"hostNetwork": "yes"}, "spec.hostNetwork"),
        (
            {"containers": [{"name": "c", "securityContext": {"privileged": 1}}]},
            "spec.containers[0].securityContext.privileged",
        ),
        (
            {"containers": [{"name": "c", "securityContext": {"runAsUser": "0"}}]},
            "spec.containers[0].securityContext.runAsUser",
        ),
        (
            {"containers": [{"name": "c", "securityContext": {"capabilities": {"add": "ALL"}}}]},
            "spec.containers[0].securityContext.capabilities.add",
        ),
        ({"volumes": [{"name": "v", "hostPath": {"path": 3}}]}, "spec.volumes[0].hostPath.path"),
    ],
)
def test_type_errors_name_the_field(spec: dict[str, Any], path: str) -> None:
    with pytest.raises(FieldError) as err:
        _decode(spec)
    assert err.value.path == path
