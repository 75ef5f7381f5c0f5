"""One keep-alive connection to the upstream: the protocol that parses its responses.

:mod:`vigil.gate.upstream` pools these. Responses are parsed by httptools (llhttp, strict);
the head's names are lower-cased once, here, and ``content-length`` and ``content-type`` are
picked up while parsing so nothing scans the headers again. Body pieces are buffered up to
:data:`HIGH_WATER` bytes, then reading from the socket pauses until they are consumed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import cast

import httptools

from vigil.gate.batch import WriteBatch

HIGH_WATER = 1 << 18
"""Bytes of an upstream body buffered before reading from the socket pauses."""

MAX_RESPONSE_HEADERS = 256
"""Headers accepted in one upstream response; more is a protocol error."""


class UpstreamFailure(Exception):
    """The upstream could not be reached or answered badly; ``kind`` is the metrics label."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class UpstreamConnection(asyncio.Protocol):
    """A connection to the upstream; one exchange at a time, reset before each."""

    def __init__(self, batch: WriteBatch) -> None:
        self.batch = batch
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.used_at = time.monotonic()
        self._writable = asyncio.Event()
        self._writable.set()
        self.reset(head=False)

    def reset(self, head: bool) -> None:
        self.head = head
        self.reason = b""
        self.headers: list[tuple[str, str]] = []
        self.content_length: int | None = None
        self.content_type = ""
        self.headers_done = False
        self.delimited = False
        self.complete = False
        self.reusable = False
        self.body: deque[bytes] = deque()
        self.buffered = 0
        self.error: UpstreamFailure | None = None
        self.received = False
        self.wakeup: asyncio.Future[None] | None = None
        self.deadline = 0.0

    def _wake(self) -> None:
        if self.wakeup is not None and not self.wakeup.done():
            self.wakeup.set_result(None)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self._fail(UpstreamFailure("protocol", f"invalid upstream response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._writable.set()
        if self.headers_done and not self.complete and not self.delimited:
            self.complete = True
        elif not self.complete:
            self.error = self.error or UpstreamFailure(
                "protocol" if self.received else "connect", "upstream closed the connection"
            )
        self._wake()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    async def drain(self) -> None:
        await self._writable.wait()
        if self.closed:
            raise UpstreamFailure("connect", "upstream closed the connection")

    def _fail(self, error: UpstreamFailure) -> None:
        self.error = error
        self.close()
        self._wake()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.batch.flush()
            self.transport.close()

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(self.headers) >= MAX_RESPONSE_HEADERS:
            raise httptools.HttpParserError("too many response headers")
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        self.headers.append((key, text))
        if key == "content-length":
            self.delimited = True
            self.content_length = int(text) if text.isdigit() else None
        elif key == "content-type":
            self.content_type = text
        elif key == "transfer-encoding" and "chunked" in text.lower():
            self.delimited = True

    def on_headers_complete(self) -> None:
        self.headers_done = True
        status = self.parser.get_status_code()
        if self.head or status in (204, 304):
            self.complete = True
            self.reusable = False
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        self.buffered += len(body)
        if self.buffered > HIGH_WATER and self.transport is not None:
            self.transport.pause_reading()
        self._wake()

    def take(self) -> bytes:
        """The next buffered body piece; reading resumes once half the buffer is free."""
        chunk = self.body.popleft()
        self.buffered -= len(chunk)
        if self.buffered <= HIGH_WATER // 2 and self.transport is not None and not self.closed:
            self.transport.resume_reading()
        return chunk

    def on_message_complete(self) -> None:
        self.complete = True
        self.reusable = not self.head and self.parser.should_keep_alive()
        self._wake()

    async def wait(self, deadline: float, read_timeout: float) -> None:
        """Wait for the parser's next event; the pool's sweeper enforces the deadline."""
        if self.error is not None:
            raise self.error
        self.deadline = min(deadline, time.monotonic() + read_timeout)
        waiter = self.wakeup = self.loop.create_future()
        try:
            await waiter
        finally:
            self.wakeup = None
            self.deadline = 0.0
        if self.error is not None:
            raise self.error

    def expire(self, now: float) -> None:
        """Fail the wait in progress when its deadline has passed."""
        if self.deadline and now >= self.deadline and self.wakeup is not None:
            self._fail(UpstreamFailure("timeout", "upstream did not answer in time"))


def encode_request_head(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes | AsyncIterator[bytes] | None,
    content_length: int | None,
) -> tuple[bytes, bool]:
    """The request head's bytes and whether the body goes chunked.

    A CR or LF inside a name or value would split the head (request smuggling): it is refused
    with an :class:`UpstreamFailure` of kind ``protocol``, checked by counting line breaks.
    """
    lines = [f"{method} {target} HTTP/1.1"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    chunked = False
    if isinstance(body, bytes):
        lines.append(f"Content-Length: {len(body)}")
    elif body is not None:
        if content_length is not None:
            lines.append(f"Content-Length: {content_length}")
        else:
            lines.append("Transfer-Encoding: chunked")
            chunked = True
    text = "\r\n".join(lines) + "\r\n\r\n"
    breaks = len(lines) + 1
    if text.count("\n") != breaks or text.count("\r") != breaks:
        bad = next((n for n, v in headers if any(c in n + v for c in "\r\n")), target)
        raise UpstreamFailure("protocol", f"header {bad!r} contains CR or LF")
    return text.encode("latin-1"), chunked
