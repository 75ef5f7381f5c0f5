"""The local learning thread: observations added off the caller's thread, cadence, idle exit."""

from __future__ import annotations

import threading

import pytest

from tests.gate.conftest import LearningThreads, usernames
from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import Policy
from vigil.behavior.promotion import Promotion, PromotionSettings
from vigil.gate.learning import LearnEvery, LearningThread
from vigil.gate.observations import ObservationBuffer
from vigil.http.model import Request


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def observe(engine: Engine, buffer: ObservationBuffer, names: list[str]) -> None:
    for name in names:
        decision = engine.inspect_request(
            Request("GET", "/users", f"username={name}", [("host", "svc")])
        )
        buffer.offer(decision, 0.0)


def make(
    every: LearnEvery, *, idle: float = 5.0
) -> tuple[LearningThread, Engine, ObservationBuffer, list[Policy], Clock]:
    engine = Engine(settings=LearnSettings(min_clients=1, min_windows=1))
    buffer = ObservationBuffer(bound=1000, wake_every=10)
    learned: list[Policy] = []
    clock = Clock()
    thread = LearningThread(
        engine, buffer, every, on_learned=learned.append, clock=clock, poll=0.05, idle=idle
    )
    return thread, engine, buffer, learned, clock


def test_flush_adds_and_learns_in_the_callers_thread() -> None:
    learning, engine, buffer, learned, _ = make(LearnEvery(requests=5, seconds=None))
    observe(engine, buffer, usernames(4))
    assert learning.flush() is None
    assert learning.observed == 4
    observe(engine, buffer, usernames(1, seed=2))
    policy = learning.flush()
    assert policy is not None
    assert learned == [policy]
    assert "GET /users" in engine.policy.routes
    assert learning.observed == 0


def test_seconds_cadence_uses_the_injected_clock() -> None:
    learning, engine, buffer, learned, clock = make(LearnEvery(requests=None, seconds=60))
    observe(engine, buffer, ["alice"])
    assert learning.flush() is None
    clock.now += 60
    assert learning.flush() is not None
    assert len(learned) == 1
    clock.now += 120
    assert learning.flush() is None


def test_the_thread_adds_and_learns_and_then_retires() -> None:
    learning, engine, buffer, learned, _ = make(LearnEvery(requests=10, seconds=None), idle=0.1)
    threads = LearningThreads(engine)
    observe(engine, buffer, usernames(10))
    learning.ensure_running()
    assert threads.learned.wait(10)
    assert set(threads.observed_on) == {"vigil-learning"}
    assert threads.learned_on == ["vigil-learning"]
    assert len(learned) == 1
    running = learning._thread
    assert running is not None
    running.join(10)
    assert not running.is_alive()
    assert learning._thread is None
    observe(engine, buffer, usernames(10, seed=3))
    learning.ensure_running()
    assert learning._thread is not None
    learning.stop()


def test_request_run_learns_whatever_the_cadence() -> None:
    learning, engine, buffer, _, _ = make(LearnEvery(requests=None, seconds=None))
    observe(engine, buffer, ["alice"])
    learning.drain()
    assert not learning.due()
    learning.request_run()
    assert learning.due()
    learning.stop()
    assert learning.flush() is not None
    assert not learning.due()


def test_learn_now_drains_first() -> None:
    learning, engine, buffer, _, _ = make(LearnEvery(requests=None, seconds=None))
    observe(engine, buffer, usernames(30))
    policy = learning.learn_now()
    assert policy.routes["GET /users"].samples == 30
    assert len(buffer) == 0


def test_stop_leaves_what_is_buffered_for_drain() -> None:
    learning, engine, buffer, _, _ = make(LearnEvery(requests=None, seconds=None))
    learning.stop()
    observe(engine, buffer, usernames(3))
    learning.ensure_running()
    assert learning._thread is None
    assert len(buffer) == 3
    assert learning.drain() == 3


def test_concurrent_flushes_learn_once_per_due_run() -> None:
    learning, engine, buffer, learned, _ = make(LearnEvery(requests=50, seconds=None))
    observe(engine, buffer, usernames(50))
    gate = threading.Barrier(4)

    def flush() -> None:
        gate.wait()
        learning.flush()

    threads = [threading.Thread(target=flush) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(learned) == 1


def promoting(
    settings: PromotionSettings, would_block: dict[str, float] | None = None
) -> tuple[LearningThread, Engine, ObservationBuffer, list[list[Promotion]], Clock]:
    engine = Engine(settings=LearnSettings(min_clients=1, min_windows=1))
    buffer = ObservationBuffer(bound=1000, wake_every=10)
    promoted: list[list[Promotion]] = []
    wall = Clock()
    wall.now = 1_000_000.0
    thread = LearningThread(
        engine,
        buffer,
        LearnEvery(requests=1, seconds=None),
        on_learned=lambda policy: None,
        promotion=settings,
        would_block=lambda: would_block or {},
        on_promoted=promoted.append,
        wall_clock=wall,
    )
    return thread, engine, buffer, promoted, wall


def test_a_route_learned_locally_is_promoted_once_quiet_long_enough() -> None:
    settings = PromotionSettings(detect_samples=5, detect_quiet_hours=2.0)
    learning, engine, buffer, promoted, wall = promoting(settings)
    observe(engine, buffer, ["alice", "bob", "carol", "dave", "erin", "frank"])
    learning.flush()
    assert engine.policy.mode_of("GET /users") is Mode.LEARN
    wall.now += 3 * 3600
    observe(engine, buffer, ["alice", "bob"])
    learning.flush()
    assert [(p.route, p.before, p.after) for p in promoted[0]] == [
        ("GET /users", Mode.LEARN, Mode.DETECT)
    ]
    assert engine.policy.mode_of("GET /users") is Mode.DETECT
    assert engine.policy.routes["GET /users"].mode_since == wall.now


PROMOTION_CASES = [
    ("too few samples", PromotionSettings(detect_samples=500, detect_quiet_hours=0.0), None),
    ("not quiet long enough", PromotionSettings(detect_samples=1, detect_quiet_hours=48.0), None),
    ("detect promotion off", PromotionSettings(detect=False, detect_quiet_hours=0.0), None),
]


@pytest.mark.parametrize(("case", "settings", "_"), PROMOTION_CASES)
def test_a_route_stays_in_learn_mode(case: str, settings: PromotionSettings, _: None) -> None:
    learning, engine, buffer, promoted, wall = promoting(settings)
    observe(engine, buffer, usernames(8))
    learning.flush()
    wall.now += 3600
    observe(engine, buffer, usernames(2))
    learning.flush()
    assert promoted == [], case
    assert engine.policy.mode_of("GET /users") is Mode.LEARN


def test_enforce_waits_for_a_quiet_period_after_the_last_would_be_block() -> None:
    settings = PromotionSettings(
        detect_samples=1,
        detect_quiet_hours=0.0,
        enforce=True,
        enforce_samples=1,
        enforce_quiet_hours=1.0,
    )
    blocks: dict[str, float] = {}
    learning, engine, buffer, promoted, wall = promoting(settings, blocks)
    observe(engine, buffer, usernames(4))
    learning.flush()
    assert engine.policy.mode_of("GET /users") is Mode.DETECT
    wall.now += 2 * 3600
    blocks["GET /users"] = wall.now - 600
    observe(engine, buffer, usernames(2))
    learning.flush()
    assert engine.policy.mode_of("GET /users") is Mode.DETECT
    wall.now += 3600
    observe(engine, buffer, usernames(2))
    learning.flush()
    assert engine.policy.mode_of("GET /users") is Mode.ENFORCE
    assert [p.after for batch in promoted for p in batch] == [Mode.DETECT, Mode.ENFORCE]
