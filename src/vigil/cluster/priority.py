"""The Priority admission plugin: resolving ``priorityClassName`` into a pod's priority.

Offline manifests carry class names, not the integers the API server would have written, so the
loader runs this admission step before scheduling; the admission emulation (`vigil.admission`)
runs the same step on the pod of an AdmissionReview. As ``admitPod`` does: the class named by
``priorityClassName``, else the global default (the lowest when several), else priority 0 and
``PreemptLowerPriority``; a different value already in the spec is refused with upstream's
message. The two system classes always exist with their values, as the API server creates them
at start-up (no object of the input can replace them: validation refuses it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from vigil.cluster.pod import Pod
from vigil.cluster.policy import PREEMPT_LOWER_PRIORITY, PriorityClass
from vigil.cluster.priority_classes import SYSTEM_PRIORITY_CLASSES, default_class


class PriorityAdmissionError(ValueError):
    """The pod would be rejected by the Priority admission plugin."""


@dataclass(frozen=True, slots=True)
class PriorityResolution:
    """What the plugin sets on a pod: the class (empty when none applies), its value and
    preemption policy."""

    class_name: str
    priority: int
    preemption_policy: str

    @property
    def reason(self) -> str:
        """Where the values come from, in words."""
        if self.class_name:
            return f"PriorityClass {self.class_name}"
        return "no PriorityClass and no global default"


class PriorityResolver:
    """Resolves pods against the cluster's PriorityClasses (the first of a name, when an input
    repeats one) plus the two system classes."""

    def __init__(self, classes: Iterable[PriorityClass]) -> None:
        self.classes: dict[str, PriorityClass] = {}
        for c in classes:
            self.classes.setdefault(c.name, c)
        self.classes.update((c.name, c) for c in SYSTEM_PRIORITY_CLASSES)
        self.default: PriorityClass | None = default_class(self.classes.values())

    def lookup(self, class_name: str) -> PriorityResolution:
        """The class named (the global default when ``class_name`` is empty), or
        `PriorityAdmissionError` when no class has that name."""
        if not class_name:
            if self.default is None:
                return PriorityResolution("", 0, PREEMPT_LOWER_PRIORITY)
            pc = self.default
        else:
            found = self.classes.get(class_name)
            if found is None:
                raise PriorityAdmissionError(f"no PriorityClass with name {class_name} was found")
            pc = found
        return PriorityResolution(pc.name, pc.value, pc.preemption_policy)

    def resolve(
        self, class_name: str, priority: int | None = None, preemption_policy: str | None = None
    ) -> PriorityResolution:
        """``admitPod``'s computation for a spec with these three fields (None: unset).

        Raises `PriorityAdmissionError` with the upstream message for an unknown class or an
        explicit value that differs from the class's.
        """
        found = self.lookup(class_name)
        if priority is not None and priority != found.priority:
            raise PriorityAdmissionError(
                f"the integer value of priority ({priority}) must not be provided in pod "
                f"spec; priority admission controller computed {found.priority} from the given "
                "PriorityClass name"
            )
        if preemption_policy is not None and preemption_policy != found.preemption_policy:
            raise PriorityAdmissionError(
                f"the string value of PreemptionPolicy ({preemption_policy}) must not be "
                "provided in pod spec; priority admission controller computed "
                f"{found.preemption_policy} from the given PriorityClass name"
            )
        return found

    def admit(self, pod: Pod) -> Pod:
        """The pod with ``priorityClassName``, ``priority`` and ``preemptionPolicy`` filled in;
        raises `PriorityAdmissionError` as `resolve` does."""
        spec = pod.spec
        found = self.resolve(spec.priority_class_name, spec.priority, spec.preemption_policy)
        new_spec = replace(
            spec,
            priority_class_name=found.class_name,
            priority=found.priority,
            preemption_policy=found.preemption_policy,
        )
        return replace(pod, spec=new_spec)
