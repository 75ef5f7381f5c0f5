"""Judging responses against a route's learned answers: status, size, latency and schema."""

from __future__ import annotations

import pytest

from vigil.behavior.alerts import Severity
from vigil.behavior.compiled import CompiledRoute, compile_route
from vigil.behavior.profile import profile_response
from vigil.behavior.response import judge_response
from vigil.http.model import Response

from .builders import response, trained_engine, users_response


@pytest.fixture(scope="module")
def route() -> CompiledRoute:
    engine = trained_engine(answer=users_response)
    return compile_route("GET /users", engine.policy.routes["GET /users"], engine.policy)


NORMAL = {"users": [{"name": "tom", "id": 7}]}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param(response(200, NORMAL), [], id="normal"),
        pytest.param(
            response(500, NORMAL), [("V130", "response.status", Severity.MEDIUM)], id="server-error"
        ),
        pytest.param(
            response(404, NORMAL), [("V130", "response.status", Severity.LOW)], id="not-found"
        ),
        pytest.param(
            response(200, {"users": [{"name": "x" * 5000, "id": 7}]}),
            [("V131", "response.size", Severity.LOW)],
            id="larger",
        ),
        pytest.param(
            response(200, {"users": [{"name": "x" * 80_000, "id": 7}]}),
            [("V131", "response.size", Severity.MEDIUM)],
            id="far-larger",
        ),
        pytest.param(
            response(200, NORMAL, latency_ms=60_000.0),
            [("V132", "response.latency_ms", Severity.LOW)],
            id="slow",
        ),
        pytest.param(
            response(200, {"users": [{"name": "tom", "id": 7, "password": "x"}]}),
            [("V110", "response.json.users[].password", Severity.LOW)],
            id="new-field",
        ),
        pytest.param(
            response(200, {"users": [{"name": "tom", "id": "7"}]}),
            [("V125", "response.json.users[].id", Severity.LOW)],
            id="kind-changed",
        ),
    ],
)
def test_judge_response(
    route: CompiledRoute, answer: Response, expected: list[tuple[str, str, Severity]]
) -> None:
    alerts = judge_response(route, profile_response(answer))
    assert [(a.code, a.field, a.severity) for a in alerts] == expected
