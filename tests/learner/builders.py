"""Builders of the learner tests: samples, batches, tokens and a learner app on a temp store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from vigil.behavior.sample import ExchangeSample, FieldSample, ResponseSample
from vigil.behavior.wire import encode_batch
from vigil.learner import store
from vigil.learner.api import LearnerState, build_app
from vigil.learner.auth import Tokens
from vigil.learner.config import LearnerConfig, override
from vigil.learner.decisions_api import DECISION_ROUTES
from vigil.learner.metrics import LearnerMetrics
from vigil.learner.operator_api import OPERATOR_ROUTES
from vigil.learner.publish import Publications
from vigil.learner.writer import Writer

OPERATOR = "operator-token-0123456789abcdef"
USERS = "users-gate-token-0123456789abcdef"
ORDERS = "orders-gate-token-0123456789abcdef"

TOKENS = {
    "operators": [{"name": "alice", "token": OPERATOR}],
    "services": {"users": [{"token": USERS}], "orders": [{"token": ORDERS}]},
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sample(
    route: str = "GET /users",
    *,
    client: int = 1,
    time: float = 1_700_000_000.0,
    name: str = "alice",
    fields: int = 1,
) -> ExchangeSample:
    values = [
        FieldSample(
            path="query.username" if i == 0 else f"query.k{i}",
            kind="value",
            length=len(name),
            classes=1,
            shape="word",
            pattern="a",
            value=name,
        )
        for i in range(fields)
    ]
    return ExchangeSample(route, client, time, "", values, ResponseSample(200, 40, 1.5, []))


def batch(
    service: str = "users", count: int = 3, *, alerts: list[dict[str, Any]] | None = None, **kw: Any
) -> bytes:
    return encode_batch(
        service, [sample(client=i + 1, **kw) for i in range(count)], gate="pod-1", alerts=alerts
    )


@dataclass
class Learner:
    """A learner app under test: its state and an HTTP client."""

    state: LearnerState
    client: TestClient[Any, Any]

    async def post(
        self, body: bytes, token: str = USERS, service: str = "users", **headers: str
    ) -> ClientResponse:
        return await self.client.post(
            f"/v1/services/{service}/observations",
            data=body,
            headers={"Content-Type": "application/json", **bearer(token), **headers},
        )


@asynccontextmanager
async def learner(
    tmp_path: Path, *, insecure: bool = False, **bounds: Any
) -> AsyncIterator[Learner]:
    config = override(
        LearnerConfig(database=tmp_path / "learner.db"),
        {"bounds": bounds} if bounds else {},
        "test",
    )
    store.open_store(config.database)
    writer = Writer(lambda: store.connect(config.database), queued_bytes=config.bounds.queued_bytes)
    writer.start()
    state = LearnerState(
        config=config,
        tokens=None if insecure else Tokens.parse(TOKENS, "test"),
        writer=writer,
        readers=store.Readers(config.database),
        publications=Publications(config.bounds.waiters),
        metrics=LearnerMetrics(),
    )
    server = TestServer(build_app(state, OPERATOR_ROUTES + DECISION_ROUTES))
    await server.start_server(auto_decompress=False)
    client = TestClient(server)
    await client.start_server()
    try:
        yield Learner(state, client)
    finally:
        await client.close()
        await asyncio.to_thread(writer.close)
        state.readers.close()
