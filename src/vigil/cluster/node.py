"""The Node model: labels, taints, cordon flag and allocatable resources."""

from __future__ import annotations

from dataclasses import dataclass, field

from vigil.cluster.meta import HasMetadata, ObjectMeta
from vigil.cluster.pod import ResourceList

NO_SCHEDULE = "NoSchedule"
PREFER_NO_SCHEDULE = "PreferNoSchedule"
NO_EXECUTE = "NoExecute"
TAINT_EFFECTS = frozenset({NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE})


@dataclass(frozen=True, slots=True)
class Taint:
    """``spec.taints[*]``."""

    key: str
    effect: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class NodeCondition:
    """``status.conditions[*]``."""

    type: str
    status: str


@dataclass(frozen=True, slots=True)
class Node(HasMetadata):
    """A node; ``allocatable`` falls back to ``capacity`` when a manifest omits it."""

    metadata: ObjectMeta
    unschedulable: bool = False
    taints: tuple[Taint, ...] = ()
    capacity: ResourceList = field(default_factory=dict)
    allocatable: ResourceList = field(default_factory=dict)
    conditions: tuple[NodeCondition, ...] = ()

    kind = "Node"
