"""The gate's HTTP/1.1 listener: keep-alive, pipelining order, bodies, bounds, timeouts, errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httptools
import pytest

from vigil.gate.exchange import HIGH_WATER, HttpExchange
from vigil.gate.refusals import Refusal
from vigil.gate.server import Answer, Handler, HttpServer, ServerLimits

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]

STATUS_OF_KIND = {
    "malformed-request": 400,
    "not-implemented": 501,
    "body-timeout": 408,
    "too-many-requests": 429,
    "request-too-large": 431,
    "internal-error": 500,
    "overloaded": 503,
}


def error_answer(kind: str, exchange: HttpExchange | None) -> Answer:
    target = exchange.target if exchange is not None else "-"
    return STATUS_OF_KIND[kind], [("x-kind", kind), ("x-target", target)], kind.encode()


class RecordingServer(HttpServer):
    """A server that keeps what its ``on_error`` hook received."""

    def __init__(
        self,
        handler: Handler,
        limits: ServerLimits,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.errors: list[BaseException] = []
        super().__init__(
            handler, error_answer, limits=limits, on_error=self.errors.append, clock=clock
        )


Serve = Callable[..., Awaitable[RecordingServer]]


@dataclass
class Parsed:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    complete: bool = False


class _Collector:
    def __init__(self) -> None:
        self.done: list[Parsed] = []
        self.current = Parsed()
        self.parser = httptools.HttpResponseParser(self)

    def on_headers_complete(self) -> None:
        self.current.status = self.parser.get_status_code()

    def on_message_begin(self) -> None:
        self.current = Parsed()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.current.headers[name.decode().lower()] = value.decode()

    def on_body(self, body: bytes) -> None:
        self.current.body += body

    def on_message_complete(self) -> None:
        self.current.complete = True
        self.done.append(self.current)


async def exchange_raw(
    port: int, payload: bytes, count: int = 1, *, timeout: float = 5.0, source: str = "127.0.0.1"
) -> tuple[list[Parsed], bool]:
    """Send ``payload``; parse ``count`` responses; returns them and whether the server closed.

    ``source`` is the client's address (any 127.0.0.0/8 address is the loopback on Linux).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    collector = _Collector()
    closed = False
    try:
        writer.write(payload)
        await writer.drain()
        async with asyncio.timeout(timeout):
            while len(collector.done) < count:
                data = await reader.read(65536)
                if not data:
                    closed = True
                    break
                collector.parser.feed_data(data)
            if not closed:
                try:
                    async with asyncio.timeout(0.2):
                        closed = await reader.read(1) == b""
                except TimeoutError:
                    closed = False
    finally:
        writer.close()
    return collector.done, closed


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[RecordingServer] = []

    async def start(handler: Handler, **limits: float) -> RecordingServer:
        server = RecordingServer(handler, ServerLimits(**limits))  # type: ignore[arg-type]
        await server.start("127.0.0.1", 0)
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close(1.0)


async def echo(exchange: HttpExchange) -> None:
    body = b""
    while chunk := await exchange.read():
        body += chunk
    exchange.respond(
        200,
        [("x-method", exchange.method), ("x-target", exchange.target)],
        body or exchange.target.encode(),
    )


async def test_keep_alive_serves_several_requests(serve: Serve) -> None:
    server = await serve(echo)
    payload = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
    responses, closed = await exchange_raw(
        server.port, payload * 2 + b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n", 3
    )
    assert [r.body for r in responses] == [b"/a", b"/a", b"/b"]
    assert not closed


async def test_pipelined_answers_keep_request_order(serve: Serve) -> None:
    async def slow_first(exchange: HttpExchange) -> None:
        if exchange.target == "/slow":
            await asyncio.sleep(0.2)
        exchange.respond(200, [], exchange.target.encode())

    server = await serve(slow_first)
    payload = b"".join(f"GET /{p} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for p in ("slow", "1", "2"))
    responses, _ = await exchange_raw(server.port, payload, 3)
    assert [r.body for r in responses] == [b"/slow", b"/1", b"/2"]


@pytest.mark.parametrize(
    ("name", "payload", "body"),
    [
        (
            "content-length",
            b"POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            b"hello",
        ),
        (
            "chunked",
            b"POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
            b"hello",
        ),
    ],
)
async def test_request_bodies_reach_the_handler(
    serve: Serve, name: str, payload: bytes, body: bytes
) -> None:
    server = await serve(echo)
    responses, _ = await exchange_raw(server.port, payload)
    assert responses[0].body == body, name


async def test_expect_continue_is_answered_when_the_body_is_read(serve: Serve) -> None:
    server = await serve(echo)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
    )
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert interim.startswith(b"HTTP/1.1 100 Continue")
    writer.write(b"ok")
    final = await asyncio.wait_for(reader.readuntil(b"ok"), 5)
    assert final.startswith(b"HTTP/1.1 200 OK")
    writer.close()


@pytest.mark.parametrize(
    ("name", "payload", "status", "kind"),
    [
        ("long-target", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", 431, "request-too-large"),
        (
            "long-field",
            b"GET / HTTP/1.1\r\nX-A: " + b"a" * 9000 + b"\r\n\r\n",
            431,
            "request-too-large",
        ),
        (
            "many-headers",
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n",
            431,
            "request-too-large",
        ),
        (
            "big-head",
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 4000) for i in range(30)),
            431,
            "request-too-large",
        ),
        ("garbage", b"GARBAGE\r\n\r\n", 400, "malformed-request"),
        (
            "length-and-chunked",
            b"POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            "malformed-request",
        ),
        (
            "two-lengths",
            b"POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
            400,
            "malformed-request",
        ),
        (
            "chunked-not-last",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
            400,
            "malformed-request",
        ),
        (
            "unknown-coding",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
            400,
            "malformed-request",
        ),
        (
            "two-transfer-encodings",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\n",
            400,
            "malformed-request",
        ),
        (
            "gzip-then-chunked-headers",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\n",
            400,
            "malformed-request",
        ),
        (
            "chunked-twice",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
            400,
            "malformed-request",
        ),
        (
            "coding-before-chunked",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            501,
            "not-implemented",
        ),
        (
            "transfer-encoding-in-http-1.0",
            b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            "malformed-request",
        ),
        ("space-before-colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "malformed-request"),
        ("bare-lf", b"GET / HTTP/1.1\nHost: x\n\n", 400, "malformed-request"),
        ("obs-fold", b"GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n", 400, "malformed-request"),
        ("bad-length", b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "malformed-request"),
    ],
)
async def test_protocol_errors_get_the_error_answer_and_close(
    serve: Serve, name: str, payload: bytes, status: int, kind: str
) -> None:
    server = await serve(echo)
    responses, closed = await exchange_raw(server.port, payload)
    assert responses[0].status == status, name
    assert responses[0].headers["x-kind"] == kind
    assert responses[0].headers["connection"] == "close"
    assert closed


async def test_handler_failure_answers_500_and_reports(serve: Serve) -> None:
    async def broken(exchange: HttpExchange) -> None:
        raise RuntimeError("boom")

    server = await serve(broken)
    responses, closed = await exchange_raw(server.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert responses[0].status == 500
    assert responses[0].body == b"internal-error"
    assert closed
    assert [type(e) for e in server.errors] == [RuntimeError]


async def test_unread_body_closes_the_connection(serve: Serve) -> None:
    async def refuse(exchange: HttpExchange) -> None:
        exchange.respond(403, [], b"no")

    server = await serve(refuse)
    payload = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"a" * 10
    responses, closed = await exchange_raw(server.port, payload)
    assert responses[0].status == 403
    assert responses[0].headers["connection"] == "close"
    assert closed


@pytest.mark.parametrize(
    ("request_line", "extra", "connection", "closed"),
    [
        ("GET / HTTP/1.0", "", "close", True),
        ("GET / HTTP/1.0", "Connection: keep-alive\r\n", "keep-alive", False),
        ("GET / HTTP/1.1", "Connection: close\r\n", "close", True),
        ("GET / HTTP/1.1", "", None, False),
    ],
)
async def test_connection_persistence_follows_the_client(
    serve: Serve, request_line: str, extra: str, connection: str | None, closed: bool
) -> None:
    server = await serve(echo)
    payload = f"{request_line}\r\nHost: x\r\n{extra}\r\n".encode()
    responses, was_closed = await exchange_raw(server.port, payload)
    assert responses[0].headers.get("connection") == connection
    assert was_closed is closed


async def streamer(exchange: HttpExchange) -> None:
    status = int(exchange.target.strip("/") or 200)
    await exchange.begin(status, [("content-type", "text/plain")], None)
    for piece in (b"one,", b"two,", b"three"):
        await exchange.write(piece)
    await exchange.finish()


@pytest.mark.parametrize(
    ("request_line", "framing", "body", "closed"),
    [
        ("GET / HTTP/1.1", "chunked", b"one,two,three", False),
        ("GET / HTTP/1.0", None, b"one,two,three", True),
        ("HEAD / HTTP/1.1", None, b"", False),
        ("GET /204 HTTP/1.1", None, b"", False),
    ],
)
async def test_streamed_answers_are_framed_for_the_client(
    serve: Serve, request_line: str, framing: str | None, body: bytes, closed: bool
) -> None:
    server = await serve(streamer)
    payload = f"{request_line}\r\nHost: x\r\n\r\n".encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(payload)
    raw = b""
    try:
        async with asyncio.timeout(1.0 if closed else 0.5):
            while data := await reader.read(65536):
                raw += data
        was_closed = True
    except TimeoutError:
        was_closed = False
    writer.close()
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert (b"transfer-encoding: chunked" in head) is (framing == "chunked")
    decoded = rest.replace(b"4\r\n", b"").replace(b"5\r\n", b"").replace(b"\r\n", b"")
    assert decoded.removesuffix(b"0") == body
    assert was_closed is closed
    if "204" in request_line:
        assert b"content-length" not in head


async def test_head_answer_keeps_the_announced_length(serve: Serve) -> None:
    async def head(exchange: HttpExchange) -> None:
        exchange.respond(200, [], b"", content_length=1234)

    server = await serve(head)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
    first = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    second = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    writer.close()
    assert b"content-length: 1234" in first
    assert second.startswith(b"HTTP/1.1 200 OK")


async def test_slow_head_and_idle_connections_are_closed(serve: Serve) -> None:
    server = await serve(echo, head_timeout=0.2, keepalive_timeout=0.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET / HTTP/1.1\r\nHost:")
    assert await asyncio.wait_for(reader.read(), 3) == b""
    writer.close()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = await asyncio.wait_for(reader.read(), 3)
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert b"connection: close" not in answer
    writer.close()


async def test_client_leaving_cancels_the_handler(serve: Serve) -> None:
    cancelled = asyncio.Event()

    async def wait_forever(exchange: HttpExchange) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    server = await serve(wait_forever)
    _, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.sleep(0.1)
    writer.close()
    await asyncio.wait_for(cancelled.wait(), 3)


async def test_request_body_buffering_is_bounded(serve: Serve) -> None:
    peak = 0

    async def slow_reader(exchange: HttpExchange) -> None:
        nonlocal peak
        total = 0
        await asyncio.sleep(0.2)
        while chunk := await exchange.read():
            peak = max(peak, exchange.buffered + len(chunk))
            total += len(chunk)
            await asyncio.sleep(0.001)
        exchange.respond(200, [], str(total).encode())

    server = await serve(slow_reader)
    size = 8 << 20
    payload = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size + b"a" * size
    responses, _ = await exchange_raw(server.port, payload, timeout=30)
    assert responses[0].body == str(size).encode()
    assert peak <= HIGH_WATER + (1 << 18)


async def test_upgrade_request_is_answered_then_closed(serve: Serve) -> None:
    server = await serve(echo)
    payload = (
        b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nrawbytes"
    )
    responses, closed = await exchange_raw(server.port, payload)
    assert responses[0].status == 200
    assert closed


async def test_close_lets_requests_in_progress_finish() -> None:
    started = asyncio.Event()

    async def slow(exchange: HttpExchange) -> None:
        started.set()
        await asyncio.sleep(0.2)
        exchange.respond(200, [], b"done")

    server = HttpServer(slow, error_answer)
    port = await server.start("127.0.0.1", 0)
    pending = asyncio.ensure_future(exchange_raw(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
    await asyncio.wait_for(started.wait(), 3)
    await server.close(5.0)
    responses, closed = await pending
    assert responses[0].body == b"done"
    assert closed
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)


async def test_a_slow_pipelined_head_never_cuts_the_request_in_progress(serve: Serve) -> None:
    async def slow(exchange: HttpExchange) -> None:
        await asyncio.sleep(0.6)
        exchange.respond(200, [], b"done")

    server = await serve(slow, head_timeout=0.2)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHo")
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert answer.endswith(b"done")


async def test_requests_over_the_in_flight_bound_are_refused_at_once(serve: Serve) -> None:
    release = asyncio.Event()

    async def held(exchange: HttpExchange) -> None:
        if exchange.target == "/hold":
            await release.wait()
        exchange.respond(200, [], exchange.target.encode())

    server = await serve(held, max_in_flight=1)
    holding = asyncio.ensure_future(
        exchange_raw(server.port, b"GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
    )
    await asyncio.sleep(0.1)
    refused, closed = await exchange_raw(server.port, b"GET /more HTTP/1.1\r\nHost: x\r\n\r\n")
    assert refused[0].status == 503
    assert refused[0].headers["x-target"] == "/more"
    assert not closed
    release.set()
    held_answer, _ = await holding
    assert held_answer[0].body == b"/hold"
    again, _ = await exchange_raw(server.port, b"GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
    assert again[0].body == b"/again"
    assert server.in_flight == 0


async def open_from(port: int, source: str = "127.0.0.1") -> Stream:
    """A raw connection to the listener from ``source``."""
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def closed_by_server(reader: asyncio.StreamReader, timeout: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), timeout)


class Holder:
    """A handler that holds requests to ``/hold`` until released; others answer at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.held = 0
        self.holding = asyncio.Event()

    async def __call__(self, exchange: HttpExchange) -> None:
        if exchange.target == "/hold":
            self.held += 1
            self.holding.set()
            await self.release.wait()
        body = b""
        while chunk := await exchange.read():
            body += chunk
        exchange.respond(200, [], body or exchange.target.encode())

    async def hold(self, port: int, source: str = "127.0.0.1") -> Stream:
        """Open a connection whose request is held; returns once the handler holds it."""
        before = self.held
        stream = await open_from(port, source)
        stream[1].write(b"GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
        while self.held == before:
            self.holding.clear()
            await asyncio.wait_for(self.holding.wait(), 5)
        return stream


GET = b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n"


async def test_a_new_connection_closes_the_oldest_idle_one_at_the_bound(serve: Serve) -> None:
    server = await serve(echo, max_connections=2)
    first_reader, first_writer = await open_from(server.port)
    second_reader, second_writer = await open_from(server.port)
    second_writer.write(GET)
    assert (await second_reader.readuntil(b"\r\n\r\n/x")).startswith(b"HTTP/1.1 200")
    responses, _ = await exchange_raw(server.port, b"GET /new HTTP/1.1\r\nHost: x\r\n\r\n")
    assert responses[0].body == b"/new"
    assert await closed_by_server(first_reader) == b""
    assert server.refusals.evicted >= 1
    second_writer.write(GET)
    assert (await second_reader.readuntil(b"\r\n\r\n/x")).startswith(b"HTTP/1.1 200")
    for writer in (first_writer, second_writer):
        writer.close()


async def test_connections_are_refused_when_every_one_is_busy(serve: Serve) -> None:
    holder = Holder()
    server = await serve(holder, max_connections=2)
    held = [await holder.hold(server.port) for _ in range(2)]
    reader, writer = await open_from(server.port)
    assert await closed_by_server(reader) == b""
    writer.close()
    assert server.refused_connections == 1
    assert server.refusals.counts[Refusal.CONNECTIONS] == 1
    holder.release.set()
    for held_reader, held_writer in held:
        assert (await held_reader.readuntil(b"/hold")).startswith(b"HTTP/1.1 200")
        held_writer.close()
    responses, _ = await exchange_raw(server.port, b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
    assert responses[0].body == b"/after"


async def test_one_client_cannot_take_every_connection(serve: Serve) -> None:
    holder = Holder()
    server = await serve(holder, max_client_connections=2)
    held = [await holder.hold(server.port, "127.0.0.2") for _ in range(2)]
    reader, writer = await open_from(server.port, "127.0.0.2")
    assert await closed_by_server(reader) == b""
    writer.close()
    assert server.refusals.counts[Refusal.CLIENT_CONNECTIONS] == 1
    responses, _ = await exchange_raw(server.port, GET, source="127.0.0.3")
    assert responses[0].status == 200
    holder.release.set()
    for _, held_writer in held:
        held_writer.close()


async def test_a_client_at_its_connection_cap_gives_up_its_own_idle_connection(
    serve: Serve,
) -> None:
    server = await serve(echo, max_client_connections=1)
    idle_reader, idle_writer = await open_from(server.port, "127.0.0.2")
    await asyncio.sleep(0)
    responses, _ = await exchange_raw(server.port, GET, source="127.0.0.2")
    assert responses[0].status == 200
    assert await closed_by_server(idle_reader) == b""
    idle_writer.close()


async def test_a_connection_that_never_sends_is_closed_at_the_first_byte_deadline(
    serve: Serve,
) -> None:
    server = await serve(echo, first_byte_timeout=0.5, keepalive_timeout=60)
    silent_reader, silent_writer = await open_from(server.port)
    talking_reader, talking_writer = await open_from(server.port)
    talking_writer.write(GET)
    await talking_reader.readuntil(b"\r\n\r\n/x")
    assert await closed_by_server(silent_reader) == b""
    assert server.refusals.counts[Refusal.FIRST_BYTE_TIMEOUT] == 1
    talking_writer.write(GET)
    assert (await talking_reader.readuntil(b"\r\n\r\n/x")).startswith(b"HTTP/1.1 200")
    for writer in (silent_writer, talking_writer):
        writer.close()


async def test_requests_over_the_client_slot_cap_get_429_others_pass(serve: Serve) -> None:
    holder = Holder()
    server = await serve(holder, max_client_in_flight=1)
    held_reader, held_writer = await holder.hold(server.port, "127.0.0.2")
    refused, closed = await exchange_raw(server.port, GET, source="127.0.0.2")
    assert refused[0].status == 429
    assert refused[0].headers["x-kind"] == "too-many-requests"
    assert not closed
    other, _ = await exchange_raw(server.port, GET, source="127.0.0.3")
    assert other[0].status == 200
    assert server.refusals.counts[Refusal.CLIENT_IN_FLIGHT] == 1
    holder.release.set()
    await held_reader.readuntil(b"/hold")
    held_writer.close()
    again, _ = await exchange_raw(server.port, GET, source="127.0.0.2")
    assert again[0].status == 200


async def test_slow_bodies_hold_only_their_share_of_the_slots(serve: Serve) -> None:
    server = await serve(echo, max_receiving=1, min_body_rate=0)
    slow_reader, slow_writer = await open_from(server.port, "127.0.0.2")
    slow_writer.write(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
    while server.receiving == 0:
        await asyncio.sleep(0.01)
    second = b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"
    reader, writer = await open_from(server.port, "127.0.0.3")
    writer.write(second)
    assert (await reader.readuntil(b"\r\n")).startswith(b"HTTP/1.1 503")
    writer.close()
    ready, _ = await exchange_raw(server.port, GET, source="127.0.0.4")
    assert ready[0].status == 200
    whole = b"POST /w HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    complete, _ = await exchange_raw(server.port, whole, source="127.0.0.5")
    assert complete[0].body == b"hello"
    assert server.refusals.counts[Refusal.RECEIVING] == 1
    slow_writer.write(b"cdefghij")
    assert (await slow_reader.readuntil(b"abcdefghij")).startswith(b"HTTP/1.1 200")
    slow_writer.close()
    assert server.receiving == 0


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("bad-chunk-size", b"zz\r\n"),
        ("bad-chunk-end", b"2\r\nabXX"),
        ("too-long-chunk-size", b"1" * 40 + b"\r\n"),
    ],
)
async def test_a_malformed_chunk_is_refused_at_once(
    serve: Serve, name: str, payload: bytes
) -> None:
    server = await serve(echo)
    head = b"POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
    reader, writer = await open_from(server.port)
    writer.write(head)
    await asyncio.sleep(0.05)
    writer.write(payload)
    answer = await closed_by_server(reader)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 400"), name
    assert b"connection: close" in answer
    assert b"x-kind: malformed-request" in answer
    assert server.refusals.counts[Refusal.MALFORMED] == 1
    assert server.errors == []
    assert server.in_flight == 0


async def test_a_body_below_the_minimum_rate_is_cut_after_its_grace(serve: Serve) -> None:
    server = await serve(echo, min_body_rate=1000, body_rate_grace=0.2)
    reader, writer = await open_from(server.port)
    writer.write(b"POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab")
    answer = await closed_by_server(reader)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert server.refusals.counts[Refusal.BODY_RATE] == 1
    assert (server.in_flight, server.receiving) == (0, 0)


async def test_a_client_that_never_reads_a_streamed_answer_is_dropped(serve: Serve) -> None:
    stopped = asyncio.Event()

    async def endless(exchange: HttpExchange) -> None:
        await exchange.begin(200, [("content-type", "application/octet-stream")], None)
        try:
            while True:
                await exchange.write(b"x" * 65536)
        finally:
            stopped.set()

    server = await serve(endless, send_timeout=0.2)
    _, writer = await open_from(server.port)
    writer.write(GET)
    await asyncio.wait_for(stopped.wait(), 20)
    writer.close()
    assert server.refusals.counts[Refusal.SEND_TIMEOUT] == 1
    assert server.in_flight == 0


@pytest.mark.parametrize(
    ("limits", "period"),
    [
        ({}, 1.0),
        ({"body_rate_grace": 0.0}, 0.25),
        ({"body_rate_grace": 0.0, "min_body_rate": 0.0}, 1.0),
        ({"first_byte_timeout": 0.2}, 0.05),
    ],
)
async def test_the_sweep_period_follows_the_shortest_deadline(
    serve: Serve, limits: dict[str, float], period: float
) -> None:
    server = await serve(echo, **limits)
    assert server.sweep_period == pytest.approx(period)
