"""Cookie headers split as Starlette, Werkzeug and aiohttp read them."""

from __future__ import annotations

import pytest

from vigil.http.cookies import cookie_pairs, hidden_cookie, quoted_separator, unquote_cookie


@pytest.mark.parametrize(
    ("header", "pairs"),
    [
        pytest.param("a=1; b=2", [("a", "1"), ("b", "2")], id="plain"),
        pytest.param(" a = 1 ;b=x=y", [("a", "1"), ("b", "x=y")], id="spaces-and-equals"),
        pytest.param('s="\\047 OR \\0471\\047=\\0471"', [("s", "' OR '1'='1")], id="octal-escapes"),
        pytest.param('s="a\\"b\\\\c"', [("s", 'a"b\\c')], id="backslash-escapes"),
        pytest.param('s="plain"', [("s", "plain")], id="quotes-removed"),
        pytest.param('s="half', [("s", '"half')], id="unbalanced-kept"),
        pytest.param("' OR 1 --", [("", "' OR 1 --")], id="no-equals-is-a-nameless-value"),
        pytest.param("a=1;;  ;b=", [("a", "1"), ("b", "")], id="empty-pieces"),
    ],
)
def test_cookie_pairs(header: str, pairs: list[tuple[str, str]]) -> None:
    assert cookie_pairs(header, 10) == pairs


def test_cookie_pairs_are_bounded() -> None:
    assert len(cookie_pairs("a=1;" * 1000, 5)) == 5


@pytest.mark.parametrize(
    ("value", "text"), [('"\\101"', "A"), ('"\\400"', "400"), ('""', ""), ("x", "x")]
)
def test_unquote_cookie(value: str, text: str) -> None:
    assert unquote_cookie(value) == text


@pytest.mark.parametrize(
    ("header", "hidden"),
    [
        ("a=1; b=2", False),
        ("a=1;b=2", False),
        ("x=1 ; y=2", False),
        ("loc=New York", False),
        ('s="a b=c"', False),
        ("theme=dark session=x", True),
        ("a $Version=1", True),
        ('s="q" t=1', True),
        ("a=1\tb=2", True),
    ],
)
def test_hidden_cookie(header: str, hidden: bool) -> None:
    assert hidden_cookie(header) is hidden


QUOTED_SEPARATOR_CASES = [
    ('$Version=1; s="deadbeef; PHPSESSID=secret; d=q"', True),
    ('a=1; s="dead;beef"; b=2', True),
    ('a= "x;y"', True),
    ('a="x\\"; b=2"; c=3', True),
    ("a=1; b=2", False),
    ('q="quoted"; loc=New York', False),
    ('s="a b=c"', False),
    ('prefs={"theme":"dark","lang":"fr"}; cart=1', False),
    ("no quotes; at=all", False),
]


@pytest.mark.parametrize(("header", "split"), QUOTED_SEPARATOR_CASES)
def test_quoted_separator(header: str, split: bool) -> None:
    assert quoted_separator(header) is split


@pytest.mark.parametrize("header", [h for h, split in QUOTED_SEPARATOR_CASES if split])
def test_quoted_separator_is_where_the_stacks_disagree(header: str) -> None:
    """Every header it finds is one Starlette reads apart from Werkzeug and aiohttp."""
    starlette = pytest.importorskip("starlette.requests")
    werkzeug = pytest.importorskip("werkzeug.http")
    aiohttp_utils = pytest.importorskip("aiohttp.test_utils")
    readings = [
        starlette.cookie_parser(header),
        dict(werkzeug.parse_cookie(header)),
        dict(aiohttp_utils.make_mocked_request("GET", "/", headers={"Cookie": header}).cookies),
    ]
    assert readings[0] != readings[1] == readings[2], readings
