"""Namespaces and Services: the objects that group pods by name or by label.

Namespace labels feed ``namespaceSelector`` in pod affinity terms; Service selectors feed the
system default topology spread constraints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vigil.cluster.meta import HasMetadata, ObjectMeta


@dataclass(frozen=True, slots=True)
class Namespace(HasMetadata):
    """A namespace and its labels."""

    metadata: ObjectMeta

    kind = "Namespace"


@dataclass(frozen=True, slots=True)
class Service(HasMetadata):
    """A Service: its pod selector (None when it has none) and ``spec.type``."""

    metadata: ObjectMeta
    selector: Mapping[str, str] | None = field(default=None)
    type: str = "ClusterIP"

    kind = "Service"
