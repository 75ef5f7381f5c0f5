"""The reverse proxy end to end on 127.0.0.1: learning, blocking, bodies, upstream failures."""

from __future__ import annotations

import asyncio
import gzip
import io
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from tests.gate.conftest import ATTACK, check_problem, usernames
from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import BodyPolicy, Policy, load_policy
from vigil.gate.core import GateCore, LearnEvery
from vigil.gate.logging import GateLog
from vigil.gate.metrics import GateMetrics
from vigil.gate.proxy import GateProxy, start_proxy
from vigil.gate.proxy_config import ProxyConfig

TIMEOUT = aiohttp.ClientTimeout(total=10)

Gate = tuple[GateProxy, GateCore, io.StringIO]
MakeGate = Callable[..., Awaitable[Gate]]

ONE_CLIENT = LearnSettings(min_clients=1, min_windows=1)
"""These tests send from one client within a second: support is counted in samples alone."""


@pytest.fixture
async def make_gate(upstream: str) -> AsyncIterator[MakeGate]:
    started: list[GateProxy] = []

    async def make(policy: Policy | None = None, target: str | None = None, **config: Any) -> Gate:
        log = io.StringIO()
        core = GateCore(
            Engine(policy or Policy.model_validate({}), settings=ONE_CLIENT),
            log=GateLog(log, "info"),
            metrics=GateMetrics(),
            policy_path=config.pop("policy_path", None),
            learn_every=LearnEvery(requests=None, seconds=None),
        )
        cfg = ProxyConfig(
            upstream=target or upstream, port=0, metrics_host="127.0.0.1", metrics_port=0, **config
        )
        proxy = await start_proxy(core, cfg)
        started.append(proxy)
        return proxy, core, log

    yield make
    for proxy in started:
        await proxy.close()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        yield session


async def learn_users(
    client: aiohttp.ClientSession, proxy: GateProxy, core: GateCore, mode: Mode
) -> None:
    for name in usernames(80):
        async with client.get(f"{proxy.url}/users?username={name}") as resp:
            assert resp.status == 200
            await resp.read()
    core.learn_now()
    core.engine.set_mode(mode)


async def test_learn_then_enforce(make_gate: MakeGate, client: aiohttp.ClientSession) -> None:
    proxy, core, log = await make_gate()
    await learn_users(client, proxy, core, Mode.ENFORCE)
    async with client.get(
        f"{proxy.url}/users?username=tom", headers={"x-request-id": "abc-123"}
    ) as resp:
        assert resp.status == 200
        assert resp.headers["x-request-id"] == "abc-123"
        assert (await resp.json())["users"][0]["name"] == "tom"
    async with client.get(f"{proxy.url}/users?username={ATTACK}") as resp:
        problem = check_problem(resp.status, resp.headers, await resp.read())
    lines = [orjson.loads(line) for line in log.getvalue().splitlines()]
    alerts = [line for line in lines if line["event"] == "alert"]
    assert alerts[-1]["verdict"] == "block"
    assert alerts[-1]["request_id"] == problem["request_id"]
    assert any(a["field"] == "query.username" for a in alerts[-1]["alerts"])


async def test_detect_mode_logs_and_counts_but_passes(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, core, log = await make_gate()
    await learn_users(client, proxy, core, Mode.DETECT)
    async with client.get(f"{proxy.url}/users?username={ATTACK}") as resp:
        assert resp.status == 200
    assert '"verdict":"would-block"' in log.getvalue()
    async with client.get(f"http://127.0.0.1:{proxy.metrics_port}/metrics") as resp:
        text = await resp.text()
    assert 'vigil_requests_inspected_total{route="GET /users",verdict="would-block"} 1.0' in text
    assert "vigil_blocks_total{" not in text


async def test_response_inspection_blocks_a_leaking_answer(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, core, log = await make_gate()
    await learn_users(client, proxy, core, Mode.ENFORCE)
    async with client.get(f"{proxy.url}/users?username=crash") as resp:
        body = await resp.read()
        check_problem(resp.status, resp.headers, body, expected=502)
    assert b"Traceback" not in body
    assert '"phase":"response"' in log.getvalue()


async def test_metrics_endpoint(make_gate: MakeGate, client: aiohttp.ClientSession) -> None:
    proxy, core, _ = await make_gate()
    await learn_users(client, proxy, core, Mode.ENFORCE)
    async with client.get(f"{proxy.url}/users?username={ATTACK}") as resp:
        assert resp.status == 403
    async with client.get(f"http://127.0.0.1:{proxy.metrics_port}/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["content-type"].startswith("text/plain")
        text = await resp.text()
    assert 'vigil_requests_inspected_total{route="GET /users",verdict="allow"} 80.0' in text
    assert 'vigil_blocks_total{route="GET /users"} 1.0' in text
    assert 'vigil_alerts_total{code="V101",route="GET /users",severity="medium"} 1.0' in text
    assert "vigil_inspection_seconds_bucket" in text
    assert "vigil_policy_version 1.0" in text
    assert "vigil_policy_age_seconds" in text


async def learn_echo(
    client: aiohttp.ClientSession, proxy: GateProxy, core: GateCore, chunked: bool = False
) -> None:
    for size in range(100, 900, 20):
        data: Any = b"a" * size
        if chunked:
            data = streamed(data)
        async with client.post(
            f"{proxy.url}/echo", data=data, headers={"content-type": "text/plain"}
        ) as resp:
            assert (await resp.json())["size"] == size
    core.learn_now()
    core.engine.set_mode(Mode.ENFORCE)


async def streamed(data: bytes) -> AsyncIterator[bytes]:
    yield data


def body_policy(**body: Any) -> Policy:
    return Policy(body=BodyPolicy(limit_bytes=1024, **body))  # type: ignore[call-arg]


async def test_body_over_bound_fail_open_is_forwarded_whole(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, core, log = await make_gate(body_policy(oversize="fail-open"))
    await learn_echo(client, proxy, core)
    data = b"a" * 5000
    async with client.post(
        f"{proxy.url}/echo", data=data, headers={"content-type": "text/plain"}
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["size"] == 5000
    assert '"code":"V120"' in log.getvalue()


async def test_body_over_bound_fail_closed_is_refused(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, core, log = await make_gate(body_policy(oversize="fail-closed"))
    await learn_echo(client, proxy, core)
    async with client.post(
        f"{proxy.url}/echo", data=b"a" * 5000, headers={"content-type": "text/plain"}
    ) as resp:
        check_problem(resp.status, resp.headers, await resp.read())
    assert '"code":"V120"' in log.getvalue()


async def test_chunked_body_of_unknown_length(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, core, log = await make_gate(body_policy(unknown_length="fail-open"))
    await learn_echo(client, proxy, core, chunked=True)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"a" * 500

    async with client.post(
        f"{proxy.url}/echo", data=chunks(), headers={"content-type": "text/plain"}
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["size"] == 5000
    assert "unannounced length" in log.getvalue()

    async with client.post(
        f"{proxy.url}/echo", data=streamed(b"a" * 300), headers={"content-type": "text/plain"}
    ) as resp:
        assert (await resp.json())["size"] == 300


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_upstream_down_is_502(make_gate: MakeGate, client: aiohttp.ClientSession) -> None:
    proxy, core, _log = await make_gate(target=f"http://127.0.0.1:{closed_port()}")
    async with client.get(f"{proxy.url}/users?username=tom") as resp:
        problem = check_problem(resp.status, resp.headers, await resp.read(), expected=502)
    assert problem["title"] == "Upstream unavailable"
    assert 'vigil_upstream_errors_total{kind="connect"} 1.0' in core.metrics.exposition().decode()


async def test_upstream_timeout_is_504(make_gate: MakeGate, client: aiohttp.ClientSession) -> None:
    proxy, core, _ = await make_gate(read_timeout=0.3)
    async with client.get(f"{proxy.url}/slow") as resp:
        check_problem(resp.status, resp.headers, await resp.read(), expected=504)
    assert 'vigil_upstream_errors_total{kind="timeout"} 1.0' in core.metrics.exposition().decode()


async def test_hop_by_hop_headers_are_not_forwarded(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, _, _ = await make_gate()
    headers = {
        "Connection": "keep-alive, X-Private-Hop",
        "X-Private-Hop": "1",
        "Keep-Alive": "timeout=5",
        "TE": "trailers",
        "Proxy-Authorization": "Basic Zm9vOmJhcg==",
        "X-Kept": "yes",
        "X-Forwarded-For": "10.0.0.1",
    }
    async with client.get(f"{proxy.url}/headers", headers=headers) as resp:
        seen = await resp.json()
    for name in (
        "x-private-hop",
        "keep-alive",
        "te",
        "proxy-authorization",
        "upgrade",
        "transfer-encoding",
    ):
        assert name not in seen
    assert seen["x-kept"] == "yes"
    assert seen["x-forwarded-for"] == "10.0.0.1, 127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-host"] == f"127.0.0.1:{proxy.port}"
    assert seen["x-request-id"] == resp.headers["x-request-id"]


async def test_large_response_is_streamed_intact(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, _, _ = await make_gate()
    async with client.get(f"{proxy.url}/big") as resp:
        assert resp.status == 200
        assert len(await resp.read()) == 48 * 65536


async def raw_exchange(port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


def status_of(answer: bytes) -> int:
    assert answer.startswith((b"HTTP/1.1 ", b"HTTP/1.0 ")), answer[:80]
    return int(answer.split(b" ", 2)[1])


def post(path: str, body: bytes, content_type: str) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


MALFORMED = {
    "bad-percent-encoding": b"GET /users?username=%zz%&x=%E0%A4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "invalid-utf8-escaped": b"GET /users?username=%ff%fe%c0%af HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "invalid-utf8-raw": b"GET /users?username=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "10000-query-keys": b"GET /users?"
    + b"&".join(b"k%d=1" % i for i in range(10000))
    + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "10000-form-keys": post(
        "/echo", b"&".join(b"k%d=1" % i for i in range(10000)), "application/x-www-form-urlencoded"
    ),
    "invalid-json": post("/echo", b'{"a": [1, 2,, }', "application/json"),
    "deep-json": post("/echo", b"[" * 10000 + b"]" * 10000, "application/json"),
    "1mib-header": b"GET /users?username=tom HTTP/1.1\r\nHost: x\r\nX-Big: "
    + b"a" * (1 << 20)
    + b"\r\nConnection: close\r\n\r\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
async def test_malformed_input_gets_an_answer(
    make_gate: MakeGate, client: aiohttp.ClientSession, name: str
) -> None:
    proxy, core, log = await make_gate()
    await learn_users(client, proxy, core, Mode.ENFORCE)
    answer = await raw_exchange(proxy.port, MALFORMED[name])
    status = status_of(answer)
    assert status < 500
    if name in {"1mib-header", "10000-query-keys"}:
        assert status == 431
        assert b"application/problem+json" in answer
        assert b"aaaaaaaa" not in answer
        assert b"k9999" not in answer
    assert "inspection-error" not in log.getvalue()
    async with client.get(f"{proxy.url}/users?username=tom") as resp:
        assert resp.status == 200


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"GARBAGE\r\n\r\n", id="not-http"),
        pytest.param(b"GET /x HTTP/1.1\r\nBad Header\r\n\r\n", id="bad-header-line"),
        pytest.param(b"GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", id="bad-length"),
    ],
)
async def test_protocol_errors_get_problem_json_without_echo(
    make_gate: MakeGate, payload: bytes
) -> None:
    proxy, _, _ = await make_gate()
    answer = await raw_exchange(proxy.port, payload)
    assert status_of(answer) == 400
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower()
    assert orjson.loads(body)["title"] == "Malformed request"
    assert b"GARBAGE" not in body
    assert b"Bad Header" not in body


async def test_overloaded_gate_answers_503(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, _, _ = await make_gate(max_in_flight=1)
    slow = asyncio.ensure_future(client.get(f"{proxy.url}/slow"))
    await asyncio.sleep(0.3)
    async with client.get(f"{proxy.url}/headers") as resp:
        check_problem(resp.status, resp.headers, await resp.read(), expected=503)
    slow.cancel()


async def test_policy_saved_on_close_and_loaded_back(
    upstream: str, client: aiohttp.ClientSession, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    core = GateCore(
        Engine(settings=ONE_CLIENT),
        log=GateLog(io.StringIO()),
        policy_path=path,
        learn_every=LearnEvery(requests=40, seconds=None),
    )
    proxy = await start_proxy(core, ProxyConfig(upstream=upstream, port=0))
    host = {"host": "service.test"}
    for name in usernames(80):
        async with client.get(f"{proxy.url}/users?username={name}", headers=host) as resp:
            assert resp.status == 200
    for _ in range(50):
        if path.exists():
            break
        await asyncio.sleep(0.05)
    assert path.exists()
    await proxy.close()
    saved = load_policy(path)
    assert saved == core.engine.policy
    assert "GET /users" in saved.routes
    reloaded = GateCore(
        Engine(saved.model_copy(update={"mode": Mode.ENFORCE}), settings=ONE_CLIENT),
        log=GateLog(io.StringIO()),
    )
    proxy = await start_proxy(reloaded, ProxyConfig(upstream=upstream, port=0))
    try:
        async with client.get(f"{proxy.url}/users?username=tom", headers=host) as resp:
            assert resp.status == 200
        async with client.get(f"{proxy.url}/users?username={ATTACK}", headers=host) as resp:
            assert resp.status == 403
    finally:
        await proxy.close()


@pytest.mark.parametrize(
    ("offered", "forwarded"),
    [
        ("br, gzip;q=0.8, *;q=0.1", "gzip;q=0.8"),
        ("gzip, deflate", "gzip, deflate"),
        ("br, zstd", None),
    ],
)
async def test_accept_encoding_is_narrowed_to_what_the_gate_decodes(
    make_gate: MakeGate, client: aiohttp.ClientSession, offered: str, forwarded: str | None
) -> None:
    proxy, _, _ = await make_gate()
    async with client.get(f"{proxy.url}/headers", headers={"Accept-Encoding": offered}) as resp:
        seen = await resp.json()
    assert seen.get("accept-encoding") == forwarded


async def test_every_accept_encoding_header_is_narrowed(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, _, _ = await make_gate()
    offered = [("Accept-Encoding", "gzip"), ("Accept-Encoding", "br")]
    async with client.get(f"{proxy.url}/headers", headers=offered) as resp:
        seen = await resp.json()
    assert seen.get("accept-encoding") == "gzip"


async def test_a_gzip_request_body_is_inspected_decoded(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, core, log = await make_gate()
    json_type = {"content-type": "application/json"}
    for name in usernames(60):
        async with client.post(f"{proxy.url}/echo", json={"name": name}) as resp:
            assert resp.status == 200
    core.learn_now()
    core.engine.set_mode(Mode.ENFORCE)
    packed = {**json_type, "content-encoding": "gzip"}
    plain = orjson.dumps({"name": "tom"})
    async with client.post(f"{proxy.url}/echo", data=gzip.compress(plain), headers=packed) as resp:
        assert resp.status == 200
        assert (await resp.json())["size"] == len(plain)  # the service reads it decoded
    attack = gzip.compress(orjson.dumps({"name": "' OR '1'='1"}))
    async with client.post(f"{proxy.url}/echo", data=attack, headers=packed) as resp:
        check_problem(resp.status, resp.headers, await resp.read())
    assert '"field":"json.name"' in log.getvalue()


async def test_a_large_request_body_is_streamed_through_intact(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, core, _ = await make_gate(body_policy(oversize="fail-open"))
    await learn_echo(client, proxy, core)
    size = 8 << 20
    async with client.post(
        f"{proxy.url}/echo", data=b"b" * size, headers={"content-type": "text/plain"}
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["size"] == size


class HangingUpstream:
    """An upstream whose ``/hang`` answers only once released; ``/fast`` answers at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.hung = 0
        self.arrived = asyncio.Event()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _hang(self, request: web.Request) -> web.Response:
        self.hung += 1
        self.arrived.set()
        await self.release.wait()
        return web.json_response({"hung": True})

    async def _fast(self, request: web.Request) -> web.Response:
        return web.json_response({"fast": True})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/hang", self._hang)
        app.router.add_get("/fast", self._fast)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=512)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def until_hung(self, count: int) -> None:
        while self.hung < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 10)

    async def close(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def hanging() -> AsyncIterator[HangingUpstream]:
    server = HangingUpstream()
    await server.start()
    yield server
    await server.close()


async def status_and_body(client: aiohttp.ClientSession, url: str) -> tuple[int, bytes]:
    async with client.get(url) as resp:
        return resp.status, await resp.read()


async def test_a_hung_route_holds_only_its_share_of_the_upstream_pool(
    make_gate: MakeGate, client: aiohttp.ClientSession, hanging: HangingUpstream
) -> None:
    proxy, core, _ = await make_gate(
        target=hanging.url,
        upstream_connections=4,
        route_concurrency=2,
        route_queue=1,
        connect_timeout=300.0,  # the queued request must still wait on a loaded machine
    )
    hung = [asyncio.ensure_future(status_and_body(client, f"{proxy.url}/hang")) for _ in range(2)]
    await hanging.until_hung(2)
    queued = asyncio.ensure_future(status_and_body(client, f"{proxy.url}/hang"))
    assert proxy.routes is not None
    while proxy.routes.waiting("GET /hang/*") == 0:
        await asyncio.sleep(0.01)
    refused = [await status_and_body(client, f"{proxy.url}/hang") for _ in range(3)]
    for status, body in refused:
        problem = orjson.loads(body)
        assert (status, problem["title"]) == (503, "Route busy")
    for _ in range(5):
        assert (await status_and_body(client, f"{proxy.url}/fast"))[0] == 200
    assert not queued.done()
    hanging.release.set()
    assert [(await task)[0] for task in [*hung, queued]] == [200, 200, 200]
    text = core.metrics.exposition().decode()
    assert 'vigil_refusals_total{reason="route-concurrency"} 3.0' in text
    assert 'vigil_route_busy_total{route="GET /hang/*"} 3.0' in text
    inspected = 'vigil_requests_inspected_total{route="GET /hang",verdict="allow"} 3.0'
    assert inspected in text, "requests of a full route are refused before inspection"


async def test_without_route_shares_a_hung_route_starves_the_others(
    make_gate: MakeGate, client: aiohttp.ClientSession, hanging: HangingUpstream
) -> None:
    proxy, _, _ = await make_gate(
        target=hanging.url, upstream_connections=2, route_concurrency=0, connect_timeout=0.3
    )
    hung = [asyncio.ensure_future(status_and_body(client, f"{proxy.url}/hang")) for _ in range(2)]
    await hanging.until_hung(2)
    status, _ = await status_and_body(client, f"{proxy.url}/fast")
    assert status == 504
    hanging.release.set()
    for task in hung:
        await task


async def test_a_request_waits_for_its_route_share_no_longer_than_the_connect_timeout(
    make_gate: MakeGate, client: aiohttp.ClientSession, hanging: HangingUpstream
) -> None:
    proxy, core, _ = await make_gate(
        target=hanging.url, route_concurrency=1, route_queue=1, connect_timeout=0.2
    )
    hung = asyncio.ensure_future(status_and_body(client, f"{proxy.url}/hang"))
    await hanging.until_hung(1)
    status, _ = await status_and_body(client, f"{proxy.url}/hang")
    assert status == 503
    assert 'vigil_refusals_total{reason="route-queue-timeout"} 1.0' in (
        core.metrics.exposition().decode()
    )
    hanging.release.set()
    assert (await hung)[0] == 200


async def test_slow_clients_are_cut_through_the_proxy_and_counted(make_gate: MakeGate) -> None:
    proxy, core, _ = await make_gate(
        first_byte_timeout=0.5, min_body_rate=1000, body_rate_grace=0.2
    )
    silent_reader, silent_writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    slow_reader, slow_writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    slow_writer.write(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 100000\r\n\r\nab"
    )
    assert await asyncio.wait_for(silent_reader.read(), 10) == b""
    answer = await asyncio.wait_for(slow_reader.read(), 10)
    head, _, body = answer.partition(b"\r\n\r\n")
    check_problem(status_of(answer), parse_head(head), body, expected=408)
    for writer in (silent_writer, slow_writer):
        writer.close()
    text = core.metrics.exposition().decode()
    assert 'vigil_refusals_total{reason="first-byte-timeout"} 1.0' in text
    assert 'vigil_refusals_total{reason="body-rate"} 1.0' in text


def parse_head(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


async def test_a_malformed_chunk_streamed_upstream_is_refused_at_once(
    make_gate: MakeGate, client: aiohttp.ClientSession
) -> None:
    proxy, core, _ = await make_gate(body_policy(unknown_length="fail-open"), body_timeout=30)
    await learn_echo(client, proxy, core, chunked=True)
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + b"800\r\n" + b"a" * 0x800 + b"\r\n"
    )
    await writer.drain()
    writer.write(b"zz\r\n")
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    problem = check_problem(status_of(answer), parse_head(head), body, expected=400)
    assert problem["title"] == "Malformed request"
    assert 'vigil_refusals_total{reason="malformed-request"} 1.0' in (
        core.metrics.exposition().decode()
    )
    async with client.post(
        f"{proxy.url}/echo", data=streamed(b"a" * 300), headers={"content-type": "text/plain"}
    ) as resp:
        assert (await resp.json())["size"] == 300
