"""Object metadata shared by every Kubernetes kind vigil reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class OwnerReference:
    """``metadata.ownerReferences[*]``; ``controller`` marks the managing controller."""

    api_version: str
    kind: str
    name: str
    uid: str = ""
    controller: bool = False


@dataclass(frozen=True, slots=True)
class ObjectMeta:
    """The subset of ``metadata`` that placement, disruption and posture need."""

    name: str
    namespace: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    uid: str = ""
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None
    owner_references: tuple[OwnerReference, ...] = ()
    generation: int = 0
    resource_version: str = ""

    @property
    def is_persisted(self) -> bool:
        """Whether the object was read back from an API server (it has a UID or a
        resourceVersion): it already went through defaulting and admission."""
        return bool(self.uid or self.resource_version)

    @property
    def key(self) -> str:
        """``namespace/name`` for namespaced objects, ``name`` otherwise."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def controller(self) -> OwnerReference | None:
        """The owner reference with ``controller: true`` (``GetControllerOf``)."""
        for ref in self.owner_references:
            if ref.controller:
                return ref
        return None


class HasMetadata:
    """The accessors every stored kind shares, read from its ``metadata``."""

    __slots__ = ()
    metadata: ObjectMeta

    @property
    def name(self) -> str:
        """``metadata.name``."""
        return self.metadata.name

    @property
    def namespace(self) -> str:
        """``metadata.namespace`` (empty for cluster-scoped kinds)."""
        return self.metadata.namespace

    @property
    def key(self) -> str:
        """``namespace/name``, or ``name`` for cluster-scoped kinds."""
        return self.metadata.key

    @property
    def labels(self) -> Mapping[str, str]:
        """``metadata.labels``."""
        return self.metadata.labels
