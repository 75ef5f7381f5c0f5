"""Operator decisions over HTTP: validated, bounded, and composed into the published policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.learner.builders import OPERATOR, USERS, bearer, learner, sample
from vigil.behavior.decision import Mode
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import parse_policy
from vigil.behavior.wire import encode_batch
from vigil.learner import store
from vigil.learner.job import LearnJob, run_learn_job

T0 = 1_700_000_000.0
SETTINGS = LearnSettings(min_clients=3, min_windows=2, window_seconds=60)
ALLOW_QUOTE = {
    "route": "GET /users",
    "decision": {"fields": {"query.username": {"allow": {"specials": "'"}, "note": "O'Brien"}}},
}


async def decide(app: Any, body: Any, token: str = OPERATOR, **headers: str) -> Any:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return await app.client.post(
        "/v1/services/users/decisions",
        data=data,
        headers={"Content-Type": "application/json", **bearer(token), **headers},
    )


def run(tmp_path: Path, relearn: bool) -> Any:
    return run_learn_job(
        LearnJob(
            database=str(tmp_path / "learner.db"),
            service="users",
            relearn=relearn,
            settings=SETTINGS,
            reason="test",
        )
    )


def published(tmp_path: Path) -> Any:
    connection = store.connect(tmp_path / "learner.db")
    row = store.latest_policy(connection, "users")
    connection.close()
    assert row is not None
    return parse_policy(orjson.loads(row.policy))


async def test_a_decision_is_recorded_listed_composed_and_withdrawn(tmp_path: Path) -> None:
    decided: list[str] = []
    async with learner(tmp_path) as app:
        app.state.decided = decided.append
        samples = [sample(client=c, time=T0 + 60 * w) for w in range(2) for c in range(1, 6)]
        await app.post(encode_batch("users", samples))
        run(tmp_path, relearn=True)
        response = await decide(app, ALLOW_QUOTE)
        assert response.status == 201
        recorded = await response.json()
        assert recorded["route"] == "GET /users"
        mode = await decide(app, {"route": "GET /users", "decision": {"mode": "enforce"}})
        assert mode.status == 201
        assert decided == ["users", "users"]
        listing = await (
            await app.client.get("/v1/services/users/decisions", headers=bearer(OPERATOR))
        ).json()
        assert [d["author"] for d in listing["decisions"]] == ["alice", "alice"]

        result = run(tmp_path, relearn=False)
        assert result.published
        policy = published(tmp_path)
        assert policy.mode_of("GET /users") is Mode.ENFORCE
        field = policy.operator.routes["GET /users"].fields["query.username"]
        assert field.allow is not None
        assert field.allow.specials == "'"
        assert "GET /users" in policy.routes

        run(tmp_path, relearn=True)
        assert published(tmp_path).mode_of("GET /users") is Mode.ENFORCE

        gone = await app.client.delete(
            f"/v1/services/users/decisions/{mode_id(await mode.json())}", headers=bearer(OPERATOR)
        )
        assert gone.status == 204
        again = await app.client.delete(
            f"/v1/services/users/decisions/{mode_id(await mode.json())}", headers=bearer(OPERATOR)
        )
        assert again.status == 404
        run(tmp_path, relearn=False)
        assert published(tmp_path).mode_of("GET /users") is Mode.LEARN


def mode_id(recorded: dict[str, Any]) -> int:
    return int(recorded["id"])


@pytest.mark.parametrize(
    ("body", "headers", "status", "needle"),
    [
        ({"route": "users", "decision": {}}, {}, 422, "route"),
        ({"route": "GET /users", "decision": {"mode": "sometimes"}}, {}, 422, "decision.mode"),
        (
            {"route": "GET /users", "decision": {"fields": {"q": {"allow": {"shapes": ["x"]}}}}},
            {},
            422,
            "decision.fields.q.allow.shapes",
        ),
        ({"route": "GET /users", "decision": {}, "extra": 1}, {}, 422, "extra"),
        (b"{", {}, 422, "(top)"),
        (ALLOW_QUOTE, {"Content-Type": "text/plain"}, 415, "application/json"),
        (b'{"route": "' + b"x" * 70_000 + b'"}', {}, 413, "at most"),
    ],
)
async def test_bad_decisions_are_refused(
    tmp_path: Path, body: Any, headers: dict[str, str], status: int, needle: str
) -> None:
    async with learner(tmp_path) as app:
        response = await decide(app, body, **headers)
        assert response.status == status
        assert needle in orjson.loads(await response.read())["detail"]


async def test_decisions_are_bounded_and_gates_cannot_decide(tmp_path: Path) -> None:
    async with learner(tmp_path, decisions_per_service=1) as app:
        assert (await decide(app, ALLOW_QUOTE, token=USERS)).status == 403
        assert (await decide(app, ALLOW_QUOTE)).status == 201
        refused = await decide(app, ALLOW_QUOTE)
        assert refused.status == 429
        assert (
            await app.client.delete("/v1/services/users/decisions/x", headers=bearer(OPERATOR))
        ).status == 422
