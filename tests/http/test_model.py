"""The request/response model: header lookup, media types and request targets."""

from __future__ import annotations

import pytest

from vigil.http.model import BodyState, Request, Response, is_absolute_form, split_target


@pytest.mark.parametrize(
    ("headers", "name", "expected"),
    [
        pytest.param([("accept", "a"), ("accept", "b")], "accept", "a", id="first-of-repeats"),
        pytest.param([("user-agent", "curl")], "User-Agent", "curl", id="case-insensitive-name"),
        pytest.param([("accept", "a")], "host", None, id="absent"),
        pytest.param([], "accept", None, id="no-headers"),
    ],
)
def test_header_returns_first_value_case_insensitively(
    headers: list[tuple[str, str]], name: str, expected: str | None
) -> None:
    assert Request("GET", "/", headers=headers).header(name) == expected
    assert Response(200, headers=headers).header(name) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("application/json", "application/json", id="plain"),
        pytest.param("Application/JSON; charset=UTF-8", "application/json", id="params-and-case"),
        pytest.param("  text/html ;q=1", "text/html", id="spaces"),
        pytest.param("multipart/form-data; boundary=x", "multipart/form-data", id="boundary"),
        pytest.param(None, "", id="absent"),
    ],
)
def test_content_type_is_the_bare_lower_case_media_type(value: str | None, expected: str) -> None:
    headers = [] if value is None else [("content-type", value)]
    assert Request("POST", "/", headers=headers).content_type == expected
    assert Response(200, headers=headers).content_type == expected


def test_defaults_describe_an_empty_complete_request_and_response() -> None:
    request = Request("GET", "/")
    assert (request.query, request.headers, request.body) == ("", [], b"")
    assert request.body_state is BodyState.COMPLETE
    response = Response(204)
    assert (response.body, response.latency_ms, response.body_state) == (
        b"",
        0.0,
        BodyState.COMPLETE,
    )


def test_default_header_lists_are_not_shared() -> None:
    first, second = Request("GET", "/"), Request("GET", "/")
    first.headers.append(("x", "1"))
    assert second.headers == []


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param("/users?username=tom", ("/users", "username=tom"), id="path-and-query"),
        pytest.param("/users", ("/users", ""), id="no-query"),
        pytest.param("/a?b?c", ("/a", "b?c"), id="second-question-mark-stays-in-query"),
        pytest.param("/a#frag?x=1", ("/a", ""), id="fragment-dropped-before-query"),
        pytest.param("/a?x=1#frag", ("/a", "x=1"), id="fragment-dropped-after-query"),
        pytest.param("http://h.test/p?q=1", ("/p", "q=1"), id="absolute-form"),
        pytest.param("https://h.test", ("/", ""), id="absolute-form-no-path"),
        pytest.param("?q=1", ("/", "q=1"), id="empty-path-is-root"),
        pytest.param("", ("/", ""), id="empty-target"),
        pytest.param("/redirect?to=http://x/y", ("/redirect", "to=http://x/y"), id="url-in-query"),
        pytest.param("/s?q=http://x/%27", ("/s", "q=http://x/%27"), id="url-early-in-query"),
        pytest.param("/?u=ftp://x", ("/", "u=ftp://x"), id="url-at-once-in-query"),
        pytest.param("/a://b", ("/a://b", ""), id="colon-slashes-in-path"),
        pytest.param("HTTP://h.test/p", ("/p", ""), id="scheme-is-case-insensitive"),
        pytest.param("svn+ssh://h/p?x", ("/p", "x"), id="scheme-with-plus"),
        pytest.param("http://h.test?q=1", ("/", "q=1"), id="absolute-form-query-without-path"),
        pytest.param("http://h.test#f", ("/", ""), id="absolute-form-fragment-without-path"),
        pytest.param("1http://h/p", ("1http://h/p", ""), id="scheme-must-start-with-a-letter"),
        pytest.param("*", ("*", ""), id="asterisk-form-kept"),
        pytest.param("h.test:443", ("h.test:443", ""), id="authority-form-kept"),
    ],
)
def test_split_target(target: str, expected: tuple[str, str]) -> None:
    assert split_target(target) == expected


def test_body_states_have_stable_wire_names() -> None:
    assert [s.value for s in BodyState] == [
        "complete",
        "truncated",
        "unknown-length",
        "undecodable",
    ]


@pytest.mark.parametrize(
    ("target", "absolute"),
    [
        ("http://h/p", True),
        ("https://h", True),
        ("/s?q=http://x", False),
        ("/http://x", False),
        ("h://", True),
        ("://h/p", False),
        ("a b://h", False),
        ("é://h", False),
    ],
)
def test_is_absolute_form_only_for_a_leading_scheme(target: str, absolute: bool) -> None:
    assert is_absolute_form(target) is absolute
