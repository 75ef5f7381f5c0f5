"""MoreImportantPod and the start-time helpers."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.scheduling.builders import make_pod
from tests.scheduling.preemption.helpers import T0, started
from vigil.scheduling.preemption.importance import (
    NOW,
    by_importance,
    earliest_start_of_highest_priority,
    more_important_pod,
    pod_start_time,
    timestamp,
)


def pod(name: str, priority: int, start: int | None = None):  # type: ignore[no-untyped-def]
    p = make_pod(name).priority(priority).obj()
    return p if start is None else started(p, start)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (pod("a", 2), pod("b", 1), True),
        (pod("a", 1), pod("b", 2), False),
        (pod("a", 1, 0), pod("b", 1, 5), True),
        (pod("a", 1, 5), pod("b", 1, 0), False),
        (pod("a", 1, 5), pod("b", 1), True),
        (pod("a", 1), pod("b", 1), False),
        (pod("a", -1, 0), pod("b", 0), False),
    ],
)
def test_more_important_pod(a, b, expected) -> None:  # type: ignore[no-untyped-def]
    assert more_important_pod(a, b) is expected


def test_by_importance_orders_priority_then_start() -> None:
    pods = [pod("late", 1, 9), pod("none", 1), pod("high", 5, 50), pod("early", 1, 1)]
    assert [p.name for p in by_importance(pods)] == ["high", "early", "late", "none"]


def test_missing_start_time_is_now_and_naive_is_utc() -> None:
    assert pod_start_time(pod("x", 0)) == NOW
    assert timestamp(datetime(2026, 1, 1, 10, 0)) == T0.timestamp()


def test_earliest_start_of_highest_priority_ignores_lower_priorities() -> None:
    pods = [pod("a", 5, 30), pod("b", 5, 10), pod("c", 1, 0)]
    assert (
        earliest_start_of_highest_priority(pods)
        == started(pod("x", 0), 10).status.start_time.timestamp()
    )  # type: ignore[union-attr]
    assert earliest_start_of_highest_priority([]) is None
