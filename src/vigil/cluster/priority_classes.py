"""PriorityClass rules of the API server, with its exact messages.

Validation (``pkg/apis/scheduling/validation``): names with the ``system-`` prefix are reserved
for the two system classes with their exact values; user values are at most 1,000,000,000;
``value`` and ``preemptionPolicy`` cannot change on update. Admission (the Priority plugin):
only one class may be ``globalDefault``; when several exist anyway, the lowest value wins.
The loader (which refuses an invalid class), the auditor (which reports it) and the admission
emulation (which answers 422) all call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vigil.cluster.meta import ObjectMeta
from vigil.cluster.policy import PREEMPT_LOWER_PRIORITY, PREEMPT_NEVER, PriorityClass

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
SYSTEM_PREFIX = "system-"
SYSTEM_CLUSTER_CRITICAL = "system-cluster-critical"
SYSTEM_NODE_CRITICAL = "system-node-critical"
SYSTEM_CLASSES = {SYSTEM_CLUSTER_CRITICAL: 2_000_000_000, SYSTEM_NODE_CRITICAL: 2_000_001_000}
"""The classes the API server creates at start-up, by name, with their values."""
SYSTEM_PRIORITY_CLASSES: tuple[PriorityClass, ...] = tuple(
    PriorityClass(ObjectMeta(name), value) for name, value in SYSTEM_CLASSES.items()
)
PREEMPTION_POLICIES = (PREEMPT_NEVER, PREEMPT_LOWER_PRIORITY)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """A ``field.Error``: path, type (``Forbidden``, ``Invalid value``...) and detail."""

    path: str
    type: str
    detail: str
    value: str | None = None
    """The bad value, already formatted as upstream prints it (``"Never"``), if shown."""

    def __str__(self) -> str:
        body = self.type if self.value is None else f"{self.type}: {self.value}"
        return f"{self.path}: {body}: {self.detail}" if self.detail else f"{self.path}: {body}"


def _known_system_class(name: str, value: int, global_default: bool) -> str | None:
    expected = SYSTEM_CLASSES.get(name)
    if expected is None:
        return f"{name} is not a known system priority class"
    if value != expected:
        return f"value of {name} PriorityClass must be {expected}"
    if global_default:
        return f"globalDefault of {name} PriorityClass must be false"
    return None


def validate_priority_class(pc: PriorityClass) -> list[FieldProblem]:
    """``ValidatePriorityClass`` (object metadata aside)."""
    problems: list[FieldProblem] = []
    if pc.name.startswith(SYSTEM_PREFIX):
        error = _known_system_class(pc.name, pc.value, pc.global_default)
        if error is not None:
            problems.append(
                FieldProblem(
                    "metadata.name",
                    "Forbidden",
                    "priority class names with 'system-' prefix are reserved for system use "
                    f"only. error: {error}",
                )
            )
    elif pc.value > HIGHEST_USER_DEFINABLE_PRIORITY:
        problems.append(
            FieldProblem(
                "value",
                "Forbidden",
                "maximum allowed value of a user defined priority is "
                f"{HIGHEST_USER_DEFINABLE_PRIORITY}",
            )
        )
    if pc.preemption_policy not in PREEMPTION_POLICIES:
        supported = ", ".join(f'"{p}"' for p in PREEMPTION_POLICIES)
        problems.append(
            FieldProblem(
                "preemptionPolicy",
                "Unsupported value",
                f"supported values: {supported}",
                f'"{pc.preemption_policy}"',
            )
        )
    return problems


def validate_priority_class_update(new: PriorityClass, old: PriorityClass) -> list[FieldProblem]:
    """``ValidatePriorityClassUpdate``: value and preemptionPolicy are immutable."""
    problems: list[FieldProblem] = []
    if new.value != old.value:
        problems.append(FieldProblem("value", "Forbidden", "may not be changed in an update."))
    if new.preemption_policy != old.preemption_policy:
        problems.append(
            FieldProblem(
                "preemptionPolicy",
                "Invalid value",
                "field is immutable",
                f'"{new.preemption_policy}"',
            )
        )
    return problems


def aggregate(problems: Iterable[FieldProblem]) -> str:
    """``ErrorList.ToAggregate().Error()``: one error as is, several as ``[a, b]``."""
    texts = [str(p) for p in problems]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


def default_class(classes: Iterable[PriorityClass]) -> PriorityClass | None:
    """``getDefaultPriorityClass``: the globalDefault class, the lowest value if several."""
    defaults = [c for c in classes if c.global_default]
    return min(defaults, key=lambda c: c.value) if defaults else None
