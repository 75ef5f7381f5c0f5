"""What every check may consult: the policy, the inventory, risk profiles and priorities.

Profiles and priority lookups are computed on first use and kept, so a check that looks at every
workload twice does not assess any of them twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vigil.audit.inventory import Inventory, PodHolder
from vigil.cluster.policy import PriorityClass
from vigil.cluster.priority import PriorityAdmissionError, PriorityResolver
from vigil.posture.alerts import AlertCounts
from vigil.posture.exposure import ExposureIndex
from vigil.posture.policy import PosturePolicy
from vigil.posture.risk import RiskContext, RiskProfile, assess


@dataclass(frozen=True, slots=True)
class Priority:
    """The PriorityClass a pod would get at admission, and its value when it is known."""

    class_name: str
    value: int | None
    """None when the class is not in the input (nor a system class)."""


@dataclass(slots=True)
class AuditContext:
    """Shared, memoized facts for one audit run."""

    policy: PosturePolicy
    inventory: Inventory
    risk: RiskContext
    today: date
    _profiles: dict[int, RiskProfile] = field(default_factory=dict)
    _protected: dict[int, bool] = field(default_factory=dict)
    _resolver: PriorityResolver | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    """Per-run caches of checks, by a key the check owns."""

    @staticmethod
    def build(
        inventory: Inventory,
        policy: PosturePolicy,
        today: date,
        alerts: AlertCounts | None = None,
    ) -> AuditContext:
        """A context over ``inventory``."""
        risk = RiskContext(
            policy,
            ExposureIndex(
                (e.obj for e in inventory.services), (e.obj for e in inventory.ingresses)
            ),
            inventory.namespace_labels(),
            alerts,
        )
        return AuditContext(policy, inventory, risk, today)

    def profile(self, holder: PodHolder) -> RiskProfile:
        """The holder's risk profile and tier."""
        found = self._profiles.get(id(holder))
        if found is None:
            found = assess(holder.namespace, holder.pod_labels, holder.spec, self.risk, holder.key)
            self._profiles[id(holder)] = found
        return found

    def exempt(self, holder: PodHolder) -> bool:
        """Whether the holder's namespace is exempt (trusted infrastructure)."""
        return holder.namespace in self.policy.exempt_namespaces

    def protected(self, holder: PodHolder) -> bool:
        """Whether the holder's tier is an asset to protect (``protected: true``)."""
        found = self._protected.get(id(holder))
        if found is None:
            tier = self.policy.tier(self.profile(holder).tier)
            found = self._protected[id(holder)] = tier is not None and tier.protected
        return found

    def component(self, holder: PodHolder) -> bool:
        """Whether the holder is a cluster component the policy lists (autoscaler, vigil)."""
        for c in self.policy.priority.components:
            if c.namespace and c.namespace != holder.namespace:
                continue
            if c.name_prefix and not holder.ref.name.startswith(c.name_prefix):
                continue
            return True
        return False

    def classes(self) -> list[PriorityClass]:
        """The PriorityClasses of the input."""
        return [e.obj for e in self.inventory.priority_classes]

    def priority(self, holder: PodHolder) -> Priority:
        """The class the Priority admission plugin would resolve (`PriorityResolver`), and its
        value; a class the input does not hold has no known value (not an error here)."""
        if self._resolver is None:
            self._resolver = PriorityResolver(self.classes())
        name = holder.spec.priority_class_name
        try:
            found = self._resolver.lookup(name)
        except PriorityAdmissionError:
            return Priority(name, None)
        return Priority(found.class_name, found.priority)
