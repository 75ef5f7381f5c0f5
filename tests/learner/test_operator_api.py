"""The operators' API: services, routes, policy versions and layers, alerts, learn now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.learner.builders import OPERATOR, USERS, bearer, learner, sample
from vigil.behavior.learn import LearnSettings
from vigil.behavior.wire import encode_batch
from vigil.learner.job import LearnJob, run_learn_job

T0 = 1_700_000_000.0


def learned_batch(name: str = "alice") -> bytes:
    samples = [sample(client=c, time=T0 + 60 * w, name=name) for w in range(2) for c in range(1, 6)]
    return encode_batch("users", samples)


def learn(tmp_path: Path) -> None:
    settings = LearnSettings(min_clients=3, min_windows=2, window_seconds=60)
    run_learn_job(
        LearnJob(
            database=str(tmp_path / "learner.db"), service="users", relearn=True, settings=settings
        )
    )


async def get(app: Any, path: str, token: str = OPERATOR) -> Any:
    response = await app.client.get(path, headers=bearer(token))
    return response.status, await response.json() if response.status < 300 else None


async def test_services_and_one_service(tmp_path: Path) -> None:
    async with learner(tmp_path) as app:
        assert (await app.post(learned_batch())).status == 202
        status, listing = await get(app, "/v1/services")
        assert status == 200
        assert [s["name"] for s in listing["services"]] == ["users"]
        assert listing["services"][0]["observations"] == 10
        status, one = await get(app, "/v1/services/users")
        assert (status, one["pending"], one["policy_version"]) == (200, 10, None)
        status, empty = await get(app, "/v1/services/orders")
        assert (status, empty["observations"]) == (200, 0)
        status, _ = await get(app, "/v1/services/billing")
        assert status == 404


async def test_routes_and_versions_after_a_run(tmp_path: Path) -> None:
    async with learner(tmp_path) as app:
        status, routes = await get(app, "/v1/services/users/routes")
        assert (status, routes["version"], routes["routes"]) == (200, None, [])
        await app.post(learned_batch())
        learn(tmp_path)
        status, routes = await get(app, "/v1/services/users/routes")
        assert routes["version"] == 1
        assert [(r["route"], r["mode"]) for r in routes["routes"]] == [("GET /users", "learn")]
        assert routes["routes"][0]["samples"] >= 10
        status, versions = await get(app, "/v1/services/users/policies")
        assert [v["version"] for v in versions["versions"]] == [1]
        status, policy = await get(app, "/v1/services/users/policies/1")
        assert "GET /users" in policy["routes"]
        status, layer = await get(app, "/v1/services/users/policies/1?layer=learned")
        assert "GET /users" in layer["routes"]
        response = await app.client.get(
            "/v1/services/users/policies/1?format=yaml", headers=bearer(OPERATOR)
        )
        assert "GET /users" in await response.text()
        assert (await get(app, "/v1/services/users/policies/9"))[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/v1/services/users/policies/x",
        "/v1/services/users/policies/1?layer=other",
        "/v1/services/users/alerts?limit=0",
        "/v1/services/users/alerts?limit=5000",
        "/v1/services/users/alerts?request_id=" + "r" * 200,
    ],
)
async def test_bad_parameters_are_422(tmp_path: Path, path: str) -> None:
    async with learner(tmp_path) as app:
        await app.post(learned_batch())
        response = await app.client.get(path, headers=bearer(OPERATOR))
        assert response.status == 422
        assert response.headers["Content-Type"] == "application/problem+json"


async def test_alerts_page_backwards(tmp_path: Path) -> None:
    alerts = [
        {
            "code": "V110",
            "route": "GET /users",
            "field": f"query.k{i}",
            "expected": "a known field",
            "seen": f"'query.k{i}'",
            "severity": "medium",
            "verdict": "block",
            "request_id": f"req-{i}",
        }
        for i in range(5)
    ]
    async with learner(tmp_path) as app:
        await app.post(encode_batch("users", [], alerts=alerts))
        _, page = await get(app, "/v1/services/users/alerts?limit=2")
        assert [a["request_id"] for a in page["alerts"]] == ["req-4", "req-3"]
        _, older = await get(
            app, f"/v1/services/users/alerts?limit=2&before={page['alerts'][-1]['id']}"
        )
        assert [a["request_id"] for a in older["alerts"]] == ["req-2", "req-1"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/services"),
        ("GET", "/v1/services/users"),
        ("GET", "/v1/services/users/routes"),
        ("GET", "/v1/services/users/alerts"),
        ("GET", "/v1/services/users/policies"),
        ("GET", "/v1/services/users/policies/1"),
        ("POST", "/v1/services/users/learn"),
    ],
)
async def test_gate_tokens_cannot_operate(tmp_path: Path, method: str, path: str) -> None:
    async with learner(tmp_path) as app:
        response = await app.client.request(method, path, headers=bearer(USERS))
        assert response.status == 403
        unauthenticated = await app.client.request(method, path)
        assert unauthenticated.status == 401


async def test_learn_now_asks_the_scheduler(tmp_path: Path) -> None:
    asked: list[str] = []
    async with learner(tmp_path) as app:
        app.state.learn_now = lambda service: asked.append(service) is None
        response = await app.client.post("/v1/services/users/learn", headers=bearer(OPERATOR))
        assert response.status == 202
        assert await response.json() == {"service": "users", "scheduled": True}
    assert asked == ["users"]
