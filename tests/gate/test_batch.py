"""Writes batched per loop iteration: deferred, in order, never to a closing transport."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from vigil.gate.batch import WriteBatch


class Recorder:
    def __init__(self, log: list[tuple[str, bytes]], name: str) -> None:
        self.log = log
        self.name = name
        self.closing = False

    def write(self, data: bytes) -> None:
        self.log.append((self.name, data))

    def is_closing(self) -> bool:
        return self.closing


def transports(*names: str) -> tuple[list[tuple[str, bytes]], list[Any]]:
    log: list[tuple[str, bytes]] = []
    return log, [cast("Any", Recorder(log, name)) for name in names]


async def test_writes_wait_for_the_end_of_the_iteration_and_keep_order() -> None:
    log, (a, b) = transports("a", "b")
    batch = WriteBatch()
    batch.write(a, b"1")
    batch.write(b, b"2")
    batch.write(a, b"3")
    assert log == []
    assert len(batch) == 3
    await asyncio.sleep(0)
    assert log == [("a", b"1"), ("b", b"2"), ("a", b"3")]
    assert len(batch) == 0


async def test_flush_sends_at_once_and_the_scheduled_flush_finds_nothing() -> None:
    log, (a,) = transports("a")
    batch = WriteBatch()
    batch.write(a, b"1")
    batch.flush()
    assert log == [("a", b"1")]
    await asyncio.sleep(0)
    assert log == [("a", b"1")]


async def test_closing_transports_are_skipped() -> None:
    log, (a, b) = transports("a", "b")
    batch = WriteBatch()
    batch.write(a, b"1")
    batch.write(b, b"2")
    a.closing = True
    await asyncio.sleep(0)
    assert log == [("b", b"2")]


async def test_writes_of_a_later_iteration_form_a_new_batch() -> None:
    log, (a,) = transports("a")
    batch = WriteBatch()
    batch.write(a, b"1")
    await asyncio.sleep(0)
    batch.write(a, b"2")
    assert log == [("a", b"1")]
    await asyncio.sleep(0)
    assert log == [("a", b"1"), ("a", b"2")]
