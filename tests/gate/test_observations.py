"""The observation buffer: bounded, FIFO, counted drops, wake-ups in batches."""

from __future__ import annotations

import threading

import pytest

from vigil.behavior.decision import Decision, Mode, Verdict
from vigil.gate.observations import ObservationBuffer


def decision(route: str = "GET /a") -> Decision:
    return Decision(route, Mode.LEARN, (), 0, Verdict.ALLOW)


def test_fifo_and_take_limit() -> None:
    buffer = ObservationBuffer(bound=10)
    for i in range(5):
        assert buffer.offer(decision(f"GET /{i}"), float(i))
    first = buffer.take(2)
    assert [p.decision.route for p in first] == ["GET /0", "GET /1"]
    assert [p.time for p in buffer.take()] == [2.0, 3.0, 4.0]
    assert len(buffer) == 0
    assert buffer.take() == []


def test_a_full_buffer_drops_and_counts() -> None:
    buffer = ObservationBuffer(bound=3)
    results = [buffer.offer(decision(), 0.0) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert (len(buffer), buffer.dropped, buffer.accepted) == (3, 2, 3)
    buffer.take(1)
    assert buffer.offer(decision(), 0.0)


def test_the_consumer_is_woken_once_per_batch() -> None:
    buffer = ObservationBuffer(bound=100, wake_every=4)
    for _ in range(3):
        buffer.offer(decision(), 0.0)
    assert not buffer.ready.is_set()
    buffer.offer(decision(), 0.0)
    assert buffer.ready.is_set()


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ObservationBuffer(bound=0)


def test_concurrent_producers_never_exceed_the_bound_by_more_than_the_threads() -> None:
    buffer = ObservationBuffer(bound=1000)
    start = threading.Barrier(4)

    def produce() -> None:
        start.wait()
        for _ in range(2000):
            buffer.offer(decision(), 0.0)

    threads = [threading.Thread(target=produce) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1000 <= len(buffer) <= 1004
    assert buffer.accepted + buffer.dropped == 8000


def test_the_byte_bound_drops_heavy_observations() -> None:
    buffer = ObservationBuffer(bound=100, byte_bound=1000)
    assert buffer.offer(decision(), 0.0, 600)
    assert not buffer.offer(decision(), 0.0, 600)
    assert buffer.offer(decision(), 0.0, 400)
    assert (buffer.held_bytes, buffer.dropped) == (1000, 1)
    buffer.take(1)
    assert buffer.held_bytes == 400
    with pytest.raises(ValueError, match="at least 1"):
        ObservationBuffer(byte_bound=0)
