"""One connection driven without sockets: arbitrary bytes, and requests split anywhere."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.gate.connection import HttpConnection
from vigil.gate.exchange import HttpExchange
from vigil.gate.server import Handler, ServerLimits

from .test_server import Parsed, RecordingServer, _Collector, echo


class MemoryTransport:
    """A transport that keeps what the connection writes, for driving it without sockets."""

    def __init__(self) -> None:
        self.written = b""
        self.closed = False
        self.paused = False

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
    written, closed, _ = await drive([payload], answer_at_once)
    assert written.rsplit(b"HTTP/1.1 ", 1)[-1].startswith(b"431 ")
    assert closed


async def answer_at_once(exchange: HttpExchange) -> None:
    exchange.respond(200, [], b"")
