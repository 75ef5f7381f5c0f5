"""How preemption ranks pods: ``util.MoreImportantPod`` and the pod start-time helpers.

A pod is more important when its priority is higher, or, at equal priority, when it started
earlier. Upstream reads a missing ``status.startTime`` as "now" (``GetPodStartTime``); vigil
has no clock in its core, so a missing start time is later than every recorded one and equal to
other missing ones, which is what "now" amounts to within one cycle.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from vigil.cluster.pod import Pod

NOW = math.inf
"""The start time of a pod that has not started (later than any recorded start)."""


def timestamp(value: datetime | None) -> float:
    """Seconds since the epoch; naive datetimes are read as UTC; None is `NOW`."""
    if value is None:
        return NOW
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def pod_start_time(pod: Pod) -> float:
    """``GetPodStartTime``: ``status.startTime``, or `NOW` when the pod has not started."""
    return timestamp(pod.status.start_time)


def importance_key(pod: Pod) -> tuple[int, float]:
    """Sort key putting more important pods first (``MoreImportantPod`` as a key)."""
    return (-pod.priority, pod_start_time(pod))


def more_important_pod(a: Pod, b: Pod) -> bool:
    """``MoreImportantPod``: higher priority, or equal priority and an earlier start."""
    if a.priority != b.priority:
        return a.priority > b.priority
    return pod_start_time(a) < pod_start_time(b)


def by_importance(pods: Iterable[Pod]) -> list[Pod]:
    """The pods, most important first (stable for equal keys)."""
    return sorted(pods, key=importance_key)


def earliest_start_of_highest_priority(pods: Sequence[Pod]) -> float | None:
    """``GetEarliestPodStartTime``: the earliest start among the highest-priority pods."""
    if not pods:
        return None
    top = max(p.priority for p in pods)
    return min(pod_start_time(p) for p in pods if p.priority == top)
