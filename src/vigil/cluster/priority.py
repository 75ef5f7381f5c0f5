"""The Priority admission plugin: resolving ``priorityClassName`` into a pod's priority.

Offline manifests carry class names, not the integers the API server would have written, so the
loader runs this admission step before scheduling, with the same rules and error messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from vigil.cluster.meta import ObjectMeta
from vigil.cluster.pod import Pod
from vigil.cluster.policy import PREEMPT_LOWER_PRIORITY, PriorityClass

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_CLUSTER_CRITICAL = "system-cluster-critical"
SYSTEM_NODE_CRITICAL = "system-node-critical"

SYSTEM_PRIORITY_CLASSES: tuple[PriorityClass, ...] = (
    PriorityClass(ObjectMeta(SYSTEM_CLUSTER_CRITICAL), 2_000_000_000),
    PriorityClass(ObjectMeta(SYSTEM_NODE_CRITICAL), 2_000_001_000),
)


class PriorityAdmissionError(ValueError):
    """The pod would be rejected by the Priority admission plugin."""


class PriorityResolver:
    """Resolves pods against the cluster's PriorityClasses plus the two system classes."""

    def __init__(self, classes: Iterable[PriorityClass]) -> None:
        self.classes: dict[str, PriorityClass] = {c.name: c for c in SYSTEM_PRIORITY_CLASSES}
        for c in classes:
            self.classes[c.name] = c
        defaults = [c for c in self.classes.values() if c.global_default]
        self.default: PriorityClass | None = (
            min(defaults, key=lambda c: c.value) if defaults else None
        )

    def admit(self, pod: Pod) -> Pod:
        """The pod with ``priorityClassName``, ``priority`` and ``preemptionPolicy`` filled in.

        Raises `PriorityAdmissionError` with the upstream message for an unknown class or a
        conflicting explicit value.
        """
        spec = pod.spec
        name = spec.priority_class_name
        if not name:
            if self.default is None:
                priority, policy = 0, PREEMPT_LOWER_PRIORITY
            else:
                name = self.default.name
                priority, policy = self.default.value, self.default.preemption_policy
        else:
            pc = self.classes.get(name)
            if pc is None:
                raise PriorityAdmissionError(f"no PriorityClass with name {name} was found")
            priority, policy = pc.value, pc.preemption_policy
        if spec.priority is not None and spec.priority != priority:
            raise PriorityAdmissionError(
                f"the integer value of priority ({spec.priority}) must not be provided in pod "
                f"spec; priority admission controller computed {priority} from the given "
                "PriorityClass name"
            )
        if spec.preemption_policy is not None and spec.preemption_policy != policy:
            raise PriorityAdmissionError(
                f"the string value of PreemptionPolicy ({spec.preemption_policy}) must not be "
                f"provided in pod spec; priority admission controller computed {policy} from the "
                "given PriorityClass name"
            )
        new_spec = replace(
            spec, priority_class_name=name, priority=priority, preemption_policy=policy
        )
        return replace(pod, spec=new_spec)


def validate_priority_class(pc: PriorityClass) -> str | None:
    """The validation error the API server would return for this class, or None."""
    if pc.name.startswith("system-"):
        known = {c.name: c.value for c in SYSTEM_PRIORITY_CLASSES}
        if pc.name not in known or known[pc.name] != pc.value or pc.global_default:
            return (
                "priority class names with 'system-' prefix are reserved for system use only. "
                f"error: {pc.name} is not a known system priority class"
            )
        return None
    if pc.value > HIGHEST_USER_DEFINABLE_PRIORITY:
        return (
            f"maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"
        )
    return None
