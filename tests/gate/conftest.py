"""Shared helpers of the gate tests: benign traffic, a sample upstream and a problem checker."""

from __future__ import annotations

import asyncio
import random
import string
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest
from aiohttp import web

ATTACK = "tom%20or%201%3D1"
"""``username=tom or 1=1`` as a client sends it."""


def usernames(count: int, seed: int = 7) -> list[str]:
    """Benign lower-case user names of 3 to 10 letters."""
    rng = random.Random(seed)
    return [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10))) for _ in range(count)
    ]


def check_problem(status: int, headers: Any, body: bytes, expected: int = 403) -> dict[str, Any]:
    """Assert a problem+json answer that carries a request id and no policy detail."""
    assert status == expected
    assert headers["content-type"].startswith("application/problem+json")
    problem = orjson.loads(body)
    assert problem["status"] == expected
    assert problem["request_id"]
    assert headers["x-request-id"] == problem["request_id"]
    text = body.decode()
    for secret in ("username", "query.", "V10", "expected", "severity", "tom"):
        assert secret not in text
    return problem


async def _users(request: web.Request) -> web.Response:
    name = request.query.get("username", "")
    if name == "crash":
        return web.json_response({"error": "Traceback (most recent call last): secret"}, status=500)
    return web.json_response({"users": [{"name": name, "id": 1}]})


async def _echo(request: web.Request) -> web.Response:
    size = 0
    while chunk := await request.content.read(1 << 16):
        size += len(chunk)
    return web.json_response({"size": size})


async def _headers(request: web.Request) -> web.Response:
    return web.json_response({k.lower(): v for k, v in request.headers.items()})


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(3)
    return web.json_response({"slow": True})


async def _big(request: web.Request) -> web.StreamResponse:
    out = web.StreamResponse(headers={"content-type": "application/octet-stream"})
    await out.prepare(request)
    for _ in range(48):
        await out.write(b"x" * 65536)
    await out.write_eof()
    return out


def upstream_app() -> web.Application:
    """A small JSON service: /users, /echo, /headers, /slow and /big."""
    app = web.Application(client_max_size=64 << 20)
    app.router.add_get("/users", _users)
    app.router.add_post("/echo", _echo)
    app.router.add_get("/headers", _headers)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/big", _big)
    return app


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    """The sample upstream on 127.0.0.1, as a base URL."""
    runner = web.AppRunner(upstream_app(), shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


class LearningThreads:
    """Records the threads on which an engine observed and learned (wraps both methods)."""

    def __init__(self, engine: Any) -> None:
        import threading

        self.observed_on: list[str] = []
        self.learned_on: list[str] = []
        self.observed = threading.Event()
        self.learned = threading.Event()
        observe, learn = engine.observe, engine.learn

        def observing(decision: Any) -> bool:
            self.observed_on.append(threading.current_thread().name)
            result = observe(decision)
            self.observed.set()
            return bool(result)

        def learning(*args: Any, **kwargs: Any) -> Any:
            self.learned_on.append(threading.current_thread().name)
            result = learn(*args, **kwargs)
            self.learned.set()
            return result

        engine.observe = observing
        engine.learn = learning


@pytest.fixture(autouse=True)
def _close_gate_cores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close every gate core a test made, so no learning thread of one test learns (and logs)
    while a later test runs."""
    from vigil.gate.core import GateCore

    made: list[GateCore] = []
    init = GateCore.__init__

    def recording_init(self: GateCore, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(GateCore, "__init__", recording_init)
    yield
    for core in made:
        core.close()
