"""Observations waiting to be learned: the only thing the request path hands to learning.

A finished exchange that may be learned is appended here, in O(1) and without waiting on
anything, whoever consumes it: the gate's own learning thread (:mod:`vigil.gate.learning`) or
the learner client (:mod:`vigil.gate.sync`). The buffer is bounded: when the consumer is slow or
the learner is away, what does not fit is dropped and counted (``vigil_observations_dropped``),
never queued without end. Thread-safe: appends and takes are single ``deque`` operations.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from vigil.behavior.decision import Decision

DEFAULT_BOUND = 10_000
"""Default number of observations held before new ones are dropped."""

WAKE_EVERY = 256
"""The consumer is woken each time this many observations are waiting (it also polls)."""


@dataclass(frozen=True, slots=True)
class Pending:
    """One learnable exchange: its final decision (which carries the profiled exchange) and when
    it finished, in seconds since the epoch."""

    decision: Decision
    time: float


class ObservationBuffer:
    """A bounded, thread-safe FIFO of :class:`Pending` observations with a drop counter."""

    def __init__(self, bound: int = DEFAULT_BOUND, wake_every: int = WAKE_EVERY) -> None:
        if bound < 1:
            raise ValueError("the observation buffer needs a bound of at least 1")
        self.bound = bound
        self._wake_every = max(1, min(wake_every, bound))
        self._items: deque[Pending] = deque()
        self.dropped = 0
        """Observations refused because the buffer was full."""
        self.accepted = 0
        """Observations appended since the start."""
        self.ready = threading.Event()
        """Set when a consumer should look (a batch is waiting, or someone asked)."""

    def __len__(self) -> int:
        return len(self._items)

    def offer(self, decision: Decision, time: float) -> bool:
        """Append one observation; False (and counted) when the buffer is full."""
        items = self._items
        if len(items) >= self.bound:
            self.dropped += 1
            return False
        items.append(Pending(decision, time))
        self.accepted += 1
        if len(items) % self._wake_every == 0:
            self.ready.set()
        return True

    def take(self, limit: int | None = None) -> list[Pending]:
        """Up to ``limit`` observations (all when None), oldest first; they leave the buffer."""
        items = self._items
        count = len(items) if limit is None else min(limit, len(items))
        taken: list[Pending] = []
        for _ in range(count):
            try:
                taken.append(items.popleft())
            except IndexError:
                break
        return taken

    def wake(self) -> None:
        """Ask the consumer to look now."""
        self.ready.set()
