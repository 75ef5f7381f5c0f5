"""PodDisruptionBudgets and PriorityClasses: the objects that rank and protect pods."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from vigil.cluster.meta import HasMetadata, ObjectMeta
from vigil.cluster.pod import Pod
from vigil.cluster.selectors import LabelSelector, Selector

IntOrPercent = int | str

PREEMPT_LOWER_PRIORITY = "PreemptLowerPriority"
PREEMPT_NEVER = "Never"


def is_percent(value: str) -> bool:
    """``IsValidPercent``: ``[0-9]+%``."""
    digits = value[:-1]
    return value.endswith("%") and digits.isascii() and digits.isdigit()


def scaled_value(value: IntOrPercent, total: int, *, round_up: bool) -> int:
    """``GetScaledValueFromIntOrPercent``: an int as is, or ``pct`` of ``total``.

    Percent strings must look like ``"30%"`` (ASCII digits, as ``strconv.Atoi`` reads them);
    anything else raises ValueError.
    """
    if isinstance(value, int):
        return value
    if not is_percent(value):
        raise ValueError(
            f'invalid value for IntOrString: invalid type: string is not a percentage: "{value}"'
        )
    pct = int(value[:-1])
    scaled = pct * total
    return math.ceil(scaled / 100) if round_up else scaled // 100


@dataclass(frozen=True, slots=True)
class PodDisruptionBudgetStatus:
    """``status`` of a PDB as last computed by the disruption controller."""

    disruptions_allowed: int = 0
    current_healthy: int = 0
    desired_healthy: int = 0
    expected_pods: int = 0
    observed_generation: int = 0
    disrupted_pods: Mapping[str, datetime | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PodDisruptionBudget(HasMetadata):
    """A policy/v1 PDB; ``selector`` None is a null selector (selects no pod)."""

    metadata: ObjectMeta
    selector: LabelSelector | None = None
    min_available: IntOrPercent | None = None
    max_unavailable: IntOrPercent | None = None
    unhealthy_pod_eviction_policy: str | None = None
    status: PodDisruptionBudgetStatus | None = None

    kind = "PodDisruptionBudget"

    def selects(self, pod: Pod) -> bool:
        """The disruption controller's selection: same namespace, and the selector matches
        (policy/v1: ``{}`` selects every pod of the namespace, a null selector none)."""
        return self.selects_labels(pod.namespace, pod.labels)

    def selects_labels(self, namespace: str, labels: Mapping[str, str]) -> bool:
        """`selects` for the pods a template would create (their namespace and labels)."""
        return namespace == self.metadata.namespace and self.selection().matches(labels)

    def selection(self) -> Selector:
        """The selector as the disruption controller applies it within the PDB's namespace
        (built once by callers that match many label sets)."""
        return Selector.from_label_selector(self.selector)

    def guards(self, pod: Pod) -> bool:
        """Whether the PDB guards the pod against eviction and preemption: as `selects`, but
        a null or empty selector guards nothing ("should match nothing, not everything",
        ``eviction.go``)."""
        if pod.namespace != self.metadata.namespace:
            return False
        selector = Selector.from_label_selector(self.selector)
        return not selector.is_empty() and selector.matches(pod.labels)


@dataclass(frozen=True, slots=True)
class PriorityClass(HasMetadata):
    """A scheduling.k8s.io/v1 PriorityClass."""

    metadata: ObjectMeta
    value: int
    global_default: bool = False
    preemption_policy: str = PREEMPT_LOWER_PRIORITY
    description: str = ""

    kind = "PriorityClass"
