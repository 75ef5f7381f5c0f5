"""Observations waiting to be learned: the only thing the request path hands to learning.

A finished exchange that may be learned is appended here, in O(1) and without waiting on
anything, whoever consumes it: the gate's own learning thread (:mod:`vigil.gate.learning`) or
the learner client (:mod:`vigil.gate.sync`). The buffer is bounded: when the consumer is slow or
the learner is away, what does not fit is dropped and counted (``vigil_observations_dropped``),
never queued without end. What is held is the profiled exchange alone (its request's context and
decoded bodies are let go when the exchange is finished), weighed in bytes as well as counted. Thread-safe: appends and takes are single ``deque`` operations.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from vigil.behavior.decision import Decision

DEFAULT_BOUND = 10_000
"""Default number of observations held before new ones are dropped."""

DEFAULT_BYTE_BOUND = 64 << 20
"""Default bytes the held observations may take (64 MiB), whatever their count."""

WAKE_EVERY = 256
"""The consumer is woken each time this many observations are waiting (it also polls)."""


@dataclass(frozen=True, slots=True)
class Pending:
    """One learnable exchange: its final decision (which carries the profiled exchange) and when
    it finished, in seconds since the epoch."""

    decision: Decision
    time: float
    size: int = 0
    """About how many bytes it holds (bodies and fields), for the byte bound."""


class ObservationBuffer:
    """A bounded, thread-safe FIFO of :class:`Pending` observations with a drop counter.

    Bounded twice: in observations (``bound``) and in the bytes they hold (``byte_bound``, as
    estimated by the caller of :meth:`offer`: a request with a large body weighs more).
    """

    def __init__(
        self,
        bound: int = DEFAULT_BOUND,
        wake_every: int = WAKE_EVERY,
        byte_bound: int = DEFAULT_BYTE_BOUND,
    ) -> None:
        if bound < 1 or byte_bound < 1:
            raise ValueError("the observation buffer needs bounds of at least 1")
        self.bound = bound
        self.byte_bound = byte_bound
        self._wake_every = max(1, min(wake_every, bound))
        self._items: deque[Pending] = deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self.dropped = 0
        """Observations refused because the buffer was full."""
        self.accepted = 0
        """Observations appended since the start."""
        self.ready = threading.Event()
        """Set when a consumer should look (a batch is waiting, or someone asked)."""

    def __len__(self) -> int:
        return len(self._items)

    @property
    def held_bytes(self) -> int:
        """Bytes the buffered observations hold (as estimated when they were offered)."""
        return self._bytes

    def offer(self, decision: Decision, time: float, size: int = 0) -> bool:
        """Append one observation of about ``size`` bytes; False (counted) when full."""
        items = self._items
        with self._lock:
            if len(items) >= self.bound or self._bytes + size > self.byte_bound:
                self.dropped += 1
                return False
            self._bytes += size
            items.append(Pending(decision, time, size))
            self.accepted += 1
        if len(items) % self._wake_every == 0:
            self.ready.set()
        return True

    def take(self, limit: int | None = None) -> list[Pending]:
        """Up to ``limit`` observations (all when None), oldest first; they leave the buffer."""
        items = self._items
        with self._lock:
            count = len(items) if limit is None else min(limit, len(items))
            taken = [items.popleft() for _ in range(count)]
            self._bytes -= sum(p.size for p in taken)
        return taken

    def wake(self) -> None:
        """Ask the consumer to look now."""
        self.ready.set()
