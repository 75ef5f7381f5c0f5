"""What admission decisions consult besides the request: the policy and the cluster state read
from ``--cluster`` files (PriorityClasses, nodes, pods, namespaces)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from vigil.audit.inventory import Inventory
from vigil.cluster.policy import PriorityClass
from vigil.cluster.priority_classes import SYSTEM_PRIORITY_CLASSES
from vigil.posture.policy import PosturePolicy


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
        return classes + [c for c in SYSTEM_PRIORITY_CLASSES if c.name not in names]
