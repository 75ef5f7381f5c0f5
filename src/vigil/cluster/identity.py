"""How an object of a document is named before (or without) decoding it: kind, namespace and
name, as error messages and findings show them (``Deployment shop/web``, ``Node worker-1``).

The loader names the object of an error with it, the auditor the object of a finding. Namespaced
objects written without a namespace are in ``default``; cluster-scoped kinds have none, even
when the document gives one (the API server ignores it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Node",
        "Namespace",
        "PriorityClass",
        "PersistentVolume",
        "StorageClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "RuntimeClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "APIService",
        "CSIDriver",
        "CSINode",
    }
)


def object_display(kind: str, namespace: str, name: str) -> str:
    """``Kind namespace/name``, or ``Kind name`` without a namespace."""
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


@dataclass(frozen=True, slots=True)
class ObjectIdentity:
    """The kind, namespace and name a document gives an object (empty when it gives none)."""

    kind: str
    namespace: str
    name: str

    @property
    def display(self) -> str:
        """``Kind namespace/name`` (``Kind name`` for cluster-scoped kinds)."""
        return object_display(self.kind, self.namespace, self.name)


def identify(doc: Mapping[str, Any]) -> ObjectIdentity:
    """The identity of a decoded document, read leniently (wrong types count as absent)."""
    kind = doc.get("kind")
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    name = meta.get("name")
    namespace = meta.get("namespace")
    kind_text = kind if isinstance(kind, str) else ""
    if kind_text in CLUSTER_SCOPED_KINDS:
        namespace = ""
    elif not isinstance(namespace, str) or not namespace:
        namespace = "default"
    return ObjectIdentity(kind_text, namespace, name if isinstance(name, str) else "")
