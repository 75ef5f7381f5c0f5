"""The five ways a request meets the gate in this suite, started once for the session.

Three reverse proxies (the gate in front of Starlette on uvicorn, Flask on gunicorn and aiohttp)
and the two middlewares (ASGI inside the Starlette app on uvicorn, WSGI inside the Flask app on
gunicorn). Every server runs on 127.0.0.1, is started by these fixtures and stopped after.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.differential import servers
from tests.differential.client import Reply, send
from tests.differential.proxies import ProxyThread
from tests.differential.recorder import RecordingCore


@dataclass
class Target:
    """Where to send a request, and how to learn what the gate inspected."""

    name: str
    port: int
    recorder: RecordingCore | None
    """The proxy's core (in this process), or None when the echo carries the record."""
    upstream: servers.Server

    def __repr__(self) -> str:
        return self.name

    def send(self, raw: bytes) -> Reply:
        """Send one request's bytes."""
        return send(self.port, raw)

    def record(self, reply: Reply, request_id: str) -> dict[str, Any] | None:
        """What the gate did with the request: its profiled fields, or its refusal."""
        if self.recorder is not None:
            return self.recorder.record(request_id)
        echo = reply.echo
        return None if echo is None else echo.get("gate")


TARGET_NAMES = (
    "proxy>uvicorn",
    "proxy>gunicorn",
    "proxy>aiohttp",
    "uvicorn+asgi",
    "gunicorn+wsgi",
)


@pytest.fixture(scope="session")
def targets() -> Iterator[dict[str, Target]]:
    started: list[servers.Server] = []
    proxies = ProxyThread()
    try:
        bare = {kind: servers.start(kind) for kind in ("uvicorn", "gunicorn", "aiohttp")}
        started.extend(bare.values())
        found: dict[str, Target] = {}
        for kind, server in bare.items():
            port, core = proxies.proxy(server.url)
            found[f"proxy>{kind}"] = Target(f"proxy>{kind}", port, core, server)
        asgi = servers.start("uvicorn", gated=True)
        wsgi = servers.start("gunicorn", gated=True)
        started.extend([asgi, wsgi])
        found["uvicorn+asgi"] = Target("uvicorn+asgi", asgi.port, None, asgi)
        found["gunicorn+wsgi"] = Target("gunicorn+wsgi", wsgi.port, None, wsgi)
        yield found
    finally:
        proxies.close()
        for server in started:
            server.stop()


def request_id() -> str:
    """A fresh request id that the gate keeps (a valid ``x-request-id``)."""
    return uuid.uuid4().hex
