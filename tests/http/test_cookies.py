"""Cookie headers split as Starlette, Werkzeug and aiohttp read them."""

from __future__ import annotations

import pytest

from vigil.http.cookies import cookie_pairs, hidden_cookie, unquote_cookie


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
