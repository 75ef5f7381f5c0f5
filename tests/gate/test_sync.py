"""The gate's learner client against a real learner app: batches, policies, a learner away."""

from __future__ import annotations

import asyncio
import io
import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from tests.gate.conftest import usernames
from tests.learner.builders import USERS, Learner, learner
from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.policy import Policy, load_policy
from vigil.gate.config import LearnerLink
from vigil.gate.core import GateCore
from vigil.gate.logging import GateLog
from vigil.gate.observations import ObservationBuffer
from vigil.gate.sync import AlertBuffer, LearnerSync, backoff
from vigil.http.model import Request, Response
from vigil.learner.publish import Published, etag_of, policy_json


def core(policy: Policy | None = None, bound: int = 10_000, **kw: Any) -> GateCore:
    return GateCore(
        Engine(policy),
        log=GateLog(io.StringIO()),
        learn_locally=False,
        observations=ObservationBuffer(bound),
        **kw,
    )


def exchange(gate: GateCore, name: str) -> bool:
    tx = gate.inspect_request(Request("GET", "/users", f"username={name}", [("host", "svc")]))
    gate.inspect_response(tx, Response(200, [("content-type", "application/json")], b"{}"))
    return gate.finish(tx)


def link(url: str, **kw: Any) -> LearnerLink:
    settings: dict[str, Any] = {
        "url": url,
        "service": "users",
        "flush_seconds": 0.05,
        "connect_timeout": 0.5,
        "read_timeout": 0.5,
        "poll_seconds": 1,
        "backoff_max": 0.2,
    }
    settings.update(kw)
    return LearnerLink(**settings)


async def until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.02)


def publish(app: Learner, version: int, policy: Policy | None = None) -> None:
    body = policy_json((policy or Policy()).model_copy(update={"version": version}))
    app.state.publications.publish(Published("users", version, etag_of(version, body), body))


def url_of(app: Learner) -> str:
    return str(app.client.make_url("/")).rstrip("/")


async def test_observations_reach_the_learner_once(tmp_path: Path) -> None:
    async with learner(tmp_path) as app:
        gate = core()
        sync = LearnerSync(gate, link(url_of(app)), USERS, gate="pod-a")
        sync.start()
        try:
            for name in usernames(120):
                assert exchange(gate, name)
            await until(lambda: app.state.pending.get("users", 0) == 120)
        finally:
            await asyncio.to_thread(sync.stop)
        assert sync.sent == 120
        assert len(gate.observations) == 0
        text = gate.metrics.exposition().decode()
        assert "vigil_observations_sent_total 120.0" in text
        assert "vigil_learner_up 1.0" in text


async def test_what_is_buffered_at_stop_is_sent(tmp_path: Path) -> None:
    async with learner(tmp_path) as app:
        gate = core()
        sync = LearnerSync(gate, link(url_of(app), flush_seconds=3600, batch_size=1000), USERS)
        sync.start()
        for name in usernames(30):
            exchange(gate, name)
        await asyncio.to_thread(sync.stop)
        assert app.state.pending.get("users") == 30


async def test_a_policy_is_followed_and_an_invalid_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cache.yaml"
    async with learner(tmp_path) as app:
        gate = core(policy_path=path)
        publish(app, 1)
        sync = LearnerSync(gate, link(url_of(app)), USERS)
        sync.start()
        try:
            await until(lambda: gate.engine.policy.version == 1)
            publish(app, 2, Policy(mode=Mode.ENFORCE))
            await until(lambda: gate.engine.policy.version == 2)
            assert gate.engine.policy.mode is Mode.ENFORCE
            await until(lambda: path.exists() and load_policy(path).version == 2)
            bad = orjson.dumps({"apiVersion": "vigil.dev/v1", "version": 3, "mode": "often"})
            app.state.publications.publish(Published("users", 3, etag_of(3, bad), bad))
            await until(lambda: 'kind="invalid-policy"} 1.0' in _metrics(gate))
            assert gate.engine.policy.version == 2
        finally:
            await asyncio.to_thread(sync.stop)
        assert sync.policies == 2
        text = gate.metrics.exposition().decode()
        assert 'vigil_policy_reloads_total{result="loaded",source="learner"} 2.0' in text
        assert 'vigil_policy_reloads_total{result="invalid",source="learner"} 1.0' in text


async def test_refresh_gives_up_the_long_poll_and_fetches_the_policy_again(tmp_path: Path) -> None:
    async with learner(tmp_path) as app:
        gate = core()
        publish(app, 1)
        sync = LearnerSync(gate, link(url_of(app), poll_seconds=300), USERS)
        sync.start()
        try:
            await until(lambda: sync.policies == 1 and sync._poll is not None)
            waiting = sync._poll
            await asyncio.sleep(0)
            sync.refresh()
            await until(lambda: sync.policies == 2)
            assert waiting is not None
            assert waiting.cancelled()
            assert gate.engine.policy.version == 1
        finally:
            await asyncio.to_thread(sync.stop)
        assert 'vigil_policy_reloads_total{result="loaded",source="learner"} 2.0' in _metrics(gate)


async def test_a_learner_that_refuses_connections_costs_the_request_path_nothing() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gate = core(bound=50)
    sync = LearnerSync(gate, link(f"http://127.0.0.1:{port}", batch_size=10), USERS)
    sync.start()
    try:
        started = time.perf_counter()
        results = [exchange(gate, name) for name in usernames(200)]
        elapsed = time.perf_counter() - started
        await until(lambda: 'vigil_learner_errors_total{kind="connect"}' in _metrics(gate))
    finally:
        await asyncio.to_thread(sync.stop)
    assert results.count(False) > 0
    assert gate.observations.dropped == results.count(False)
    assert len(gate.observations) <= 50
    assert "vigil_learner_up 0.0" in _metrics(gate)
    assert elapsed < 30


def _metrics(gate: GateCore) -> str:
    return gate.metrics.exposition().decode()


@pytest.fixture
async def hung_learner() -> AsyncIterator[tuple[str, list[asyncio.StreamWriter]]]:
    """A TCP server that accepts, reads and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", held
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_hung_learner_times_out_and_requests_keep_flowing(
    hung_learner: tuple[str, list[asyncio.StreamWriter]],
) -> None:
    url, held = hung_learner
    gate = core(Policy(mode=Mode.LEARN, version=4), bound=100)
    sync = LearnerSync(gate, link(url, read_timeout=0.2, batch_size=10), USERS)
    sync.start()
    try:
        await until(lambda: len(held) >= 1)
        for name in usernames(300):
            exchange(gate, name)
        await until(lambda: 'vigil_learner_errors_total{kind="timeout"}' in _metrics(gate))
    finally:
        await asyncio.to_thread(sync.stop)
    assert gate.engine.policy.version == 4
    assert gate.observations.dropped > 0


async def test_a_failed_post_is_retried_with_the_same_key() -> None:
    keys: list[str] = []

    async def flaky(request: web.Request) -> web.Response:
        keys.append(request.headers["Idempotency-Key"])
        await request.read()
        if len(keys) < 3:
            return web.json_response({}, status=503)
        return web.json_response({"accepted": 1}, status=202)

    async def no_policy(request: web.Request) -> web.Response:
        return web.json_response({}, status=404)

    app = web.Application()
    app.router.add_post("/v1/services/users/observations", flaky)
    app.router.add_get("/v1/services/users/policy", no_policy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    gate = core()
    sync = LearnerSync(gate, link(f"http://127.0.0.1:{port}"), USERS)
    sync.start()
    try:
        exchange(gate, "alice")
        await until(lambda: sync.sent == 1)
    finally:
        await asyncio.to_thread(sync.stop)
        await runner.cleanup()
    assert len(keys) == 3
    assert len(set(keys)) == 1


async def test_blocks_are_reported_with_their_request_id(tmp_path: Path) -> None:
    policy = Policy.model_validate(
        {
            "mode": "enforce",
            "routes": {
                "GET /users": {
                    "samples": 100,
                    "fields": {
                        "query.username": {
                            "samples": 100,
                            "length": [1, 10],
                            "classes": ["lower"],
                        }
                    },
                }
            },
        }
    )
    async with learner(tmp_path) as app:
        gate = core(policy)
        sync = LearnerSync(gate, link(url_of(app)), USERS)
        gate.report_alerts = sync.report
        sync.start()
        try:
            tx = gate.inspect_request(
                Request("GET", "/users", "username=%27%20OR%201", [("x-request-id", "req-777")])
            )
            assert tx.blocked
            await until(lambda: app.state.metrics.alerts.labels("users")._value.get() > 0)
        finally:
            await asyncio.to_thread(sync.stop)
        response = await app.client.get(
            "/v1/services/users/alerts?request_id=req-777",
            headers={"Authorization": "Bearer operator-token-0123456789abcdef"},
        )
        alerts = (await response.json())["alerts"]
        assert alerts
        assert {a["verdict"] for a in alerts} == {"block"}
        assert {a["route"] for a in alerts} == {"GET /users"}


def test_backoff_has_full_jitter_and_a_cap() -> None:
    import random

    rng = random.Random(1)
    pauses = [backoff(attempt, 2.0, rng) for attempt in range(20)]
    assert all(0 <= p <= 2.0 for p in pauses)
    assert max(pauses[:1]) <= 0.5
    assert len({round(p, 6) for p in pauses}) == len(pauses)


def test_the_alert_buffer_is_bounded() -> None:
    buffer = AlertBuffer(bound=2)
    assert [buffer.offer({"i": i}) for i in range(3)] == [True, True, False]
    assert buffer.dropped == 1
    assert buffer.take(5) == [{"i": 0}, {"i": 1}]
