"""The SQL lexer: token kinds, strings and their closing quotes, comments, MySQL markers."""

from __future__ import annotations

import pytest

from vigil.signatures.sql_lexer import Kind, fingerprint, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 union select 1,2", "1UE1,1"),
        ("'' OR 'a'='a'", "s&sos"),
        ("1;drop table users", "1;Ekn"),
        ("sleep (5)", "f(1)"),
        ("hello (world)", "n(n)"),
        ("concat(a,0x3a)", "f(n,1)"),
        ("@@version", "v"),
        ("a.b", "n.n"),
        ("x -- rest", "nc"),
        ("x # rest", "nc"),
        ("x /* c */ y", "ncn"),
        ("/*!50000union*/ select", "UE"),
        ("null is not true", "1oo1"),
        ("`weird name` = 1", "no1"),
        ("a <=> b || c", "non&n"),
        ("Müller", "n"),
    ],
)
def test_fingerprints(text: str, expected: str) -> None:
    assert fingerprint(tokenize(text)) == expected


@pytest.mark.parametrize(
    ("text", "closed"),
    [
        ("'abc'", True),
        ("'abc", False),
        ("''", True),
        ("'''", False),
        ("'a''b'", True),
        ("'a\\'b'", True),
    ],
)
def test_strings_know_whether_they_closed(text: str, closed: bool) -> None:
    tokens = tokenize(text)
    assert [t.kind for t in tokens] == [Kind.STRING]
    assert tokens[0].closed is closed


@pytest.mark.parametrize(
    ("text", "mysql", "standard"),
    [
        ("'a\\'b'", "s", "sns"),
        ("'a\\' or 1", "s", "s&1"),
        ("'a''b'", "s", "s"),
    ],
)
def test_backslash_escapes_only_in_the_mysql_reading(text: str, mysql: str, standard: str) -> None:
    assert fingerprint(tokenize(text)) == mysql
    assert fingerprint(tokenize(text, backslash=False)) == standard


@pytest.mark.parametrize(("text", "operator"), [("a::int", "::"), ("j->>2", "->>"), ("j->2", "->")])
def test_postgresql_operators_are_one_token(text: str, operator: str) -> None:
    assert tokenize(text)[1].text == operator


def test_backtick_identifiers_are_words_without_their_backticks() -> None:
    tokens = tokenize("`Information_Schema`.tables")
    assert (tokens[0].kind, tokens[0].text) == (Kind.WORD, "information_schema")


def test_words_are_lower_cased_and_positions_kept() -> None:
    tokens = tokenize("SELECT Name")
    assert [(t.text, t.start) for t in tokens] == [("select", 0), ("name", 7)]


def test_token_count_is_bounded() -> None:
    assert len(tokenize("a " * 2000, max_tokens=100)) == 100
