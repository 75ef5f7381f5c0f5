"""Writes of one event-loop iteration, sent together at its end.

Measured on this project's 2-core machines: each ``send`` on loopback wakes the receiving
process (the client, or the upstream), and when that process sleeps the wake-up costs the
sender a cross-CPU interrupt, about as much time as the send itself. Writing the answers and
upstream requests produced by one iteration back to back wakes each receiver once per burst
instead of once per message: the gate forwarded about 12,200 req/s with immediate writes and
about 16,300 with batched ones, with the same inspection. A write waits at most until the callbacks
already scheduled in this iteration have run; an idle gate writes at once (the batch holds one
message).

Bound: the batch holds at most one message per connection with a complete answer or request
ready in this iteration, and is emptied every iteration. Streamed bodies are not batched: a
streaming writer calls :meth:`WriteBatch.flush` first, so bytes of one connection never
overtake each other.
"""

from __future__ import annotations

import asyncio


class WriteBatch:
    """Collects ``(transport, bytes)`` and writes them all in one callback of the loop."""

    __slots__ = ("_loop", "_pending")

    def __init__(self) -> None:
        self._pending: list[tuple[asyncio.Transport, bytes]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def write(self, transport: asyncio.Transport, data: bytes) -> None:
        """Send ``data`` on ``transport`` at the end of this iteration."""
        if not self._pending:
            loop = self._loop
            if loop is None or loop.is_closed():
                loop = self._loop = asyncio.get_running_loop()
            loop.call_soon(self.flush)
        self._pending.append((transport, data))

    def flush(self) -> None:
        """Send everything collected, in order; transports closed meanwhile are skipped."""
        pending, self._pending = self._pending, []
        for transport, data in pending:
            if not transport.is_closing():
                transport.write(data)

    def __len__(self) -> int:
        return len(self._pending)
