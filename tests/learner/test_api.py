"""The learner's HTTP API for gates: credentials, bounds, idempotency, ETags and long polls."""

from __future__ import annotations

import asyncio
import gzip
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import ClientResponse

from tests.learner.builders import OPERATOR, ORDERS, USERS, batch, bearer, learner
from vigil.behavior.policy import Policy
from vigil.learner.publish import Published, etag_of, policy_json


async def problem(response: ClientResponse, status: int) -> dict[str, Any]:
    assert response.status == status, await response.text()
    assert response.headers["Content-Type"] == "application/problem+json"
    document: dict[str, Any] = orjson.loads(await response.read())
    assert document["status"] == status
    assert document["type"].startswith("https://vigil.dev/problems/learner/")
    return document


def stored_batches(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "learner.db") as connection:
        return int(connection.execute("SELECT COUNT(*) FROM batches").fetchone()[0])


@pytest.mark.parametrize(
    ("headers", "status", "reason"),
    [
        ({}, 401, "missing"),
        ({"Authorization": f"Basic {USERS}"}, 401, "malformed"),
        (bearer("not-a-known-token-000000000"), 401, "unknown"),
        (bearer(ORDERS), 403, "forbidden"),
        (bearer(OPERATOR), 403, "forbidden"),
    ],
)
async def test_bad_credentials_change_nothing(
    tmp_path: Path, headers: dict[str, str], status: int, reason: str
) -> None:
    async with learner(tmp_path) as app:
        response = await app.client.post(
            "/v1/services/users/observations",
            data=batch(),
            headers={"Content-Type": "application/json", **headers},
        )
        await problem(response, status)
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith('Bearer realm="vigil-learner"')
        assert stored_batches(tmp_path) == 0
        text = app.state.metrics.exposition().decode()
        assert f'vigil_learner_auth_failures_total{{reason="{reason}"}} 1.0' in text


async def test_a_batch_is_durable_when_acknowledged_and_a_retry_counts_once(
    tmp_path: Path,
) -> None:
    async with learner(tmp_path) as app:
        body = batch(count=4)
        first = await app.post(body)
        assert first.status == 202
        answer = await first.json()
        assert answer["accepted"] == 4
        assert answer["pending"] == 4
        assert not answer["duplicate"]
        with sqlite3.connect(tmp_path / "learner.db") as connection:
            assert connection.execute("SELECT SUM(count) FROM batches").fetchone()[0] == 4
        again = await app.post(body)
        assert again.status == 200
        assert (await again.json())["duplicate"]
        keyed = await app.post(batch(count=2), **{"Idempotency-Key": "gate-a:000001"})
        assert keyed.status == 202
        assert app.state.pending["users"] == 6
        assert stored_batches(tmp_path) == 2


async def test_alerts_in_a_batch_are_kept(tmp_path: Path) -> None:
    alert = {
        "code": "V101",
        "route": "GET /users",
        "field": "query.username",
        "expected": "specials 'none'",
        "seen": '"\'"',
        "severity": "high",
        "verdict": "block",
        "request_id": "req-42",
    }
    async with learner(tmp_path) as app:
        response = await app.post(batch(count=0, alerts=[alert]))
        assert response.status == 202
        assert (await response.json())["alerts"] == 1
        listed = await app.client.get(
            "/v1/services/users/alerts?request_id=req-42", headers=bearer(OPERATOR)
        )
        alerts = (await listed.json())["alerts"]
        assert [a["code"] for a in alerts] == ["V101"]
        assert alerts[0]["verdict"] == "block"


@pytest.mark.parametrize(
    "case",
    [
        ({"request_bytes": 2048}, b"{" + b" " * 4000 + b"}", {}, 413, "the bound is 2048"),
        ({"observations_per_batch": 2}, batch(count=3), {}, 413, "holds 3 observations"),
        ({}, b'{"kind": "ObservationBatch"}', {}, 422, "service: Field required"),
        ({}, batch(), {"Content-Type": "text/plain"}, 415, "expected application/json"),
        ({}, batch(), {"Content-Encoding": "br"}, 415, "only gzip"),
        ({"pending_observations": 1000}, batch(count=3), {}, 202, ""),
    ],
)
async def test_bounds_and_bad_bodies(
    tmp_path: Path, case: tuple[dict[str, int], bytes, dict[str, str], int, str]
) -> None:
    bounds, body, headers, status, needle = case
    async with learner(tmp_path, **bounds) as app:
        response = await app.post(body, **headers)
        if status >= 400:
            document = await problem(response, status)
            assert needle in document["detail"]
            assert stored_batches(tmp_path) == 0
        else:
            assert response.status == status


async def test_a_streamed_body_over_the_bound_is_413(tmp_path: Path) -> None:
    async def chunks() -> Any:
        for _ in range(10):
            yield b" " * 1024

    async with learner(tmp_path, request_bytes=4096) as app:
        response = await app.client.post(
            "/v1/services/users/observations",
            data=chunks(),
            headers={"Content-Type": "application/json", **bearer(USERS)},
        )
        assert "over the bound" in (await problem(response, 413))["detail"]


async def test_gzip_bodies_are_accepted_and_bombs_refused(tmp_path: Path) -> None:
    async with learner(tmp_path, request_bytes=1 << 16) as app:
        ok = await app.post(gzip.compress(batch(count=2)), **{"Content-Encoding": "gzip"})
        assert ok.status == 202
        bomb = gzip.compress(b" " * (1 << 20))
        refused = await app.post(bomb, **{"Content-Encoding": "gzip"})
        await problem(refused, 413)


async def test_too_many_pending_observations_is_429_with_retry_after(tmp_path: Path) -> None:
    async with learner(tmp_path, pending_observations=1000) as app:
        app.state.pending["users"] = 999
        response = await app.post(batch(count=2))
        await problem(response, 429)
        assert response.headers["Retry-After"]
        assert stored_batches(tmp_path) == 0


async def test_the_service_bound_is_429_in_insecure_dev(tmp_path: Path) -> None:
    async with learner(tmp_path, insecure=True, services=1) as app:
        assert (await app.post(batch(service="users"), token="")).status == 202
        response = await app.post(batch(service="orders"), token="", service="orders")
        await problem(response, 429)


def publish(app: Any, version: int, service: str = "users") -> Published:
    body = policy_json(Policy(service=service, version=version))
    entry = Published(service, version, etag_of(version, body), body)
    app.state.publications.publish(entry)
    return entry


async def test_policy_etag_and_304(tmp_path: Path) -> None:
    async with learner(tmp_path) as app:
        missing = await app.client.get("/v1/services/users/policy", headers=bearer(USERS))
        await problem(missing, 404)
        entry = publish(app, 3)
        first = await app.client.get("/v1/services/users/policy", headers=bearer(USERS))
        assert first.status == 200
        assert first.headers["ETag"] == entry.etag
        assert first.headers["X-Policy-Version"] == "3"
        assert (await first.json())["version"] == 3
        same = await app.client.get(
            "/v1/services/users/policy",
            headers={**bearer(USERS), "If-None-Match": entry.etag},
        )
        assert same.status == 304
        assert await same.read() == b""
        yaml_answer = await app.client.get(
            "/v1/services/users/policy?format=yaml", headers=bearer(OPERATOR)
        )
        assert "apiVersion: vigil.dev/v1" in await yaml_answer.text()
        other = await app.client.get("/v1/services/orders/policy", headers=bearer(USERS))
        await problem(other, 403)


async def test_a_long_poll_returns_the_next_version(tmp_path: Path) -> None:
    async with learner(tmp_path) as app:
        entry = publish(app, 1)
        poll = asyncio.create_task(
            app.client.get(
                "/v1/services/users/policy?wait=30",
                headers={**bearer(USERS), "If-None-Match": entry.etag},
            )
        )
        for _ in range(500):
            if app.state.publications.waiting:
                break
            await asyncio.sleep(0.01)
        assert app.state.publications.waiting == 1
        publish(app, 2)
        response = await poll
        assert response.status == 200
        assert (await response.json())["version"] == 2


async def test_a_long_poll_that_sees_nothing_is_304(tmp_path: Path) -> None:
    async with learner(tmp_path) as app:
        entry = publish(app, 1)
        response = await app.client.get(
            "/v1/services/users/policy?wait=0.05",
            headers={**bearer(USERS), "If-None-Match": entry.etag},
        )
        assert response.status == 304


async def test_a_wait_over_the_learners_bound_is_held_only_up_to_it(tmp_path: Path) -> None:
    async with learner(tmp_path, long_poll_seconds=0.05) as app:
        entry = publish(app, 1)
        response = await app.client.get(
            "/v1/services/users/policy?wait=300",
            headers={**bearer(USERS), "If-None-Match": entry.etag},
        )
        assert response.status == 304


@pytest.mark.parametrize("query", ["wait=-1", "wait=1000", "wait=soon", "format=xml"])
async def test_bad_policy_parameters_are_422(tmp_path: Path, query: str) -> None:
    async with learner(tmp_path) as app:
        response = await app.client.get(f"/v1/services/users/policy?{query}", headers=bearer(USERS))
        await problem(response, 422)


async def test_service_documents(tmp_path: Path) -> None:
    async with learner(tmp_path) as app:
        health = await app.client.get("/healthz")
        assert await health.text() == "ok\n"
        spec = await app.client.get("/openapi.yaml")
        assert "openapi: 3.1.0" in await spec.text()
        spec_json = await app.client.get("/openapi.json")
        assert (await spec_json.json())["info"]["title"].startswith("vigil learner")
        await app.client.get("/v1/services", headers=bearer(USERS))
        metrics = await (await app.client.get("/metrics")).text()
        assert 'vigil_learner_requests_total{handler="healthz",status="200"} 1.0' in metrics
        assert 'vigil_learner_requests_total{handler="services",status="403"} 1.0' in metrics


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nope", 404),
        ("DELETE", "/v1/services/users/observations", 405),
        ("GET", "/v1/services/UPPER/policy", 404),
    ],
)
async def test_router_errors_are_problems(
    tmp_path: Path, method: str, path: str, status: int
) -> None:
    async with learner(tmp_path) as app:
        response = await app.client.request(method, path, headers=bearer(OPERATOR))
        await problem(response, status)


def test_the_openapi_document_lists_every_route_of_the_app(tmp_path: Path) -> None:
    import importlib.resources
    import re

    import yaml

    from tests.learner.builders import TOKENS
    from vigil.learner.api import LearnerState, build_app
    from vigil.learner.auth import Tokens
    from vigil.learner.config import LearnerConfig
    from vigil.learner.decisions_api import DECISION_ROUTES
    from vigil.learner.metrics import LearnerMetrics
    from vigil.learner.operator_api import OPERATOR_ROUTES
    from vigil.learner.publish import Publications

    spec = yaml.safe_load(
        importlib.resources.files("vigil.learner").joinpath("openapi.yaml").read_text()
    )
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    state = LearnerState(
        config=LearnerConfig(),
        tokens=Tokens.parse(TOKENS, "t"),
        writer=None,  # type: ignore[arg-type]
        readers=None,  # type: ignore[arg-type]
        publications=Publications(1),
        metrics=LearnerMetrics(),
    )
    app = build_app(state, OPERATOR_ROUTES + DECISION_ROUTES)
    served = set()
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        canonical = route.resource.canonical if route.resource is not None else ""
        served.add((route.method, re.sub(r"\{(\w+):[^}]*\}", r"{\1}", canonical)))
    assert served == documented
