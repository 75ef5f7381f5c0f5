"""One client connection of the gate's listener: httptools parsing, ordering and bounds.

The listener (:mod:`vigil.gate.server`) accepts; this protocol owns one socket. It feeds bytes
to httptools' request parser, enforces the head bounds while the head arrives (target, field,
header count, whole head), hands each parsed request to the handler as an
:class:`~vigil.gate.exchange.HttpExchange`, and keeps pipelined requests in order: one handler
at a time, the next parsed ones queued (reading pauses past ``max_pipelined``). Protocol
errors are answered with the listener's error answer and the connection is closed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING, cast

import httptools

from vigil.gate.exchange import HIGH_WATER, HttpExchange, encode_head

if TYPE_CHECKING:
    from vigil.gate.server import HttpServer


class _Refused(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class HttpConnection(asyncio.Protocol):
    """One client connection: parses requests and runs the handler on each, in order."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.batch = server.batch
        self.loop = asyncio.get_running_loop()
        self.limits = server.limits
        self.transport: asyncio.Transport | None = None
        self.remote = ""
        self.parser = httptools.HttpRequestParser(self)
        self.closing = False
        self.active: HttpExchange | None = None
        self.parsing: HttpExchange | None = None
        self.pending: deque[HttpExchange] = deque()
        self.read_paused = False
        self.write_ready: asyncio.Future[None] | None = None
        self.head_started: float | None = None
        self.head_bytes = 0
        self.last_active = time.monotonic()
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._in_head = False
        self._fields = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)
        if len(self.server.connections) >= self.limits.max_connections:
            self.closing = True
            self.server.refused_connections += 1
            transport.close()
            return
        peer = transport.get_extra_info("peername")
        self.remote = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.server.connections.discard(self)
        for exchange in (self.active, self.parsing, *self.pending):
            if exchange is not None:
                exchange.client_gone()
        if self.active is not None and self.active.task is not None:
            self.active.task.cancel()
        self.pending.clear()
        if self.write_ready is not None and not self.write_ready.done():
            self.write_ready.set_result(None)

    def pause_writing(self) -> None:
        if self.write_ready is None or self.write_ready.done():
            self.write_ready = self.loop.create_future()

    def resume_writing(self) -> None:
        if self.write_ready is not None and not self.write_ready.done():
            self.write_ready.set_result(None)

    async def drain(self) -> None:
        """Wait until the client accepts more bytes (or the connection is gone)."""
        if self.write_ready is not None and not self.write_ready.done():
            await self.write_ready

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.last_active = time.monotonic()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.closing_after_active()
            return
        except httptools.HttpParserCallbackError as exc:
            refused = exc.__context__
            self.refuse(refused.kind if isinstance(refused, _Refused) else "internal-error")
            return
        except httptools.HttpParserError:
            self.refuse("malformed-request")
            return
        if self.head_started is not None:
            self.head_bytes += len(data)
            if self.head_bytes > self.limits.max_head_size:
                self.refuse("request-too-large")

    def refuse(self, kind: str) -> None:
        """Answer a protocol error (after the request in progress, if any) and close."""
        self.parsing = None
        self.pending.clear()
        if self.active is None:
            self.write_and_close(*self.server.error_answer(kind, None))
        else:
            self.active.refusal = kind
            self.closing_after_active()

    def closing_after_active(self) -> None:
        """Read nothing more; close once the request in progress is answered."""
        self.closing = True
        if self.transport is not None:
            self.pause_reading()
        if self.active is None and self.transport is not None:
            self.batch.flush()
            self.transport.close()

    def write_and_close(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """Send one complete answer with ``connection: close`` and close."""
        self.closing = True
        if self.transport is None or self.transport.is_closing():
            return
        self.batch.flush()
        self.transport.write(encode_head(status, "", headers, len(body), close=True) + body)
        self.transport.close()

    def pause_reading(self) -> None:
        if not self.read_paused and self.transport is not None:
            self.read_paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.read_paused and not self.closing and self.transport is not None:
            self.read_paused = False
            self.transport.resume_reading()

    def on_message_begin(self) -> None:
        self.head_started = time.monotonic()
        self.head_bytes = 0
        self._url = b""
        self._headers = []
        self._in_head = True
        self._fields = 0

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > self.limits.max_line_size:
            raise _Refused("request-too-large")

    def on_header(self, name: bytes, value: bytes) -> None:
        """One header or trailer field; both count against ``max_headers``.

        Trailer fields (after a chunked body) are dropped: they are neither inspected nor
        forwarded, and never join the header list. Header names with an underscore are dropped
        too, as nginx does by default (``underscores_in_headers off``) and gunicorn
        (``header_map = drop``): CGI and WSGI map ``X_User`` and ``X-User`` to one variable.
        """
        if len(name) + len(value) > self.limits.max_field_size:
            raise _Refused("request-too-large")
        self._fields += 1
        if self._fields > self.limits.max_headers:
            raise _Refused("request-too-large")
        if self._in_head and b"_" not in name:
            self._headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        parser = self.parser
        self._in_head = False
        self.head_started = None
        exchange = HttpExchange(
            self,
            parser.get_method().decode("ascii"),
            self._url.decode("latin-1"),
            self._headers,
            version=parser.get_http_version(),
            keep_alive=parser.should_keep_alive(),
        )
        if exchange.framing_error is not None:
            raise _Refused(exchange.framing_error)
        self.parsing = exchange
        if self.active is None:
            self.start(exchange)
        else:
            self.pending.append(exchange)
            if len(self.pending) >= self.limits.max_pipelined:
                self.pause_reading()

    def on_body(self, body: bytes) -> None:
        if self.parsing is not None:
            self.parsing.feed(body)

    def on_message_complete(self) -> None:
        if self.parsing is not None:
            self.parsing.end()
            self.parsing = None

    def start(self, exchange: HttpExchange) -> None:
        """Run the handler on ``exchange`` as the connection's active request.

        Over the listener's ``max_in_flight`` the request is answered ``overloaded`` at once.
        """
        self.active = exchange
        server = self.server
        if server.in_flight >= self.limits.max_in_flight:
            self.loop.call_soon(self.refuse_overloaded, exchange)
            return
        server.in_flight += 1
        exchange.task = self.loop.create_task(self.run(exchange))

    def refuse_overloaded(self, exchange: HttpExchange) -> None:
        """Answer ``overloaded`` (once the parser is done with the head) and move on."""
        exchange.respond(*self.server.error_answer("overloaded", exchange))
        self.finished(exchange)

    async def run(self, exchange: HttpExchange) -> None:
        """The handler, then the bookkeeping that keeps the connection usable or closes it."""
        server = self.server
        try:
            await server.handler(exchange)
        except asyncio.CancelledError:
            exchange.keep_alive = False
        except Exception as exc:
            server.on_error(exc)
            exchange.keep_alive = False
            if not exchange.started:
                exchange.respond(*server.error_answer("internal-error", exchange))
        finally:
            server.in_flight -= 1
        if not exchange.finished:
            exchange.keep_alive = False
        self.finished(exchange)

    def finished(self, exchange: HttpExchange) -> None:
        """Move on after ``exchange``: the next pipelined request, idling, or closing."""
        self.active = None
        self.last_active = time.monotonic()
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if exchange.refusal is not None:
            self.write_and_close(*self.server.error_answer(exchange.refusal, None))
            return
        if not exchange.keep_alive or not exchange.ended or self.closing:
            self.batch.flush()
            transport.close()
            return
        if self.pending:
            self.start(self.pending.popleft())
        self.maybe_resume()

    def maybe_resume(self) -> None:
        """Read again once pipelined requests and buffered body bytes are under their bounds."""
        if not self.read_paused or len(self.pending) >= self.limits.max_pipelined:
            return
        parsing = self.parsing
        if parsing is None or parsing.buffered <= HIGH_WATER // 2:
            self.resume_reading()

    def expire(self, now: float) -> None:
        """Close the connection when its head is too slow or it idled too long.

        A request in progress is never cut: a pipelined head that is still arriving is timed
        from when it started, and judged once the request before it is answered.
        """
        if self.transport is None or self.transport.is_closing():
            return
        if self.active is not None:
            return
        if self.head_started is not None:
            if now - self.head_started > self.limits.head_timeout:
                self.transport.close()
        elif now - self.last_active > self.limits.keepalive_timeout:
            self.transport.close()
