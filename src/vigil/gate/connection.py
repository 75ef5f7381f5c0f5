"""One client connection of the gate's listener: httptools parsing, ordering and bounds.

The listener (:mod:`vigil.gate.server`) accepts; this protocol owns one socket. It feeds bytes
to httptools' request parser, enforces the head bounds while the head arrives (target, field,
header count, whole head), hands each parsed request to the handler as an
:class:`~vigil.gate.exchange.HttpExchange`, and keeps pipelined requests in order: one handler
at a time, the next parsed ones queued (reading pauses past ``max_pipelined``). Protocol
errors are answered with the listener's error answer at once and the connection is closed; a
malformed chunk in the body of the request being handled stops that body, and the client gets
the 400 instead of the request's answer.

Availability: the connection is admitted, and each request takes its slot, through the
listener's :class:`~vigil.gate.admission.Admission` (per-client caps, idle connections closed to
make room). Deadlines are plain numbers checked by the listener's sweeper
(:meth:`HttpConnection.expire`): the first request must start within ``first_byte_timeout`` of
the accept, a head must end within ``head_timeout``, an idle keep-alive connection lasts
``keepalive_timeout``, a request body being handled must keep up ``min_body_rate`` bytes/s once
``body_rate_grace`` seconds of credit are used up (time while the gate itself stopped reading
does not count), and a client that leaves the send buffer full (does not read its answer) for
``send_timeout`` is dropped. Each refusal is counted by :class:`~vigil.gate.refusals.Refusal`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, cast

import httptools

from vigil.gate.admission import client_of
from vigil.gate.exchange import HIGH_WATER, ClientGone, HttpExchange, encode_head
from vigil.gate.refusals import ANSWERS, Refusal

if TYPE_CHECKING:
    from vigil.gate.server import HttpServer


class _Refused(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


_REFUSALS = {reason.value: reason for reason in Refusal}


class HttpConnection(asyncio.Protocol):
    """One client connection: parses requests and runs the handler on each, in order."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.batch = server.batch
        self.loop = asyncio.get_running_loop()
        self.limits = server.limits
        self.clock = server.clock
        self.transport: asyncio.Transport | None = None
        self.remote = ""
        self.client = ""
        """The admission key of the peer (:func:`~vigil.gate.admission.client_of`)."""
        self.parser = httptools.HttpRequestParser(self)
        self.closing = False
        self.active: HttpExchange | None = None
        self.parsing: HttpExchange | None = None
        self.pending: deque[HttpExchange] = deque()
        self.read_paused = False
        self.write_ready: asyncio.Future[None] | None = None
        self.head_started: float | None = None
        self.head_bytes = 0
        self.last_active = self.accepted = self.clock()
        self.fresh = True
        """No request has started on this connection yet (the first-byte deadline applies)."""
        self.slot_receiving = False
        """The active request holds a slot among those still receiving a body."""
        self.body_clock = 0.0
        self.body_bytes = 0
        self.paused_at = 0.0
        self.send_stalled: float | None = None
        """Since when the client accepted none of the bytes waiting in a full send buffer
        (None: the buffer is under its high-water mark)."""
        self.stalled_size = 0
        self.held_until = 0.0
        """Reading stays paused until then: the client was answered 429 or 503 (0: not held)."""
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._in_head = False
        self._fields = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)
        peer = transport.get_extra_info("peername")
        self.remote = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        self.client = client_of(peer)
        admitted = self.server.admission.connect(self, self.client)
        for evicted in admitted.evicted:
            evicted.evict()
        if admitted.refusal is not None:
            self.closing = True
            self.server.refusals.count(admitted.refusal)
            transport.close()

    def evict(self) -> None:
        """Drop this idle connection to make room for a new one.

        It is aborted rather than closed: it has left the table, so nothing would time out a
        client that never reads what is still buffered for it.
        """
        self.closing = True
        self.server.refusals.evicted += 1
        if self.transport is not None:
            self.batch.flush()
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.server.admission.disconnect(self)
        for exchange in (self.active, self.parsing, *self.pending):
            if exchange is not None:
                exchange.client_gone()
        if self.active is not None and self.active.task is not None:
            self.active.task.cancel()
        self.pending.clear()
        if self.write_ready is not None and not self.write_ready.done():
            self.write_ready.set_result(None)

    def pause_writing(self) -> None:
        self.send_stalled = self.clock()
        self.stalled_size = self.transport.get_write_buffer_size() if self.transport else 0
        if self.write_ready is None or self.write_ready.done():
            self.write_ready = self.loop.create_future()

    def resume_writing(self) -> None:
        self.send_stalled = None
        if self.write_ready is not None and not self.write_ready.done():
            self.write_ready.set_result(None)

    async def drain(self) -> None:
        """Wait until the client accepts more bytes (or the connection is gone)."""
        if self.write_ready is not None and not self.write_ready.done():
            await self.write_ready

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.last_active = self.clock()
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

    def refuse(self, reason: str) -> None:
        """Refuse what the client is sending, answer when an answer is possible, and close.

        ``reason`` is a :class:`~vigil.gate.refusals.Refusal` (counted, and answered as
        :data:`~vigil.gate.refusals.ANSWERS` says) or another error kind of the listener's
        error answer. When the bad input is the body of the request being handled, that body
        is stopped and the client gets the refusal instead of the request's answer (or the
        connection just closes if that answer already started). Otherwise the request in
        progress, if any, is answered first and the refusal follows it.
        """
        kind: str | None = reason
        counted = _REFUSALS.get(reason)
        if counted is not None:
            self.server.refusals.count(counted)
            kind = ANSWERS[counted]
        parsing, active = self.parsing, self.active
        self.parsing = None
        self.pending.clear()
        if active is None:
            if kind is None:
                self.close_now()
            else:
                self.write_and_close(*self.server.error_answer(kind, None))
        elif parsing is active:
            active.abort(kind or "malformed-request")
            self.closing_after_active()
        else:
            active.refusal = kind
            self.closing_after_active()

    def close_now(self) -> None:
        """Close without an answer (nothing was asked, or the head never ended)."""
        self.closing = True
        if self.transport is not None and not self.transport.is_closing():
            self.batch.flush()
            self.transport.close()

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
            self.paused_at = self.clock()
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.read_paused and not self.closing and self.transport is not None:
            if self.held_until:
                return
            self.read_paused = False
            self.body_clock += self.clock() - self.paused_at
            self.transport.resume_reading()

    def on_message_begin(self) -> None:
        self.head_started = self.clock()
        self.fresh = False
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
        parsing = self.parsing
        if parsing is not None:
            if parsing is self.active:
                self.body_bytes += len(body)
            parsing.feed(body)

    def on_message_complete(self) -> None:
        parsing = self.parsing
        if parsing is not None:
            if parsing is self.active and self.slot_receiving:
                self.slot_receiving = False
                self.server.admission.body_received()
            parsing.end()
            self.parsing = None

    def start(self, exchange: HttpExchange) -> None:
        """Run the handler on ``exchange`` as the connection's active request.

        Without a request slot (:meth:`~vigil.gate.admission.Admission.take_slot`) the
        request is refused at once: ``overloaded`` (503) or ``too-many-requests`` (429).
        """
        self.active = exchange
        receiving = exchange.with_body and not exchange.ended
        refusal = self.server.admission.start(self, self.client, receiving=receiving)
        if refusal is not None:
            self.loop.call_soon(self.refuse_slot, exchange, refusal)
            return
        self._run(exchange, receiving)

    def _run(self, exchange: HttpExchange, receiving: bool) -> None:
        self.slot_receiving = receiving
        if receiving:
            self.body_clock = self.clock()
            self.body_bytes = 0
        exchange.task = self.loop.create_task(self.run(exchange))

    def refuse_slot(self, exchange: HttpExchange, refusal: Refusal) -> None:
        """Answer a request that got no slot, once the parser is done with its head.

        A request refused only because bodies still arriving held their share is given its
        slot after all when its whole body came with its head.
        """
        if self.active is not exchange or exchange.gone:
            return
        if refusal is Refusal.RECEIVING and exchange.ended:
            retry = self.server.admission.take_slot(self.client, receiving=False)
            if retry is None:
                self._run(exchange, False)
                return
            refusal = retry
        self.server.refusals.count(refusal)
        self.server.admission.idle(self)
        exchange.respond(*self.server.error_answer(ANSWERS[refusal] or "overloaded", exchange))
        self.hold_off()
        self.finished(exchange)

    async def run(self, exchange: HttpExchange) -> None:
        """The handler, then the bookkeeping that keeps the connection usable or closes it."""
        server = self.server
        try:
            await server.handler(exchange)
        except (asyncio.CancelledError, ClientGone):
            exchange.keep_alive = False
        except Exception as exc:
            server.on_error(exc)
            exchange.keep_alive = False
            if not exchange.started:
                exchange.respond(*server.error_answer("internal-error", exchange))
        finally:
            server.admission.done(self, self.client, receiving=self.slot_receiving)
            self.slot_receiving = False
        if not exchange.finished:
            exchange.keep_alive = False
        self.finished(exchange)

    def finished(self, exchange: HttpExchange) -> None:
        """Move on after ``exchange``: the next pipelined request, idling, or closing."""
        self.active = None
        self.last_active = self.clock()
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if exchange.aborted is not None:
            if exchange.started:
                self.close_now()
            else:
                self.write_and_close(*self.server.error_answer(exchange.aborted, exchange))
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

    def hold_off(self) -> None:
        """Read nothing more from this connection for ``refusal_hold`` seconds.

        Called after a 429 or 503 answer: the client was told to retry after a second, and a
        client that asks again at once on the same connection waits that second in the kernel's
        buffer instead of costing the gate another refusal. No slot is held meanwhile; the
        sweeper ends the hold.
        """
        hold = self.limits.refusal_hold
        if hold > 0 and not self.closing:
            self.held_until = self.clock() + hold
            self.pause_reading()

    def maybe_resume(self) -> None:
        """Read again once pipelined requests and buffered body bytes are under their bounds."""
        if not self.read_paused or len(self.pending) >= self.limits.max_pipelined:
            return
        parsing = self.parsing
        if parsing is None or parsing.buffered <= HIGH_WATER // 2:
            self.resume_reading()

    def send_stall(self, now: float) -> bool:
        """Whether the client accepted nothing of a full send buffer for ``send_timeout``.

        Any byte taken from the buffer since the last look restarts the wait, as nginx's
        ``send_timeout`` does between two successive writes.
        """
        transport, stalled = self.transport, self.send_stalled
        if transport is None or stalled is None:
            return False
        size = transport.get_write_buffer_size()
        if size < self.stalled_size:
            self.send_stalled, self.stalled_size = now, size
            return False
        self.stalled_size = size
        return now - stalled > self.limits.send_timeout

    def expire(self, now: float) -> None:
        """Enforce the connection's deadlines at ``now`` (the listener's clock).

        With a request in progress only its body is timed, and only while the gate is reading
        it: a pipelined head that is still arriving is timed from when it started, and judged
        once the request before it is answered.
        """
        transport = self.transport
        limits = self.limits
        if self.send_stalled is not None and transport is not None and self.send_stall(now):
            self.send_stalled = None
            self.closing = True
            self.server.refusals.count(Refusal.SEND_TIMEOUT)
            transport.abort()
            return
        if self.closing or transport is None or transport.is_closing():
            return
        if self.held_until and now >= self.held_until:
            self.held_until = 0.0
            self.maybe_resume()
        active = self.active
        if active is not None:
            if (
                limits.min_body_rate > 0
                and self.parsing is active
                and not self.read_paused
                and now - self.body_clock
                > limits.body_rate_grace + self.body_bytes / limits.min_body_rate
            ):
                self.refuse(Refusal.BODY_RATE)
            return
        if self.head_started is not None:
            if now - self.head_started > limits.head_timeout:
                self.refuse(Refusal.HEAD_TIMEOUT)
        elif self.fresh:
            if now - self.accepted > limits.first_byte_timeout:
                self.refuse(Refusal.FIRST_BYTE_TIMEOUT)
        elif now - self.last_active > limits.keepalive_timeout:
            self.close_now()
