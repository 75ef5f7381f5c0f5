"""The local learning thread: observations added off the caller's thread, cadence, idle exit."""

from __future__ import annotations

import threading

from tests.gate.conftest import LearningThreads, usernames
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import Policy
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
