"""Hop-by-hop removal and X-Forwarded-For, as plain functions over header pairs."""

from __future__ import annotations

import pytest

from vigil.gate.headers import (
    HOP_BY_HOP,
    MAX_CONNECTION_TOKENS,
    connection_tokens,
    end_to_end,
    end_to_end_lower,
    forwarded_for,
    inspectable_accept_encoding,
    join_repeated,
    narrow_accept_encoding,
)

CASES = [
    pytest.param(
        [("Host", "x"), ("Accept", "*/*")], frozenset(), ["host", "accept"], id="nothing-to-drop"
    ),
    pytest.param(
        [("Host", "x"), ("Connection", "keep-alive"), ("Keep-Alive", "5"), ("TE", "trailers")],
        frozenset(),
        ["host"],
        id="hop-by-hop",
    ),
    pytest.param(
        [("Connection", "close, X-Secret"), ("X-Secret", "1"), ("X-Kept", "2")],
        frozenset(),
        ["x-kept"],
        id="named-in-connection",
    ),
    pytest.param(
        [("Upgrade", "h2c"), ("Transfer-Encoding", "chunked"), ("Content-Length", "3")],
        frozenset({"content-length"}),
        [],
        id="framing-and-drop",
    ),
]


@pytest.mark.parametrize(("headers", "drop", "kept"), CASES)
def test_end_to_end(headers: list[tuple[str, str]], drop: frozenset[str], kept: list[str]) -> None:
    assert [name.lower() for name, _ in end_to_end(headers, drop)] == kept


@pytest.mark.parametrize(("headers", "drop", "kept"), CASES)
def test_end_to_end_lower_agrees_on_lower_case_names(
    headers: list[tuple[str, str]], drop: frozenset[str], kept: list[str]
) -> None:
    lower = [(name.lower(), value) for name, value in headers]
    assert [name for name, _ in end_to_end_lower(lower, HOP_BY_HOP | drop)] == kept


def test_connection_tokens_are_bounded() -> None:
    value = ", ".join(f"x-{i}" for i in range(MAX_CONNECTION_TOKENS * 3))
    tokens = connection_tokens([("connection", value)])
    assert len(tokens) == MAX_CONNECTION_TOKENS
    assert "x-0" in tokens


@pytest.mark.parametrize(
    ("existing", "client", "expected"),
    [
        (None, "10.0.0.1", "10.0.0.1"),
        ("1.2.3.4", "10.0.0.1", "1.2.3.4, 10.0.0.1"),
        ("1.2.3.4", "", "1.2.3.4"),
        (None, "", ""),
    ],
)
def test_forwarded_for(existing: str | None, client: str, expected: str) -> None:
    assert forwarded_for(existing, client) == expected


@pytest.mark.parametrize(
    ("offered", "forwarded"),
    [
        ("gzip, deflate, br", "gzip, deflate"),
        ("br;q=1.0, GZIP;q=0.5", "GZIP;q=0.5"),
        ("identity", "identity"),
        ("*", None),
        ("br, zstd", None),
        ("", None),
    ],
)
def test_inspectable_accept_encoding(offered: str, forwarded: str | None) -> None:
    assert inspectable_accept_encoding(offered) == forwarded


def test_narrow_accept_encoding_handles_every_occurrence() -> None:
    headers = [("accept-encoding", "gzip"), ("host", "h"), ("accept-encoding", "br")]
    assert narrow_accept_encoding(headers) == [("accept-encoding", "gzip"), ("host", "h")]


@pytest.mark.parametrize(
    ("headers", "joined"),
    [
        pytest.param(
            [("cookie", "a=1"), ("host", "h")],
            [("cookie", "a=1"), ("host", "h")],
            id="none-repeated",
        ),
        pytest.param(
            [("cookie", "a=1"), ("host", "h"), ("cookie", "b=2; c=3")],
            [("cookie", "a=1; b=2; c=3"), ("host", "h")],
            id="cookies-joined-with-semicolons",
        ),
        pytest.param(
            [("x-user", "' OR"), ("accept", "a"), ("x-user", "'1'='1")],
            [("x-user", "' OR, '1'='1"), ("accept", "a")],
            id="others-joined-with-commas",
        ),
        pytest.param(
            [("host", "a"), ("host", "b"), ("x", "1"), ("x", "2")],
            [("host", "a"), ("host", "b"), ("x", "1, 2")],
            id="kept-names-stay-repeated",
        ),
    ],
)
def test_join_repeated(headers: list[tuple[str, str]], joined: list[tuple[str, str]]) -> None:
    assert join_repeated(headers, frozenset({"host"})) == joined
