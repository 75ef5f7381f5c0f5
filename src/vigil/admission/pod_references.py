"""The other API objects a pod spec references, as ``pkg/api/pod/util.go`` visits them.

NodeRestriction lets a kubelet create mirror pods only when they reference no secret, config
map, cluster trust bundle, persistent volume claim or service account: a node that could name
any of them in a pod would get read access to it through the pod. The visitors walk every
container list (init, regular, ephemeral) and every volume source that can name a secret
(``VisitPodSecretNames``) or a config map (``VisitPodConfigmapNames``); empty names are skipped
as ``skipEmptyNames`` does. The spec is read as raw JSON, leniently: a field of the wrong type
names nothing (the decoders report it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")

SECRET_REF_VOLUMES = ("cephfs", "cinder", "flexVolume", "rbd", "scaleIO", "iscsi", "storageos")
"""Volume sources whose ``secretRef.name`` names a secret."""


def _maps(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, Mapping))


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _name(ref: Any, key: str = "name") -> str:
    value = _map(ref).get(key)
    return value if isinstance(value, str) else ""


def _containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key in CONTAINER_LISTS:
        yield from _maps(spec.get(key))


def _env_refs(container: Mapping[str, Any], from_key: str, key_ref: str) -> Iterator[str]:
    for env_from in _maps(container.get("envFrom")):
        yield _name(env_from.get(from_key))
    for env in _maps(container.get("env")):
        yield _name(_map(env.get("valueFrom")).get(key_ref))


def _projected(volume: Mapping[str, Any], source: str) -> Iterator[Mapping[str, Any]]:
    for item in _maps(_map(volume.get("projected")).get("sources")):
        if isinstance(item.get(source), Mapping):
            yield item[source]


def _volume_secrets(volume: Mapping[str, Any]) -> Iterator[str]:
    yield _name(volume.get("azureFile"), "secretName")
    yield _name(volume.get("secret"), "secretName")
    for source in SECRET_REF_VOLUMES:
        yield _name(_map(volume.get(source)).get("secretRef"))
    yield _name(_map(volume.get("csi")).get("nodePublishSecretRef"))
    yield from (_name(s) for s in _projected(volume, "secret"))


def secret_names(spec: Mapping[str, Any]) -> list[str]:
    """``VisitPodSecretNames`` over all containers: image pull secrets, env and envFrom
    references, and the secrets of volumes."""
    found = [_name(ref) for ref in _maps(spec.get("imagePullSecrets"))]
    for container in _containers(spec):
        found.extend(_env_refs(container, "secretRef", "secretKeyRef"))
    for volume in _maps(spec.get("volumes")):
        found.extend(_volume_secrets(volume))
    return [name for name in found if name]


def config_map_names(spec: Mapping[str, Any]) -> list[str]:
    """``VisitPodConfigmapNames`` over all containers: env and envFrom references, config map
    volumes and projected config maps."""
    found: list[str] = []
    for container in _containers(spec):
        found.extend(_env_refs(container, "configMapRef", "configMapKeyRef"))
    for volume in _maps(spec.get("volumes")):
        found.append(_name(volume.get("configMap")))
        found.extend(_name(s) for s in _projected(volume, "configMap"))
    return [name for name in found if name]


def references_cluster_trust_bundles(spec: Mapping[str, Any]) -> bool:
    """A projected volume with a ``clusterTrustBundle`` source."""
    return any(
        any(True for _ in _projected(volume, "clusterTrustBundle"))
        for volume in _maps(spec.get("volumes"))
    )


def references_claims(spec: Mapping[str, Any]) -> bool:
    """A volume with a ``persistentVolumeClaim`` source."""
    return any(
        volume.get("persistentVolumeClaim") is not None for volume in _maps(spec.get("volumes"))
    )


def service_account_name(spec: Mapping[str, Any]) -> str:
    """``serviceAccountName``, or the deprecated v1 ``serviceAccount`` it is converted from."""
    for key in ("serviceAccountName", "serviceAccount"):
        value = spec.get(key)
        if isinstance(value, str) and value:
            return value
    return ""
