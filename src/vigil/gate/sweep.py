"""One periodic task that enforces many deadlines, instead of one timer per wait.

The listener (idle connections, slow request heads) and the upstream pool (silent upstreams)
each keep their deadlines as plain numbers and let a sweeper check them: arming and cancelling
a loop timer for every request costs more than checking every open connection a few times a
second. The price is precision: a deadline is noticed within one period, a quarter of the
shortest timeout involved and at most a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

MAX_PERIOD = 1.0
"""Longest time between two sweeps, in seconds."""

MIN_PERIOD = 0.01
"""Shortest time between two sweeps, in seconds."""


def sweep_period(*timeouts: float) -> float:
    """The sweep period for ``timeouts``: a quarter of the shortest, within the bounds above."""
    return max(MIN_PERIOD, min(MAX_PERIOD, *(timeout / 4 for timeout in timeouts)))


async def sweep_forever(
    period: float,
    expire: Callable[[float], None],
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Call ``expire(clock())`` every ``period`` seconds until cancelled."""
    while True:
        await asyncio.sleep(period)
        expire(clock())
