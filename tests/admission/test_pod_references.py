"""The API objects a pod spec names, as pkg/api/pod/util.go visits them."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.admission.pod_references import (
    config_map_names,
    references_claims,
    references_cluster_trust_bundles,
    secret_names,
    service_account_name,
)

SPEC: dict[str, Any] = {
    "imagePullSecrets": [{"name": "pull"}, {"name": ""}, "junk"],
    "initContainers": [{"env": [{"valueFrom": {"secretKeyRef": {"name": "init-env"}}}]}],
    "containers": [
        {
            "envFrom": [{"secretRef": {"name": "app-from"}}, {"configMapRef": {"name": "cm-from"}}],
            "env": [{"valueFrom": {"configMapKeyRef": {"name": "cm-env"}}}],
        }
    ],
    "ephemeralContainers": [{"envFrom": [{"secretRef": {"name": "debug"}}]}],
    "volumes": [
        {"name": "a", "secret": {"secretName": "vol"}},
        {"name": "b", "cephfs": {"monitors": ["m"], "secretRef": {"name": "ceph"}}},
        {"name": "c", "csi": {"driver": "d", "nodePublishSecretRef": {"name": "csi"}}},
        {
            "name": "d",
            "projected": {
                "sources": [{"secret": {"name": "proj"}}, {"configMap": {"name": "cm-proj"}}]
            },
        },
        {"name": "e", "configMap": {"name": "cm-vol"}},
        {"name": "f", "persistentVolumeClaim": {"claimName": "data"}},
        {"name": "g", "projected": {"sources": [{"clusterTrustBundle": {"name": "ca"}}]}},
        {"name": "h", "emptyDir": {}},
    ],
}


def test_secret_and_config_map_names_over_every_container_list_and_volume() -> None:
    assert secret_names(SPEC) == [
        "pull",
        "init-env",
        "app-from",
        "debug",
        "vol",
        "ceph",
        "csi",
        "proj",
    ]
    assert config_map_names(SPEC) == ["cm-from", "cm-env", "cm-proj", "cm-vol"]
    assert references_claims(SPEC)
    assert references_cluster_trust_bundles(SPEC)


@pytest.mark.parametrize(
    ("spec", "account"),
    [
        ({"serviceAccountName": "a"}, "a"),
        ({"serviceAccount": "b"}, "b"),
        ({"serviceAccountName": "", "serviceAccount": "c"}, "c"),
        ({"serviceAccountName": 7}, ""),
        ({}, ""),
    ],
)
def test_service_account_name_reads_the_deprecated_alias(
    spec: dict[str, Any], account: str
) -> None:
    assert service_account_name(spec) == account


@pytest.mark.parametrize(
    "spec",
    [{"volumes": "x"}, {"containers": [1, None]}, {"volumes": [{"secret": "x"}]}, {}],
)
def test_malformed_specs_name_nothing(spec: dict[str, Any]) -> None:
    assert (secret_names(spec), config_map_names(spec)) == ([], [])
    assert not references_claims(spec)
