"""One request on a connection: header access, body reading and the framing of answers."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from vigil.gate.batch import WriteBatch
from vigil.gate.exchange import (
    HIGH_WATER,
    ClientGone,
    HttpExchange,
    encode_head,
    transfer_coding_error,
)


class FakeTransport:
    def __init__(self) -> None:
        self.written = b""

    def write(self, data: bytes) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return False


class FakeConnection:
    """What an exchange needs of its connection, recording pauses and writes."""

    def __init__(self) -> None:
        self.transport = FakeTransport()
        self.batch = WriteBatch()
        self.remote = "10.0.0.9"
        self.closing = False
        self.paused = 0
        self.resumed = 0

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    def pause_reading(self) -> None:
        self.paused += 1

    def maybe_resume(self) -> None:
        self.resumed += 1

    async def drain(self) -> None:
        return None


def make(
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    *,
    version: str = "1.1",
    keep_alive: bool = True,
    ended: bool = True,
) -> tuple[HttpExchange, FakeConnection]:
    connection = FakeConnection()
    exchange = HttpExchange(
        cast("Any", connection),
        method,
        "/p?q=1",
        headers or [("host", "x")],
        version=version,
        keep_alive=keep_alive,
    )
    if ended:
        exchange.end()
    return exchange, connection


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"length": 3}, b"HTTP/1.1 200 OK\r\na: b\r\ncontent-length: 3\r\n\r\n"),
        (
            {"length": None, "chunked": True},
            b"HTTP/1.1 200 OK\r\na: b\r\ntransfer-encoding: chunked\r\n\r\n",
        ),
        (
            {"length": 0, "close": True},
            b"HTTP/1.1 200 OK\r\na: b\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        ),
        (
            {"length": 0, "keep_alive": True},
            b"HTTP/1.1 200 OK\r\na: b\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n",
        ),
    ],
)
def test_encode_head(kwargs: dict[str, Any], expected: bytes) -> None:
    length = kwargs.pop("length")
    assert encode_head(200, "", [("a", "b")], length, **kwargs) == expected


def test_encode_head_keeps_an_upstream_reason() -> None:
    assert encode_head(299, "Custom", [], None).startswith(b"HTTP/1.1 299 Custom\r\n")


@pytest.mark.parametrize(
    ("headers", "with_body", "length"),
    [
        ([("host", "x")], False, None),
        ([("content-length", "0")], False, 0),
        ([("content-length", "12")], True, 12),
        ([("transfer-encoding", "chunked")], True, None),
    ],
)
def test_body_presence_comes_from_the_head(
    headers: list[tuple[str, str]], with_body: bool, length: int | None
) -> None:
    exchange, _ = make("POST", headers)
    assert (exchange.with_body, exchange.content_length) == (with_body, length)
    assert exchange.header("host") == dict(headers).get("host")


@pytest.mark.parametrize(
    ("method", "version", "keep_alive", "ended", "status", "head_has", "body_sent"),
    [
        ("GET", "1.1", True, True, 200, [b"content-length: 4"], True),
        ("GET", "1.1", False, True, 200, [b"connection: close"], True),
        ("GET", "1.1", True, False, 200, [b"connection: close"], True),
        ("GET", "1.0", True, True, 200, [b"connection: keep-alive"], True),
        ("HEAD", "1.1", True, True, 200, [b"content-length: 4"], False),
        ("GET", "1.1", True, True, 204, [], False),
        ("GET", "1.1", True, True, 304, [], False),
    ],
)
async def test_respond_frames_the_answer(  # noqa: PLR0917
    method: str,
    version: str,
    keep_alive: bool,
    ended: bool,
    status: int,
    head_has: list[bytes],
    body_sent: bool,
) -> None:
    exchange, connection = make(method, version=version, keep_alive=keep_alive, ended=ended)
    exchange.respond(status, [("x-a", "1")], b"body")
    assert connection.transport.written == b""
    connection.batch.flush()
    head, _, body = connection.transport.written.partition(b"\r\n\r\n")
    for expected in head_has:
        assert expected in head
    assert (body == b"body") is body_sent
    if status in {204, 304}:
        assert b"content-length" not in head
    assert exchange.finished


async def test_streamed_answer_is_chunked_on_http_11() -> None:
    exchange, connection = make()
    await exchange.begin(200, [], None)
    await exchange.write(b"abc")
    await exchange.finish()
    assert connection.transport.written.endswith(
        b"transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    )
    assert exchange.keep_alive


async def test_streamed_answer_of_unknown_length_closes_on_http_10() -> None:
    exchange, connection = make(version="1.0")
    await exchange.begin(200, [], None)
    await exchange.write(b"abc")
    assert connection.transport.written.endswith(b"connection: close\r\n\r\nabc")
    assert not exchange.keep_alive


async def test_read_splits_pieces_and_resumes_the_connection() -> None:
    exchange, connection = make("POST", [("content-length", "6")], ended=False)
    exchange.feed(b"abcdef")
    exchange.end()
    assert await exchange.read(4) == b"abcd"
    assert await exchange.read(4) == b"ef"
    assert await exchange.read() == b""
    assert connection.resumed >= 1


async def test_feeding_past_the_high_water_mark_pauses_reading() -> None:
    exchange, connection = make("POST", [("content-length", str(HIGH_WATER * 2))], ended=False)
    exchange.feed(b"a" * HIGH_WATER)
    assert connection.paused == 0
    exchange.feed(b"a")
    assert connection.paused == 1


async def test_expect_continue_is_sent_on_first_read() -> None:
    exchange, connection = make(
        "POST", [("content-length", "2"), ("expect", "100-continue")], ended=False
    )
    reading = asyncio.ensure_future(exchange.read())
    await asyncio.sleep(0)
    assert connection.transport.written == b"HTTP/1.1 100 Continue\r\n\r\n"
    exchange.feed(b"ok")
    assert await reading == b"ok"


async def test_client_leaving_ends_reads_and_writes() -> None:
    exchange, _ = make("POST", [("content-length", "10")], ended=False)
    reading = asyncio.ensure_future(exchange.read())
    await asyncio.sleep(0)
    exchange.client_gone()
    with pytest.raises(ClientGone):
        await reading
    await exchange.begin(200, [], None)
    with pytest.raises(ClientGone):
        await exchange.write(b"x")


@pytest.mark.parametrize(
    ("values", "version", "error"),
    [
        pytest.param(["chunked"], "1.1", None, id="chunked"),
        pytest.param([" Chunked "], "1.1", None, id="chunked-any-case"),
        pytest.param(["chunked", "chunked"], "1.1", "malformed-request", id="two-headers"),
        pytest.param(["gzip", "chunked"], "1.1", "malformed-request", id="two-headers-mixed"),
        pytest.param(["chunked, gzip"], "1.1", "malformed-request", id="chunked-not-last"),
        pytest.param(["chunked, chunked"], "1.1", "malformed-request", id="chunked-twice"),
        pytest.param(["xchunked"], "1.1", "malformed-request", id="unknown-coding"),
        pytest.param(["gzip, chunked"], "1.1", "not-implemented", id="coding-before-chunked"),
        pytest.param(["chunked"], "1.0", "malformed-request", id="http-1.0"),
    ],
)
def test_transfer_coding_error(values: list[str], version: str, error: str | None) -> None:
    assert transfer_coding_error(values, version) == error
