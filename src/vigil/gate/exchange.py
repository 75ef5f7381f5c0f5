"""One request on a gate connection, as the handler sees it: head, bounded body, answer.

The connection protocol (:mod:`vigil.gate.connection`) parses; this object carries what was parsed to the
handler and takes its answer back to the client. The request body arrives as pieces buffered up
to :data:`HIGH_WATER` bytes, after which the connection stops reading until the handler
consumes them, so a fast client can never fill the gate's memory. Answers are framed here
(``content-length``, chunked, or close-delimited for HTTP/1.0) so a handler cannot get the
framing of a response wrong; the handler passes only end-to-end headers. Complete answers go
out through the connection's :class:`~vigil.gate.batch.WriteBatch`; streamed ones directly,
after flushing it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from http import HTTPStatus
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.gate.connection import HttpConnection

HIGH_WATER = 1 << 18
"""Bytes of a request body buffered before the connection stops reading."""

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_NO_BODY_STATUSES = frozenset({204, 304})
REASONS = {status.value: status.phrase for status in HTTPStatus}


def encode_head(
    status: int,
    reason: str,
    headers: list[tuple[str, str]],
    length: int | None,
    *,
    close: bool = False,
    chunked: bool = False,
    keep_alive: bool = False,
) -> bytes:
    """The bytes of a response head; ``headers`` must not carry framing or connection fields.

    ``keep_alive`` adds ``connection: keep-alive`` (for HTTP/1.0 clients that asked for it).
    """
    lines = [f"HTTP/1.1 {status} {reason or REASONS.get(status, 'Unknown')}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    if length is not None:
        lines.append(f"content-length: {length}")
    elif chunked:
        lines.append("transfer-encoding: chunked")
    if close:
        lines.append("connection: close")
    elif keep_alive:
        lines.append("connection: keep-alive")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1")


def transfer_coding_error(values: list[str], version: str) -> str | None:
    """Why the ``Transfer-Encoding`` header values of a request make it refused, or None.

    Only ``chunked`` alone is accepted, the one framing every upstream reads alike (RFC 9112
    section 6): a second ``Transfer-Encoding`` header, ``chunked`` applied twice or not last, or
    a transfer coding in an HTTP/1.0 request is ``malformed-request`` (400); another coding
    before ``chunked`` (``gzip, chunked``), which the gate would forward still encoded while
    dropping the header that says so, is ``not-implemented`` (501).
    """
    if len(values) > 1 or version == "1.0":
        return "malformed-request"
    codings = [c.strip().lower() for c in values[0].split(",")]
    if codings[-1] != "chunked" or "chunked" in codings[:-1]:
        return "malformed-request"
    return "not-implemented" if len(codings) > 1 else None


class ClientGone(ConnectionResetError):
    """The client closed the connection before the exchange ended."""


class BodyAborted(ClientGone):
    """The listener stopped the request body (malformed or too slow) and answers it itself."""


class HttpExchange:
    """A parsed request and the means to answer it; created by the listener only."""

    __slots__ = (
        "_body",
        "_chunked_out",
        "_continue",
        "_discard",
        "_waiter",
        "aborted",
        "buffered",
        "connection",
        "content_length",
        "ended",
        "finished",
        "framing_error",
        "gone",
        "headers",
        "keep_alive",
        "method",
        "refusal",
        "remote",
        "started",
        "target",
        "task",
        "version",
        "with_body",
    )

    def __init__(
        self,
        connection: HttpConnection,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        *,
        version: str,
        keep_alive: bool,
    ) -> None:
        self.connection = connection
        self.method = method
        self.target = target
        self.headers = headers
        """Header pairs as received, names lower-cased, in order."""
        self.version = version
        self.keep_alive = keep_alive
        self.remote = connection.remote
        self.task: asyncio.Task[None] | None = None
        self.refusal: str | None = None
        """The answer kind owed to input that followed this request (sent after its answer)."""
        self.aborted: str | None = None
        """The answer kind owed instead of this request's own answer: its body was stopped."""
        self.started = False
        self.finished = False
        self.ended = False
        self.gone = False
        self.buffered = 0
        self._body: deque[bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._chunked_out = False
        self._discard = False
        self.content_length: int | None = None
        self.with_body = False
        self._continue = False
        codings: list[str] = []
        for name, value in headers:
            if name == "content-length":
                self.content_length = int(value) if value.isdigit() else None
                self.with_body = self.with_body or value != "0"
            elif name == "transfer-encoding":
                self.with_body = True
                codings.append(value)
            elif name == "expect":
                self._continue = value.lower() == "100-continue"
        self.framing_error = transfer_coding_error(codings, version) if codings else None
        """The listener's error kind for a body framing the gate refuses, or None."""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (lower-case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def feed(self, data: bytes) -> None:
        """A piece of the request body from the parser."""
        self._body.append(data)
        self.buffered += len(data)
        if self.buffered > HIGH_WATER:
            self.connection.pause_reading()
        self._wake()

    def end(self) -> None:
        """The request body is complete."""
        self.ended = True
        self._wake()

    def client_gone(self) -> None:
        """The connection was lost."""
        self.gone = True
        self._wake()

    def abort(self, kind: str) -> None:
        """Stop the body: reads raise :class:`BodyAborted`; the listener answers ``kind``."""
        self.aborted = kind
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def read(self, limit: int = 1 << 16) -> bytes:
        """The next piece of the request body (at most ``limit`` bytes); empty at its end.

        Raises :class:`ClientGone` when the client left before the body ended, and
        :class:`BodyAborted` once the listener stopped the body (malformed or too slow).
        """
        if self.aborted is not None:
            raise BodyAborted(f"request body stopped: {self.aborted}")
        if self._continue:
            self._continue = False
            if not self.ended and not self.started:
                self._write(_CONTINUE)
        body = self._body
        while not body:
            if self.ended:
                return b""
            if self.gone:
                raise ClientGone("client closed the connection")
            self._waiter = self.connection.loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
            if self.aborted is not None:
                raise BodyAborted(f"request body stopped: {self.aborted}")
        chunk = body.popleft()
        if len(chunk) > limit:
            body.appendleft(chunk[limit:])
            chunk = chunk[:limit]
        self.buffered -= len(chunk)
        if self.buffered <= HIGH_WATER // 2:
            self.connection.maybe_resume()
        return chunk

    def _write(self, data: bytes) -> None:
        transport = self.connection.transport
        if transport is not None and not transport.is_closing():
            self.connection.batch.flush()
            transport.write(data)

    def _framing(self, status: int, length: int | None) -> tuple[int | None, bool, bool]:
        bodyless = self.method == "HEAD" or status in _NO_BODY_STATUSES or status < 200
        chunked = length is None and not bodyless and self.version == "1.1"
        if length is None and not bodyless and not chunked:
            self.keep_alive = False
        if not self.ended:
            self.keep_alive = False
        if status == 204 or status < 200:
            length = None
        return length, chunked, bodyless

    def respond(
        self,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        reason: str = "",
        content_length: int | None = None,
    ) -> None:
        """Send a complete answer (``content_length`` overrides ``len(body)``, e.g. for HEAD)."""
        length: int | None = content_length
        if length is None and status != 304:
            length = len(body)
        length, _, bodyless = self._framing(status, length)
        self.started = self.finished = True
        close = not self.keep_alive or self.connection.closing
        head = encode_head(status, reason, headers, length, close=close, keep_alive=self._legacy())
        transport = self.connection.transport
        if transport is not None and not transport.is_closing():
            self.connection.batch.write(transport, head if bodyless or not body else head + body)

    def _legacy(self) -> bool:
        return self.version == "1.0" and self.keep_alive

    async def begin(
        self,
        status: int,
        headers: list[tuple[str, str]],
        content_length: int | None,
        *,
        reason: str = "",
    ) -> None:
        """Send the head of a streamed answer; follow with :meth:`write` and :meth:`finish`."""
        length, chunked, bodyless = self._framing(status, content_length)
        self._chunked_out = chunked and not bodyless
        self._discard = bodyless
        self.started = True
        close = not self.keep_alive or self.connection.closing
        self._write(
            encode_head(
                status,
                reason,
                headers,
                length,
                close=close,
                chunked=chunked,
                keep_alive=self._legacy(),
            )
        )
        await self.connection.drain()

    async def write(self, data: bytes) -> None:
        """Send a piece of a streamed answer's body, waiting while the client is slow."""
        if not data or self._discard:
            return
        if self.gone:
            raise ClientGone("client closed the connection")
        self._write(b"%x\r\n%s\r\n" % (len(data), data) if self._chunked_out else data)
        await self.connection.drain()

    async def finish(self) -> None:
        """End a streamed answer."""
        if self._chunked_out:
            self._write(b"0\r\n\r\n")
        self.finished = True
