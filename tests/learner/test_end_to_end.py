"""Gates and learner together over HTTP: a scan from one client never becomes policy.

A gate (the reverse proxy, in learner mode) in front of the sample upstream posts what it
observes to a learner; 40 clients behind a trusted load balancer use ``GET /users`` in two time
windows, and one client sends 10,000 requests that carry a key nobody else uses
(``query.debug``) and a route nobody else uses. Whatever the volume, neither is learned: the
learner publishes ``GET /users`` with ``query.username`` only, and in enforce mode the attack
is blocked.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from tests.gate.conftest import upstream_app, usernames
from tests.learner.builders import OPERATOR, TOKENS, USERS, bearer
from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.identity import IdentitySource
from vigil.gate.config import LearnerLink
from vigil.gate.core import GateCore
from vigil.gate.logging import GateLog
from vigil.gate.observations import ObservationBuffer
from vigil.gate.proxy import start_proxy
from vigil.gate.proxy_config import ProxyConfig
from vigil.gate.sync import LearnerSync
from vigil.learner.auth import Tokens
from vigil.learner.config import LearnerConfig, override
from vigil.learner.log import LearnerLog
from vigil.learner.server import start_learner

ATTACKS = 10_000


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    runner = web.AppRunner(upstream_app(), shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


class Clock:
    """The gate's wall clock, moved by the test so windows do not depend on real time."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def until(condition: Callable[[], Any], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.05)


async def send(
    client: aiohttp.ClientSession, url: str, requests: list[tuple[str, str]], concurrency: int
) -> list[int]:
    statuses: list[int] = []
    pending = iter(requests)

    async def worker() -> None:
        for target, peer in pending:
            async with client.get(
                url + target, headers={"x-forwarded-for": peer, "host": "svc"}
            ) as response:
                await response.read()
                statuses.append(response.status)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


async def test_ten_thousand_attacks_from_one_client_are_never_learned(
    upstream: str, tmp_path: Path
) -> None:
    config = override(
        LearnerConfig(),
        {
            "listen": "127.0.0.1:0",
            "database": str(tmp_path / "learner.db"),
            "learn": {"worker": "thread", "seconds": 3600},
            "thresholds": {"clients": 3, "windows": 2, "window_seconds": 60},
        },
        "test",
    )
    learner = await start_learner(config, Tokens.parse(TOKENS, "t"), log=LearnerLog(io.StringIO()))
    clock = Clock()
    core = GateCore(
        Engine(),
        log=GateLog(io.StringIO(), "warning"),
        learn_locally=False,
        observations=ObservationBuffer(50_000),
        identity=IdentitySource.parse("forwarded", ["127.0.0.1/32"]),
        wall_clock=clock,
    )
    link = LearnerLink(url=learner.url, service="users", flush_seconds=0.1, batch_size=1000)
    sync = LearnerSync(core, link, USERS)
    proxy = await start_proxy(core, ProxyConfig(upstream=upstream, port=0))
    sync.start()
    base = f"{learner.url}/v1/services/users"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as client:
            names = usernames(80)
            for window in range(2):
                clock.now += 60 * window
                benign = [
                    (f"/users?username={names[(i + window) % 80]}", f"198.51.100.{i}")
                    for i in range(40)
                ]
                assert set(await send(client, proxy.url, benign, 8)) == {200}
            clock.now += 60
            attack = [
                (f"/users?username=tom&debug={i % 3}", "203.0.113.66")
                if i % 2
                else (f"/admin/{i}", "203.0.113.66")
                for i in range(ATTACKS)
            ]
            await send(client, proxy.url, attack, 32)

            async def all_sent() -> bool:
                async with client.get(base, headers=bearer(OPERATOR)) as answer:
                    service = await answer.json()
                return bool(service["observations"] == 80 + ATTACKS)

            await until(all_sent)
            async with client.post(f"{base}/learn", headers=bearer(OPERATOR)):
                pass

            async def published() -> bool:
                return learner.state.publications.get("users") is not None

            await until(published)
            entry = learner.state.publications.get("users")
            assert entry is not None
            policy = orjson.loads(entry.body)
            assert set(policy["routes"]) == {"GET /users"}
            fields = policy["routes"]["GET /users"]["fields"]
            assert "query.username" in fields
            assert "query.debug" not in fields
            async with client.get(f"{base}/routes", headers=bearer(OPERATOR)) as answer:
                routes = await answer.json()
            assert [r["route"] for r in routes["routes"]] == ["GET /users"]

            await until(lambda: _sync_has(core, policy["version"]))
            core.engine.set_mode(Mode.ENFORCE)
            async with client.get(
                proxy.url + "/users?username=tom&debug=1",
                headers={"x-forwarded-for": "203.0.113.66", "host": "svc"},
            ) as response:
                assert response.status == 403
            async with client.get(
                proxy.url + f"/users?username={names[3]}",
                headers={"x-forwarded-for": "198.51.100.7", "host": "svc"},
            ) as response:
                assert response.status == 200
    finally:
        await proxy.close()
        await asyncio.to_thread(sync.stop)
        await learner.close()


async def _sync_has(core: GateCore, version: int) -> bool:
    return core.engine.policy.version == version
