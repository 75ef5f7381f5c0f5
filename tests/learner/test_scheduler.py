"""The learning scheduler: what is due and when, with an injected clock."""

from __future__ import annotations

from vigil.learner.config import LearnCadence
from vigil.learner.scheduler import LearningScheduler


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(
    **cadence: float,
) -> tuple[LearningScheduler, list[tuple[str, bool]], dict[str, int], Clock]:
    runs: list[tuple[str, bool]] = []
    pending: dict[str, int] = {}
    clock = Clock()

    async def run(service: str, relearn: bool) -> None:
        runs.append((service, relearn))
        if relearn:
            pending[service] = 0

    scheduler = LearningScheduler(
        LearnCadence(**cadence),  # type: ignore[arg-type]
        run,
        lambda s: pending.get(s, 0),
        clock=clock,
    )
    return scheduler, runs, pending, clock


async def test_new_observations_wait_for_the_cadence() -> None:
    scheduler, runs, pending, clock = make(seconds=30, observations=1000)
    pending["users"] = 10
    scheduler.stored("users")
    assert await scheduler.run_due() == 0
    clock.now += 30
    assert scheduler.due() == [("users", True)]
    assert await scheduler.run_due() == 1
    assert runs == [("users", True)]
    clock.now += 60
    assert await scheduler.run_due() == 0


async def test_volume_makes_a_service_due_at_once() -> None:
    scheduler, runs, pending, _ = make(seconds=3600, observations=1000)
    pending["users"] = 1000
    scheduler.stored("users")
    await scheduler.run_due()
    assert runs == [("users", True)]


async def test_a_decision_recomposes_without_relearning() -> None:
    scheduler, runs, _, _ = make(seconds=3600)
    scheduler.decided("users")
    await scheduler.run_due()
    assert runs == [("users", False)]
    await scheduler.run_due()
    assert runs == [("users", False)]


async def test_asking_runs_now_and_the_oldest_run_goes_first() -> None:
    scheduler, runs, pending, clock = make(seconds=30, observations=10**6)
    pending.update(orders=5, users=5)
    scheduler.stored("orders")
    clock.now += 1
    scheduler.stored("users")
    clock.now += 40
    assert scheduler.learn_now("billing")
    assert [s for s, _ in scheduler.due()] == ["orders", "users", "billing"]
    await scheduler.run_due()
    assert runs == [("orders", True), ("users", True), ("billing", True)]


async def test_what_is_left_after_a_run_keeps_the_service_due() -> None:
    scheduler, runs, pending, _ = make(seconds=30, observations=10)

    async def partial(service: str, relearn: bool) -> None:
        runs.append((service, relearn))
        pending[service] -= 10

    scheduler._run = partial
    pending["users"] = 25
    scheduler.stored("users")
    await scheduler.run_due()
    assert pending["users"] == 15
    assert scheduler.due() == [("users", True)]
