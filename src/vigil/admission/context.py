"""What admission decisions consult besides the request: the policy and the cluster state read
from ``--cluster`` files (PriorityClasses, nodes, pods, namespaces)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from vigil.audit.inventory import Inventory
from vigil.cluster.meta import ObjectMeta
from vigil.cluster.policy import PriorityClass
from vigil.posture.policy import PosturePolicy
from vigil.posture.priority_classes import SYSTEM_CLASSES


def system_classes() -> list[PriorityClass]:
    """The two classes the API server creates at start-up."""
    return [PriorityClass(ObjectMeta(name), value) for name, value in SYSTEM_CLASSES.items()]


@dataclass(slots=True)
class AdmissionContext:
    """Policy, cluster state and the options of the chain."""

    policy: PosturePolicy = field(default_factory=PosturePolicy)
    cluster: Inventory = field(default_factory=Inventory)
    today: date = date(1970, 1, 1)
    upstream: bool = True
    """Emulate the API server's own plugins (Priority, PriorityClass validation,
    NodeRestriction); a webhook in front of a real API server leaves them to it."""

    def priority_classes(self) -> list[PriorityClass]:
        """The classes of the cluster files, plus the system classes when not listed."""
        classes = [e.obj for e in self.cluster.priority_classes]
        names = {c.name for c in classes}
        return classes + [c for c in system_classes() if c.name not in names]
