"""One connection driven without sockets: arbitrary bytes, and requests split anywhere."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.gate.connection import HttpConnection
from vigil.gate.exchange import HttpExchange
from vigil.gate.refusals import Refusal
from vigil.gate.server import Handler, ServerLimits

from .test_server import Parsed, RecordingServer, _Collector, echo


class MemoryTransport:
    """A transport that keeps what the connection writes, for driving it without sockets."""

    def __init__(self) -> None:
        self.written = b""
        self.closed = False
        self.paused = False
        self.unsent = 0
        """Bytes the client has not taken yet (what the kernel would still hold)."""

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.written += data

    def close(self) -> None:
        self.closed = True

    abort = close

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def get_write_buffer_size(self) -> int:
        return self.unsent

    def get_extra_info(self, name: str) -> object:
        return ("127.0.0.1", 1) if name == "peername" else None


async def drive(
    chunks: list[bytes], handler: Handler = echo
) -> tuple[bytes, bool, list[BaseException]]:
    """Feed ``chunks`` to one connection of a server; returns its output and errors."""
    server = RecordingServer(handler, ServerLimits())
    connection = HttpConnection(server)
    transport = MemoryTransport()
    connection.connection_made(cast("Any", transport))
    for chunk in chunks:
        connection.data_received(chunk)
        for _ in range(3):
            await asyncio.sleep(0)
    for _ in range(10):
        await asyncio.sleep(0)
    server.batch.flush()
    assert server.receiving <= server.in_flight <= 1
    connection.connection_lost(None)
    for _ in range(5):
        await asyncio.sleep(0)
    assert (server.in_flight, server.receiving, len(server.connections)) == (0, 0, 0), (
        "a lost connection gives back its slot and its place"
    )
    return transport.written, transport.closed, server.errors


def parse_answers(raw: bytes) -> list[Parsed]:
    collector = _Collector()
    collector.parser.feed_data(raw)
    return collector.done


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=48), max_size=12))
def test_arbitrary_bytes_never_break_the_listener(chunks: list[bytes]) -> None:
    written, _, errors = asyncio.run(drive(chunks))
    assert errors == []
    parse_answers(written)


REQUESTS = [
    b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n",
    b"POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
    b"GET /d HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
]
"""Requests whose answers parse without knowing the request (so no HEAD)."""


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(REQUESTS), min_size=1, max_size=5),
    st.lists(st.integers(min_value=1, max_value=400), max_size=10),
)
def test_pipelined_requests_split_anywhere_get_the_same_answers(
    requests: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(requests)
    points = sorted({c % len(stream) for c in cuts} - {0})
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    whole, _, _ = asyncio.run(drive([stream]))
    split, closed, errors = asyncio.run(drive(chunks))
    assert errors == []
    assert not closed
    answers = parse_answers(split)
    assert len(answers) == len(requests)
    assert [a.body for a in answers] == [a.body for a in parse_answers(whole)]


async def header_names(exchange: HttpExchange) -> None:
    """Answers with the names of the request's headers, read after its whole body."""
    while await exchange.read():
        pass
    exchange.respond(200, [], ",".join(name for name, _ in exchange.headers).encode())


CHUNKED_WITH_TRAILER = (
    b"POST / HTTP/1.1\r\nHost: x\r\nTrailer: X-User\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"3\r\nabc\r\n0\r\nX-User: ' OR '1'='1\r\n\r\n"
)


@pytest.mark.parametrize(
    ("payload", "names"),
    [
        pytest.param(
            CHUNKED_WITH_TRAILER, b"host,trailer,transfer-encoding", id="trailer-never-a-header"
        ),
        pytest.param(
            b"GET / HTTP/1.1\r\nHost: x\r\nX_User: a\r\nX-User: b\r\n\r\n",
            b"host,x-user",
            id="underscore-name-dropped",
        ),
        pytest.param(
            b"GET / HTTP/1.1\r\nHost: x\r\nContent_Length: 5\r\n\r\n",
            b"host",
            id="framing-lookalike-dropped",
        ),
    ],
)
async def test_header_list_holds_only_head_fields_without_underscores(
    payload: bytes, names: bytes
) -> None:
    written, _, errors = await drive([payload], header_names)
    assert not errors
    answers = parse_answers(written)
    assert [a.status for a in answers] == [200]
    assert answers[0].body == names


async def test_trailer_fields_count_against_the_header_bound() -> None:
    trailers = b"".join(b"X-T%d: v\r\n" % i for i in range(ServerLimits().max_headers))
    payload = (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        + trailers
        + b"\r\n"
    )
    written, closed, _ = await drive([payload], header_names)
    assert [a.status for a in parse_answers(written)] == [431]
    assert closed


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Driven:
    """One connection of an echo server on a fake clock, fed by hand."""

    def __init__(self, handler: Handler = echo, **limits: float) -> None:
        self.clock = FakeClock()
        self.server = RecordingServer(handler, ServerLimits(**limits), clock=self.clock)  # type: ignore[arg-type]
        self.connection = HttpConnection(self.server)
        self.transport = MemoryTransport()
        self.connection.connection_made(cast("Any", self.transport))

    async def send(self, data: bytes, at: float | None = None) -> None:
        if at is not None:
            self.clock.now = 1000.0 + at
        self.connection.data_received(data)
        await settle()

    async def expire(self, at: float) -> bool:
        """Sweep at ``at`` seconds after the accept; returns whether the connection closed."""
        self.clock.now = 1000.0 + at
        self.server.expire(self.clock.now)
        await settle()
        self.server.batch.flush()
        return self.transport.closed


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


GET = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"


@pytest.mark.parametrize(
    ("name", "sent", "at", "closed", "reason"),
    [
        ("silent, before the first-byte deadline", b"", 1.9, False, None),
        ("silent, past the first-byte deadline", b"", 2.1, True, Refusal.FIRST_BYTE_TIMEOUT),
        ("head started, before the head deadline", b"GET / HT", 2.9, False, None),
        ("head started, past the head deadline", b"GET / HT", 3.1, True, Refusal.HEAD_TIMEOUT),
        ("served, within keep-alive", GET, 4.9, False, None),
        ("served, past keep-alive", GET, 5.1, True, None),
    ],
)
async def test_connection_deadlines(
    name: str, sent: bytes, at: float, closed: bool, reason: Refusal | None
) -> None:
    driven = Driven(first_byte_timeout=2, head_timeout=3, keepalive_timeout=5)
    if sent:
        await driven.send(sent, at=0)
    written_before = driven.transport.written
    assert await driven.expire(at) is closed, name
    assert driven.transport.written == written_before, "deadlines close without an answer"
    counts = driven.server.refusals.counts
    assert {r for r, n in counts.items() if n} == ({reason} if reason else set())


HEAD = b"POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n"


@pytest.mark.parametrize(
    ("name", "pieces", "at", "cut"),
    [
        ("within the grace", [(0.0, b"")], 0.9, False),
        ("past the grace with nothing", [(0.0, b"")], 1.1, True),
        ("50 bytes buy half a second", [(0.0, b"x" * 50)], 1.4, False),
        ("and no more", [(0.0, b"x" * 50)], 1.6, True),
        ("a steady trickle at the rate", [(t / 10, b"x" * 10) for t in range(80)], 8.0, False),
        ("a trickle below the rate", [(t, b"x" * 10) for t in range(9)], 9.0, True),
    ],
)
async def test_a_body_must_keep_up_the_minimum_rate_after_its_grace(
    name: str, pieces: list[tuple[float, bytes]], at: float, cut: bool
) -> None:
    driven = Driven(min_body_rate=100, body_rate_grace=1, first_byte_timeout=60)
    await driven.send(HEAD, at=0)
    for when, data in pieces:
        if data:
            await driven.send(data, at=when)
    assert await driven.expire(at) is cut, name
    if cut:
        assert driven.transport.written.startswith(b"HTTP/1.1 408")
        assert driven.server.refusals.counts[Refusal.BODY_RATE] == 1
        assert driven.server.in_flight == 0
    else:
        assert driven.transport.written == b""


async def test_time_while_the_gate_stopped_reading_does_not_count_against_the_body() -> None:
    driven = Driven(min_body_rate=100, body_rate_grace=1, first_byte_timeout=60)
    await driven.send(HEAD, at=0)
    driven.clock.now = 1000.5
    driven.connection.pause_reading()
    assert not await driven.expire(30.0)
    driven.clock.now = 1030.0
    driven.connection.resume_reading()
    assert not await driven.expire(30.4)
    assert await driven.expire(30.6)


async def test_a_complete_body_is_never_cut_while_its_request_is_handled() -> None:
    release = asyncio.Event()

    async def slow_echo(exchange: HttpExchange) -> None:
        await release.wait()
        await echo(exchange)

    driven = Driven(slow_echo, min_body_rate=100, body_rate_grace=1, first_byte_timeout=60)
    await driven.send(b"POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", at=0)
    assert not await driven.expire(100.0)
    release.set()
    await settle()
    driven.server.batch.flush()
    assert parse_answers(driven.transport.written)[0].body == b"abc"


@pytest.mark.parametrize(
    ("name", "taken", "resumed_at", "at", "dropped"),
    [
        ("stalled, within the send timeout", [], None, 5.9, False),
        ("stalled, past the send timeout", [], None, 6.1, True),
        ("draining below the low-water mark before it", [], 5.0, 6.1, False),
        ("taking a few bytes now and then", [(3.0, 100), (8.0, 100)], None, 13.9, False),
        ("taking a few bytes, then nothing", [(3.0, 100)], None, 9.1, True),
    ],
)
async def test_a_client_that_does_not_read_its_answer_is_dropped(
    name: str, taken: list[tuple[float, int]], resumed_at: float | None, at: float, dropped: bool
) -> None:
    driven = Driven(send_timeout=6, first_byte_timeout=60, keepalive_timeout=60)
    await driven.send(GET, at=0)
    driven.transport.unsent = 100_000
    driven.connection.pause_writing()
    for when, size in taken:
        driven.transport.unsent -= size
        assert not await driven.expire(when)
    if resumed_at is not None:
        driven.clock.now = 1000.0 + resumed_at
        driven.connection.resume_writing()
    assert await driven.expire(at) is dropped, name
    assert driven.server.refusals.counts[Refusal.SEND_TIMEOUT] == int(dropped)


async def test_a_closing_connection_with_an_unread_answer_is_dropped_too() -> None:
    driven = Driven(send_timeout=6, first_byte_timeout=60)
    await driven.send(b"GARBAGE\r\n\r\n", at=0)
    assert driven.transport.written.startswith(b"HTTP/1.1 400")
    driven.transport.closed = False
    driven.connection.pause_writing()
    assert await driven.expire(7.0)
    assert driven.server.refusals.counts[Refusal.SEND_TIMEOUT] == 1


async def test_a_connection_answered_503_is_not_read_for_the_retry_time() -> None:
    driven = Driven(max_in_flight=0, refusal_hold=1, first_byte_timeout=60, keepalive_timeout=60)
    await driven.send(GET, at=0)
    driven.server.batch.flush()
    assert driven.transport.written.startswith(b"HTTP/1.1 503")
    assert driven.transport.paused
    assert not await driven.expire(0.9)
    assert driven.transport.paused
    assert not await driven.expire(1.1)
    assert not driven.transport.paused


async def test_without_a_hold_a_refused_connection_is_read_at_once() -> None:
    driven = Driven(max_in_flight=0, refusal_hold=0, first_byte_timeout=60)
    await driven.send(GET, at=0)
    driven.server.batch.flush()
    assert driven.transport.written.startswith(b"HTTP/1.1 503")
    assert not driven.transport.paused
