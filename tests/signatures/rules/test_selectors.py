"""Selectors and routes: which fields and requests a rule reads."""

from __future__ import annotations

import pytest

from vigil.http.body import BodyField
from vigil.http.model import Request, Response
from vigil.inspection.observation import Observation
from vigil.inspection.phases import Context
from vigil.signatures.rules.selectors import RouteMatcher, Selector, request_fields, response_fields


@pytest.mark.parametrize(
    ("selector", "path", "selected"),
    [
        ("query.q", "query.q", True),
        ("query.q", "query.qq", False),
        ("query.*", "query.anything.at.all", True),
        ("json.user.*", "json.user.name", True),
        ("json.user.*", "json.users", False),
        ("header.User-Agent", "header.user-agent", True),
        ("any", "cookie.session", True),
        ("any", "path", True),
        ("any", "raw.query", False),
        ("raw.query", "raw.query", True),
        ("response.header.Server", "response.header.server", True),
    ],
)
def test_selectors(selector: str, path: str, selected: bool) -> None:
    assert Selector.compile(selector).selects(path) is selected


@pytest.mark.parametrize(
    ("route", "methods", "target", "applies"),
    [
        (None, None, ("GET", "/x", "/x"), True),
        ("POST /login", None, ("POST", "/login", "/login"), True),
        ("POST /login", None, ("GET", "/login", "/login"), False),
        ("* /login", None, ("PUT", "/login", "/login"), True),
        ("GET /users/{int}", None, ("GET", "/users/{int}", "/users/42"), True),
        ("GET /users/*", None, ("GET", "/users/{int}", "/users/42"), True),
        ("GET /users/42", None, ("GET", "/users/{int}", "/users/42"), True),
        ("GET /users", None, ("GET", "/users/{int}", "/users/42"), False),
        (None, ["POST", "PUT"], ("GET", "/x", "/x"), False),
        (None, ["POST", "PUT"], ("PUT", "/x", "/x"), True),
    ],
)
def test_routes(
    route: str | None, methods: list[str] | None, target: tuple[str, str, str], applies: bool
) -> None:
    assert RouteMatcher.compile(route, methods).applies(*target) is applies


def test_request_fields_include_the_path_and_the_raw_parts() -> None:
    request = Request("POST", "/a/b%20c", "x=%271", body=b"k=v")
    observation = Observation(
        "POST", "/a/b c", ["a", "b c"], 0, "", [BodyField("form.k", "v")], body=b"k=v"
    )
    fields = request_fields(Context("POST /a/b c", request, observation))
    assert [(f.path, f.text) for f in fields] == [
        ("path", "/a/b c"),
        ("path.1", "b c"),
        ("form.k", "v"),
        ("raw.path", "/a/b%20c"),
        ("raw.query", "x=%271"),
        ("raw.body", "k=v"),
    ]


def test_response_fields() -> None:
    context = Context("GET /", Request("GET", "/"), Observation("GET", "/", [], 0, ""))
    assert response_fields(context) == []
    context.response = Response(500, [("server", "x")], b"oops")
    assert [(f.path, f.text) for f in response_fields(context)] == [
        ("response.status", "500"),
        ("response.header.server", "x"),
        ("response.body", "oops"),
    ]
