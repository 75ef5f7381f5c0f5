"""The upstream pool: keep-alive reuse, strict parsing, bounded reads, timeouts and failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from vigil.gate.upstream import UpstreamFailure, UpstreamPool
from vigil.gate.upstream_connection import HIGH_WATER

Script = Callable[[bytes], bytes | None]
"""What the fake upstream answers to one request head (None: never answer)."""


def ok(body: bytes = b'{"ok": true}', extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Upstream: yes\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class FakeUpstream:
    """A loopback server answering each request head with ``script``; counts connections."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.requests: list[bytes] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                body = b""
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        body = await reader.readexactly(int(line.split(b":")[1]))
                    if line.lower() == b"transfer-encoding: chunked":
                        body = await reader.readuntil(b"0\r\n\r\n")
                self.requests.append(head + body)
                answer = self.script(head)
                if answer is None:
                    await asyncio.sleep(30)
                    return
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()


MakeUpstream = Callable[[Script], Awaitable[FakeUpstream]]


@pytest.fixture
async def upstream_of() -> AsyncIterator[MakeUpstream]:
    started: list[FakeUpstream] = []

    async def make(script: Script) -> FakeUpstream:
        server = FakeUpstream(script)
        await server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        await server.close()


async def test_keep_alive_connection_is_reused(upstream_of: MakeUpstream) -> None:
    server = await upstream_of(lambda head: ok())
    pool = UpstreamPool("127.0.0.1", server.port)
    for _ in range(3):
        response = await pool.request("GET", "/a", [("host", "x")], None)
        body, ended = await response.read_prefix(1024)
        response.release()
        assert (response.status, body, ended) == (200, b'{"ok": true}', True)
    assert server.connections == 1
    await pool.close()


async def test_response_head_is_parsed_with_lower_case_names(upstream_of: MakeUpstream) -> None:
    server = await upstream_of(lambda head: ok(b"abc"))
    pool = UpstreamPool("127.0.0.1", server.port)
    response = await pool.request("GET", "/", [("host", "x")], None)
    assert response.content_length == 3
    assert response.content_type == "application/json"
    assert response.header("x-upstream") == "yes"
    assert all(name == name.lower() for name, _ in response.headers)
    response.release()
    await pool.close()


async def test_read_prefix_keeps_the_rest_for_read(upstream_of: MakeUpstream) -> None:
    payload = bytes(range(256)) * 64
    server = await upstream_of(lambda head: ok(payload))
    pool = UpstreamPool("127.0.0.1", server.port)
    response = await pool.request("GET", "/", [("host", "x")], None)
    prefix, ended = await response.read_prefix(100)
    assert (len(prefix), ended) == (101, False)
    rest = b""
    while chunk := await response.read():
        rest += chunk
    assert prefix + rest == payload
    response.release()
    await pool.close()


@pytest.mark.parametrize(
    ("name", "answer", "kind"),
    [
        ("never-answers", None, "timeout"),
        ("not-http", b"NOT HTTP AT ALL\r\n\r\n", "protocol"),
    ],
)
async def test_bad_upstream_answers_fail_with_a_kind(
    upstream_of: MakeUpstream,
    name: str,
    answer: bytes | None,
    kind: str,
) -> None:
    server = await upstream_of(lambda head: answer)
    pool = UpstreamPool("127.0.0.1", server.port, read_timeout=0.2)
    with pytest.raises(UpstreamFailure) as failure:
        await asyncio.wait_for(pool.request("GET", "/", [("host", "x")], None), 5)
    assert failure.value.kind == kind, name
    await pool.close()


async def test_unreachable_upstream_is_a_connect_failure() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    pool = UpstreamPool("127.0.0.1", port)
    with pytest.raises(UpstreamFailure) as failure:
        await pool.request("GET", "/", [("host", "x")], None)
    assert failure.value.kind == "connect"
    await pool.close()


async def test_header_with_line_break_is_refused(upstream_of: MakeUpstream) -> None:
    server = await upstream_of(lambda head: ok())
    pool = UpstreamPool("127.0.0.1", server.port)
    with pytest.raises(UpstreamFailure) as failure:
        await pool.request("GET", "/", [("x-evil", "a\r\nInjected: 1")], None)
    assert failure.value.kind == "protocol"
    assert server.requests == []
    await pool.close()


async def test_stale_keep_alive_connection_is_retried_once() -> None:
    answers = 0

    def close_after_answer(head: bytes) -> bytes:
        nonlocal answers
        answers += 1
        return ok(extra="Connection: close\r\n") if answers == 1 else ok()

    server = FakeUpstream(close_after_answer)
    await server.start()
    pool = UpstreamPool("127.0.0.1", server.port)
    first = await pool.request("GET", "/", [("host", "x")], None)
    await first.read_prefix(1024)
    first.release()
    second = await pool.request("POST", "/", [("host", "x")], b"data")
    assert second.status == 200
    second.release()
    assert server.connections == 2
    await pool.close()
    await server.close()


async def test_streamed_body_of_unknown_length_is_chunked(upstream_of: MakeUpstream) -> None:
    server = await upstream_of(lambda head: ok())
    pool = UpstreamPool("127.0.0.1", server.port)

    async def pieces() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b"world"

    response = await pool.request("POST", "/", [("host", "x")], pieces())
    response.release()
    sent = server.requests[0]
    assert b"Transfer-Encoding: chunked" in sent
    assert b"6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n" in sent
    await pool.close()


async def test_connection_slots_are_bounded(upstream_of: MakeUpstream) -> None:
    server = await upstream_of(lambda head: ok())
    pool = UpstreamPool("127.0.0.1", server.port, limit=1, connect_timeout=0.2)
    held = await pool.request("GET", "/", [("host", "x")], None)
    with pytest.raises(UpstreamFailure) as failure:
        await pool.request("GET", "/", [("host", "x")], None)
    assert failure.value.kind == "timeout"
    held.release()
    again = await pool.request("GET", "/", [("host", "x")], None)
    assert again.status == 200
    again.release()
    await pool.close()


async def test_head_response_is_complete_after_its_head(upstream_of: MakeUpstream) -> None:
    server = await upstream_of(lambda head: b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n")
    pool = UpstreamPool("127.0.0.1", server.port)
    response = await pool.request("HEAD", "/", [("host", "x")], None)
    assert response.content_length == 500
    assert await response.read_prefix(1024) == (b"", True)
    response.release()
    await pool.close()


async def test_a_waiting_request_gets_the_released_slot(upstream_of: MakeUpstream) -> None:
    server = await upstream_of(lambda head: ok())
    pool = UpstreamPool("127.0.0.1", server.port, limit=1, connect_timeout=5)
    held = await pool.request("GET", "/", [("host", "x")], None)
    waiting = asyncio.ensure_future(pool.request("GET", "/", [("host", "x")], None))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    held.release()
    second = await asyncio.wait_for(waiting, 2)
    assert second.status == 200
    second.release()
    third = await asyncio.wait_for(pool.request("GET", "/", [("host", "x")], None), 2)
    third.release()
    await pool.close()


async def test_a_connection_paused_by_a_large_body_serves_the_next_request(
    upstream_of: MakeUpstream,
) -> None:
    server = await upstream_of(lambda head: ok(b"x" * (HIGH_WATER + 50_000)))
    pool = UpstreamPool("127.0.0.1", server.port, read_timeout=2)
    for _ in range(3):
        response = await pool.request("GET", "/", [("host", "x")], None)
        await asyncio.sleep(0.1)  # the whole body arrives (and reading pauses) before it is read
        body, ended = await asyncio.wait_for(response.read_prefix(1 << 20), 5)
        response.release()
        assert (len(body), ended) == (HIGH_WATER + 50_000, True)
    assert server.connections == 1
    await pool.close()
