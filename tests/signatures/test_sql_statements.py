"""Statements inside a value: verbs with what they need, stacked statements, casts, cut-offs."""

from __future__ import annotations

import pytest

from vigil.signatures.sql_lexer import tokenize
from vigil.signatures.sql_statements import is_cast, select_after, stacked, statement, truncated


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("select * from t", True),
        ("select a from t", True),
        ("select case when 1=1 then 1 end", True),
        ("select (case when a then b end)", True),
        ("select case study", False),
        ("select a thing", False),
        ("drop table users", True),
        ("drop the ball", False),
        ("execute immediate 'drop table t'", True),
        ("execute immediately", False),
        ("insert into t values (1)", True),
        ("waitfor delay '0:0:5'", True),
    ],
)
def test_a_verb_starts_a_statement_only_with_what_it_needs(text: str, expected: bool) -> None:
    assert statement(tokenize(text), 0) is expected


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        (";drop table t", "drop"),
        (";set @a = 1", "set"),
        (";set @a := 1", "set"),
        (";prepare s from @a", "prepare"),
        (";replace into t values (1)", "replace"),
        (";replace t (a) values (1)", "replace"),
        (";replace t (a) select 1", "replace"),
        ("; set the table", ""),
        ("; replace the filter (carbon)", ""),
        ("; prepare the meal", ""),
        (";", ""),
    ],
)
def test_stacked_statements(text: str, verb: str) -> None:
    assert stacked(tokenize(text), 0) == verb


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("union select 1", 1),
        ("union all select 1", 2),
        ("union /**/ distinct (select 1)", 4),
        ("union of workers", -1),
    ],
)
def test_the_select_of_a_union(text: str, index: int) -> None:
    assert select_after(tokenize(text), 1) == index


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'' or x notnull--", True),
        ("'' or x #", True),
        ("'' or x -- -", True),
        ("'' or x;", True),
        ("'' or x;'", True),
        ("'' or x -- see the notes", False),
        ("'' or yours", False),
        ("'' or x; then more", False),
        ("'' or --", False),
    ],
)
def test_a_value_that_cuts_the_query_off(text: str, expected: bool) -> None:
    assert truncated(tokenize(text), 2) is expected


@pytest.mark.parametrize(
    ("text", "at", "expected"),
    [
        ("password::int", 1, True),
        ("f(x)::text", 4, True),
        ("'[1]'::jsonb", 1, True),
        ("1+current_user::int", 3, True),
        ("std::string", 1, False),
        ("Foo::Bar::int", 3, False),
        ("::int", 0, False),
    ],
)
def test_casts_that_force_text_into_an_error(text: str, at: int, expected: bool) -> None:
    tokens = tokenize(text)
    assert tokens[at].text == "::"
    assert is_cast(tokens, at, 0) is expected
