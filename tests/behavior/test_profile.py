"""Profiling requests and responses into named, bounded fields."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

import orjson
import pytest

from vigil.behavior.profile import Limits, mask_secret, profile_request, profile_response
from vigil.http.model import BodyState, Request, Response
from vigil.http.urlcodec import Encoding

from .builders import RequestBuilder


def fields(request: Request) -> list[tuple[str, str]]:
    return [(f.path, f.text) for f in profile_request(request).fields]


def test_request_basics() -> None:
    obs = profile_request(
        RequestBuilder().method("get", "/users/42").query(username="tom").client("10.0.0.1").build()
    )
    assert (obs.method, obs.typed_path, obs.segments) == ("GET", "/users/{int}", ["users", "42"])
    assert obs.client == "10.0.0.1"
    assert [(f.path, f.text) for f in obs.fields] == [("query.username", "tom")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("username=tom%20or%201%3D1", [("query.username", "tom or 1=1")], id="decoded"),
        pytest.param("a=1&a=2", [("query.a", "1"), ("query.a", "2")], id="repeats-kept"),
        pytest.param("na%6De=x", [("query.name", "x")], id="key-decoded"),
        pytest.param("flag", [("query.flag", "")], id="key-without-value"),
    ],
)
def test_query_fields(query: str, expected: list[tuple[str, str]]) -> None:
    assert fields(RequestBuilder().get("/").raw_query(query).build()) == expected


def test_query_value_flags_are_kept() -> None:
    obs = profile_request(RequestBuilder().get("/").raw_query("q=%2527&r=%00").build())
    assert [f.flags for f in obs.fields] == [Encoding.DOUBLE_ENCODED, Encoding.NUL]


def test_path_flags_are_collected() -> None:
    obs = profile_request(RequestBuilder().get("/a/%C0%AE%C0%AE/b").build())
    assert obs.path_flags & Encoding.OVERLONG_UTF8


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        pytest.param("user-agent", "curl/8", [("header.user-agent", "curl/8")], id="plain"),
        pytest.param(
            "cookie",
            "session=abc; theme=dark%20blue",
            [("cookie.session", "abc"), ("cookie.theme", "dark blue")],
            id="cookies-split",
        ),
        pytest.param(
            "authorization",
            "Bearer s3cr3t.Token",
            [
                ("header.authorization", "Bearer"),
                ("header.authorization.credentials", "a9aa9a.Aaaaa"),
            ],
            id="auth-scheme-and-credential-shape",
        ),
        pytest.param(
            "authorization",
            "Bearer ' OR '1'='1",
            [
                ("header.authorization", "Bearer"),
                ("header.authorization.credentials", "' AA '9'='9"),
            ],
            id="injected-credential-keeps-its-punctuation",
        ),
        pytest.param(
            "authorization", "Negotiate", [("header.authorization", "Negotiate")], id="scheme-only"
        ),
        pytest.param("content-length", "123", [("header.content-length", "")], id="length-skipped"),
        pytest.param(
            "x-request-id", "abc-123", [("header.x-request-id", "abc-123")], id="request-id"
        ),
    ],
)
def test_header_fields(name: str, value: str, expected: list[tuple[str, str]]) -> None:
    assert fields(RequestBuilder().get("/").header(name, value).build()) == expected


def test_secrets_are_never_profiled() -> None:
    request = RequestBuilder().get("/").header("authorization", "Basic dG9tOnB3").build()
    assert all("dG9t" not in text for _, text in fields(request))


def test_header_value_control_characters_are_flagged() -> None:
    obs = profile_request(RequestBuilder().get("/").header("x-a", "v\r\nx: y").build())
    assert obs.fields[0].flags == Encoding.CRLF


@pytest.mark.parametrize(
    ("request_", "code", "field_name"),
    [
        pytest.param(
            RequestBuilder().get("/").raw_query("&".join(f"k{i}=v" for i in range(10_000))),
            "V122",
            "query",
            id="10000-query-keys",
        ),
        pytest.param(
            RequestBuilder().get("/").headers(tuple((f"x-h{i}", "v") for i in range(200))),
            "V122",
            "header",
            id="200-headers",
        ),
        pytest.param(
            RequestBuilder().post("/").body(b"{bad", "application/json"),
            "V121",
            "body",
            id="bad-json",
        ),
        pytest.param(
            RequestBuilder().post("/").body(b"[" * 100 + b"]" * 100, "application/json"),
            "V122",
            "body",
            id="deep-json",
        ),
    ],
)
def test_structural_findings(request_: RequestBuilder, code: str, field_name: str) -> None:
    limits = Limits()
    obs = profile_request(request_.build(), limits)
    assert [(f.code, f.field) for f in obs.findings] == [(code, field_name)]
    assert sum(f.path.startswith("query.") for f in obs.fields) <= limits.max_query_fields
    assert sum(f.path.startswith("header.") for f in obs.fields) <= limits.max_headers


def test_limits_are_configurable() -> None:
    limits = Limits(max_query_fields=2, max_body_fields=3)
    obs = profile_request(
        RequestBuilder().post("/").raw_query("a=1&b=2&c=3").json(list(range(10))).build(), limits
    )
    assert [f.path for f in obs.fields if f.path.startswith("query.")] == ["query.a", "query.b"]
    assert sum(f.path.startswith("json") for f in obs.fields) == 3
    assert sorted(f.code for f in obs.findings) == ["V122", "V122"]


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(BodyState.TRUNCATED, id="truncated"),
        pytest.param(BodyState.UNKNOWN_LENGTH, id="unknown"),
    ],
)
def test_incomplete_bodies_are_not_parsed(state: BodyState) -> None:
    request = RequestBuilder().post("/").json({"a": 1}).state(state).build()
    obs = profile_request(request)
    assert obs.body_state is state
    assert [f.path for f in obs.fields] == ["header.content-type"]
    assert obs.findings == []
    assert obs.body_size == len(request.body)


def test_body_fields_by_media_type() -> None:
    obs = profile_request(RequestBuilder().post("/login").form(user="tom", pw="x").build())
    assert obs.content_type == "application/x-www-form-urlencoded"
    assert [f.path for f in obs.fields] == ["header.content-type", "form.user", "form.pw"]


@pytest.mark.parametrize(
    "body",
    [
        {"a": 1, "b": ["x", "y"]},
        {"a": 1.5, "b": [1, "y", None]},
    ],
)
def test_a_deferred_json_body_reads_as_an_immediate_one(body: object) -> None:
    request = RequestBuilder().get("/x").query(q="1").json(body).header("x-a", "b").build()
    deferred = profile_request(request, defer_json=True)
    assert deferred.json is None
    assert deferred.unread is not None
    deferred.body = b""
    assert deferred.fields == profile_request(request).fields
    assert deferred.unread is None


def test_an_invalid_deferred_json_body_is_reported_when_read() -> None:
    request = RequestBuilder().post("/x").body(b"{", "application/json").build()
    deferred = profile_request(request, defer_json=True)
    assert deferred.findings == []
    deferred.read()
    assert [f.code for f in deferred.findings] == ["V121"]


def test_response_profile_skips_volatile_headers_and_non_json_bodies() -> None:
    response = Response(
        201,
        [
            ("content-type", "text/html; charset=utf-8"),
            ("date", "Mon"),
            ("set-cookie", "s=1"),
            ("etag", '"x"'),
            ("server", "nginx"),
        ],
        b"<html>",
        latency_ms=12.5,
    )
    obs = profile_response(response)
    assert (obs.status, obs.latency_ms, obs.body_size) == (201, 12.5, 6)
    assert obs.content_type == "text/html"
    assert [f.path for f in obs.fields] == ["header.content-type", "header.server"]


def test_response_json_schema_is_profiled() -> None:
    body = orjson.dumps({"users": [{"id": 1}]})
    obs = profile_response(Response(200, [("content-type", "application/json")], body))
    assert [(f.path, f.kind) for f in obs.fields if f.path.startswith("json")] == [
        ("json", "object"),
        ("json.users", "array"),
        ("json.users[]", "object"),
        ("json.users[].id", "number"),
    ]


@pytest.mark.parametrize(
    ("coding", "encode", "state", "body_paths"),
    [
        pytest.param("gzip", gzip.compress, BodyState.COMPLETE, ["json", "json.user"], id="gzip"),
        pytest.param(
            "deflate", zlib.compress, BodyState.COMPLETE, ["json", "json.user"], id="deflate"
        ),
        pytest.param("br", lambda b: b, BodyState.UNDECODABLE, [], id="unsupported"),
        pytest.param("gzip", lambda b: b"not gzip", BodyState.UNDECODABLE, [], id="corrupt"),
    ],
)
def test_encoded_request_bodies_are_profiled_decoded(
    coding: str, encode: Callable[[bytes], bytes], state: BodyState, body_paths: list[str]
) -> None:
    body = encode(orjson.dumps({"user": "' OR '1'='1"}))
    request = (
        RequestBuilder()
        .post("/login")
        .body(body, "application/json")
        .header("content-encoding", coding)
        .build()
    )
    obs = profile_request(request)
    assert obs.body_state is state
    assert [f.path for f in obs.fields if f.path.startswith("json")] == body_paths
    assert ("' OR '1'='1" in [f.text for f in obs.fields]) is bool(body_paths)
    assert bool(obs.body_error) is (state is BodyState.UNDECODABLE)
    assert obs.body_size == len(body)


def test_a_decompression_bomb_is_truncated_at_the_body_bound() -> None:
    bomb = gzip.compress(b"[" + b"0," * 5_000_000 + b"0]")
    request = (
        RequestBuilder()
        .post("/")
        .body(bomb, "application/json")
        .header("content-encoding", "gzip")
        .build()
    )
    obs = profile_request(request, Limits(body_bytes=4096))
    assert obs.body_state is BodyState.TRUNCATED
    assert [f.path for f in obs.fields if f.path.startswith("json")] == []


def test_gzip_json_responses_are_profiled_decoded() -> None:
    body = gzip.compress(orjson.dumps({"users": [{"id": 1}]}))
    headers = [("content-type", "application/json"), ("content-encoding", "gzip")]
    obs = profile_response(Response(200, headers, body))
    assert [f.path for f in obs.fields if f.path.startswith("json")] == [
        "json",
        "json.users",
        "json.users[]",
        "json.users[].id",
    ]
    assert obs.body_size == len(body)


@pytest.mark.parametrize(
    ("secret", "shape"),
    [
        pytest.param("dXNlcjpwYXNz", "aAAaaaaaAAAa", id="basic"),
        pytest.param("eyJ0.e30.c2ln-_x=", "aaA9.a99.a9aa-_a=", id="jwt-like"),
        pytest.param("' OR '1'='1", "' AA '9'='9", id="injection-keeps-punctuation"),
        pytest.param("clé", "aaé", id="non-ascii-kept"),
    ],
)
def test_mask_secret_keeps_only_the_shape(secret: str, shape: str) -> None:
    assert mask_secret(secret) == shape
    assert len(mask_secret(secret)) == len(secret)


def test_the_observation_carries_the_decoded_body() -> None:
    import gzip

    from vigil.http.model import Request, Response

    body = b'{"a": 1}'
    request = Request(
        "POST",
        "/x",
        headers=[("content-type", "application/json"), ("content-encoding", "gzip")],
        body=gzip.compress(body),
    )
    assert profile_request(request).body == body
    page = Response(
        200, [("content-type", "text/html"), ("content-encoding", "gzip")], gzip.compress(b"<p>")
    )
    assert profile_response(page).body == b"<p>"
    image = Response(200, [("content-type", "image/png")], b"\x89PNG")
    assert profile_response(image).body == b""


@pytest.mark.parametrize(
    ("content_type", "textual"),
    [
        ("text/html", True),
        ("application/json", True),
        ("application/problem+json", True),
        ("application/xml", True),
        ("", True),
        ("image/png", False),
        ("application/octet-stream", False),
    ],
)
def test_textual_media_types(content_type: str, textual: bool) -> None:
    from vigil.behavior.profile import is_textual

    assert is_textual(content_type) is textual
