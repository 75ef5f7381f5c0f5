"""The sweep period and the sweeping task."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from vigil.gate.sweep import MAX_PERIOD, MIN_PERIOD, sweep_forever, sweep_period


@pytest.mark.parametrize(
    ("timeouts", "period"),
    [
        ((75.0, 10.0), MAX_PERIOD),
        ((2.0, 30.0), 0.5),
        ((0.0001,), MIN_PERIOD),
    ],
)
def test_sweep_period(timeouts: tuple[float, ...], period: float) -> None:
    assert sweep_period(*timeouts) == period


async def test_sweep_forever_calls_expire_with_a_growing_clock() -> None:
    seen: list[float] = []
    task = asyncio.create_task(sweep_forever(0.01, seen.append))
    await asyncio.sleep(0.1)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert len(seen) >= 3
    assert seen == sorted(seen)
