"""Resolution of requests to routes through a compiled policy."""

from __future__ import annotations

import pytest

from vigil.behavior.compiled_policy import compile_policy
from vigil.behavior.policy import Policy, RoutePolicy
from vigil.behavior.profile import profile_request

from .builders import RequestBuilder


def policy(*keys: str) -> Policy:
    return Policy(routes={key: RoutePolicy(samples=50) for key in keys})


Expected = tuple[str, str | None, bool, dict[str, str]]
"""Route key, matched template, whether the route is known, and the parameter fields."""


@pytest.mark.parametrize(
    ("keys", "request_line", "expected"),
    [
        pytest.param(
            ("GET /users",), "GET /users", ("GET /users", "/users", True, {}), id="literal"
        ),
        pytest.param(
            ("GET /users/{int}",),
            "GET /users/42",
            ("GET /users/{int}", "/users/{int}", True, {"path.1": "42"}),
            id="template-param-is-a-field",
        ),
        pytest.param(
            ("GET /users/{int}",),
            "DELETE /users/42",
            ("DELETE /users/{int}", "/users/{int}", False, {"path.1": "42"}),
            id="known-path-unknown-method",
        ),
        pytest.param(("GET /users",), "GET /admin", ("GET /admin", None, False, {}), id="unknown"),
    ],
)
def test_resolution(keys: tuple[str, ...], request_line: str, expected: Expected) -> None:
    compiled = compile_policy(policy(*keys), mature_samples=20)
    method, path = request_line.split(" ")
    obs = profile_request(RequestBuilder().method(method, path).build())
    resolution = compiled.resolve(obs)
    params = {f.path: f.text for f in obs.fields if f.path.startswith("path.")}
    assert (resolution.key, resolution.template, resolution.route is not None, params) == expected


def test_compiled_routes_follow_the_policy() -> None:
    compiled = compile_policy(policy("GET /a", "POST /b"), mature_samples=20)
    assert set(compiled.routes) == {"GET /a", "POST /b"}
    assert compiled.table.match("/b") == "/b"
