"""The gate's HTTP/1.1 listener: accepts connections, bounds them, shuts down gracefully.

Each accepted socket is an :class:`~vigil.gate.connection.HttpConnection`, an asyncio
protocol around httptools (llhttp); this module owns what they share: the handler, the error
answers, the bounds, the write batch, the deadline sweeper and the in-flight count.

Why not aiohttp's server: measured on this project's 2-core machines, aiohttp's server with the
gate's upstream pool forwards about 10,900 requests/s with no inspection at all, while this
protocol forwards about 30,000; the difference is the per-request machinery (multidicts, a
request and a response object, a payload stream) that a reverse proxy does not need, and it
decides whether the gate reaches 15% of nginx's throughput. HTTP syntax stays llhttp's, the
strict parser of Node.js and aiohttp: nothing here parses a request line or a header by hand.

Every resource is bounded (defaults in :class:`ServerLimits`, documented in docs/gate.md): the
request line, each header field, the number of headers and the whole head; the time to start the
first request, to send a head, and the idle time of a keep-alive connection; the rate of a
request body and the time a client may leave its answer unread; request-body bytes buffered
before reading pauses; pipelined requests queued before reading pauses; connections and request
slots, in all and per client (:mod:`vigil.gate.admission`). Requests of one connection are
handled one at a time, in order, so pipelined answers can never be interleaved. What is refused
for availability is counted by reason (:class:`~vigil.gate.refusals.Refusals`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from vigil.gate.admission import Admission, AdmissionLimits
from vigil.gate.batch import WriteBatch
from vigil.gate.connection import HttpConnection
from vigil.gate.exchange import HttpExchange
from vigil.gate.refusals import Refusal, Refusals
from vigil.gate.sweep import sweep_forever, sweep_period

Answer = tuple[int, list[tuple[str, str]], bytes]
"""A complete answer: status, headers and body."""

Handler = Callable[[HttpExchange], Awaitable[None]]
"""Handles one request; it must answer through the exchange before returning."""

ErrorAnswer = Callable[[str, HttpExchange | None], Answer]
"""The answer to an error of a kind: ``malformed-request``, ``request-too-large``,
``internal-error``, ``overloaded``, ``too-many-requests``, ``body-timeout``; with the request
when one was parsed. It must not echo the offending input."""


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """Bounds of the listener; every one applies per connection."""

    max_line_size: int = 8190
    """Bytes of the request target; longer is answered 431."""
    max_field_size: int = 8190
    """Bytes of one header (name and value); longer is answered 431."""
    max_headers: int = 128
    """Headers in one request; more is answered 431."""
    max_head_size: int = 65536
    """Bytes of a whole request head, counted while it arrives; more is answered 431."""
    head_timeout: float = 10.0
    """Seconds to receive a request head once it started; then the connection is closed."""
    first_byte_timeout: float = 10.0
    """Seconds from the accept to the first byte of the first request; then it is closed."""
    keepalive_timeout: float = 75.0
    """Seconds an idle keep-alive connection is kept open."""
    send_timeout: float = 60.0
    """Seconds a client may take no byte of a full send buffer (not read its answer); then
    the connection is dropped."""
    max_pipelined: int = 16
    """Requests parsed ahead of the one being handled before reading pauses."""
    max_in_flight: int = 1024
    """Requests handled at once by the whole listener; beyond it, ``overloaded`` at once."""
    max_client_in_flight: int = 64
    """Requests handled at once for one client; beyond it, ``too-many-requests`` (0: no cap)."""
    max_receiving: int | None = None
    """Requests handled at once whose body is still arriving (None: half of
    ``max_in_flight``; 0: no cap); beyond it, ``overloaded`` for a request with a body."""
    max_connections: int = 4096
    """Open client connections; beyond it the oldest idle one is closed, or the new one."""
    max_client_connections: int = 256
    """Open connections of one client; beyond it that client's oldest idle one is closed, or
    the new one (0: no cap)."""
    refusal_hold: float = 1.0
    """Seconds a connection is not read after a 429 or 503 answer (its ``Retry-After``; the
    sweeper ends the hold, so it lasts up to one sweep period longer); 0: not held."""
    min_body_rate: float = 1024.0
    """Bytes/s a request body being handled must keep up after its grace (0: no minimum)."""
    body_rate_grace: float = 5.0
    """Seconds of credit before ``min_body_rate`` applies: a body may lag that far behind."""

    def admission(self) -> AdmissionLimits:
        """The connection and slot bounds, for :class:`~vigil.gate.admission.Admission`."""
        receiving = self.max_in_flight // 2 if self.max_receiving is None else self.max_receiving
        return AdmissionLimits(
            max_connections=self.max_connections,
            max_client_connections=self.max_client_connections,
            max_in_flight=self.max_in_flight,
            max_client_in_flight=self.max_client_in_flight,
            max_receiving=receiving,
        )


BODY_RATE_PRECISION = 0.25
"""Finest sweep period the body-rate check asks for, in seconds (a grace of 0 would otherwise
make the sweeper visit every connection a hundred times a second)."""


def _log_nothing(exc: BaseException) -> None:
    return None


class HttpServer:
    """A listener that runs ``handler`` on every request; see the module docstring for bounds."""

    def __init__(
        self,
        handler: Handler,
        error_answer: ErrorAnswer,
        *,
        limits: ServerLimits | None = None,
        on_error: Callable[[BaseException], None] = _log_nothing,
        batch: WriteBatch | None = None,
        refusals: Refusals | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.handler = handler
        self.batch = batch if batch is not None else WriteBatch()
        self.error_answer = error_answer
        self.limits = limits if limits is not None else ServerLimits()
        self.on_error = on_error
        self.refusals = refusals if refusals is not None else Refusals()
        self.clock = clock
        """Monotonic seconds; every deadline of the listener is measured with it."""
        self.admission: Admission[HttpConnection] = Admission(self.limits.admission())
        self.connections = self.admission.connections
        """Open client connections (and their clients)."""
        self.port = 0
        self.sweep_period = 0.0
        """Seconds between two checks of every connection's deadlines (set by :meth:`start`)."""
        self._server: asyncio.Server | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self, host: str, port: int, *, reuse_port: bool = False) -> int:
        """Listen on ``host:port`` (0 picks a free port); returns the bound port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: HttpConnection(self), host, port, reuse_port=reuse_port or None, backlog=1024
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        limits = self.limits
        timeouts = [
            limits.head_timeout,
            limits.keepalive_timeout,
            limits.first_byte_timeout,
            limits.send_timeout,
        ]
        if limits.min_body_rate > 0:
            timeouts.append(max(limits.body_rate_grace, BODY_RATE_PRECISION * 4))
        self.sweep_period = sweep_period(*timeouts)
        self._sweeper = asyncio.create_task(
            sweep_forever(self.sweep_period, self.expire, self.clock)
        )
        return self.port

    @property
    def in_flight(self) -> int:
        """Requests whose handler is running."""
        return self.admission.in_flight

    @property
    def receiving(self) -> int:
        """Requests whose handler is running and whose body is still arriving."""
        return self.admission.receiving

    @property
    def refused_connections(self) -> int:
        """Connections closed at once because a connection bound left no room."""
        counts = self.refusals.counts
        return counts[Refusal.CONNECTIONS] + counts[Refusal.CLIENT_CONNECTIONS]

    def expire(self, now: float) -> None:
        """Enforce every connection's deadlines at ``now`` (the sweeper calls it)."""
        for connection in list(self.connections):
            connection.expire(now)

    async def close(self, timeout: float) -> None:
        """Stop listening, let requests in progress finish for ``timeout`` s, then cut the rest."""
        if self._server is not None:
            self._server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        deadline = time.monotonic() + timeout
        while True:
            self.batch.flush()
            for connection in list(self.connections):
                if connection.active is None and connection.transport is not None:
                    connection.transport.close()
                else:
                    connection.closing = True
            if not self.connections or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.05)
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.abort()
        if self._server is not None:
            await self._server.wait_closed()
