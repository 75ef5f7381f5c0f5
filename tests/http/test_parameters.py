"""Header parameters: the one form every parser reads alike, and the problems of the rest."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.http.parameters import is_token, parse_parameters


@pytest.mark.parametrize(
    ("header", "value", "params"),
    [
        pytest.param("application/json", "application/json", {}, id="no-parameters"),
        pytest.param(
            "Multipart/Form-Data; Boundary=AbC",
            "multipart/form-data",
            {"boundary": "AbC"},
            id="names-lower-values-kept",
        ),
        pytest.param(
            'form-data; name="user"; filename="a b;c.txt"',
            "form-data",
            {"name": "user", "filename": "a b;c.txt"},
            id="quoted-with-space-and-semicolon",
        ),
        pytest.param('form-data; name=""', "form-data", {"name": ""}, id="empty-quoted"),
        pytest.param(
            "text/plain;charset=utf-8;", "text/plain", {"charset": "utf-8"}, id="trailing-semicolon"
        ),
        pytest.param(
            "text/plain ;  charset=utf-8",
            "text/plain",
            {"charset": "utf-8"},
            id="spaces-around-semicolon",
        ),
        pytest.param(
            "form-data; name*=UTF-8''x; name=x",
            "form-data",
            {"name*": "UTF-8''x", "name": "x"},
            id="extended-name-kept-apart",
        ),
        pytest.param(
            'form-data; name="Jos\u00e9"', "form-data", {"name": "Jos\u00e9"}, id="non-ascii-quoted"
        ),
    ],
)
def test_parameters_read_alike_by_every_parser(
    header: str, value: str, params: dict[str, str]
) -> None:
    parsed = parse_parameters(header)
    assert (parsed.value, dict(parsed.params), parsed.problem) == (value, params, "")


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        pytest.param("multipart/form-data; boundary=a; boundary=b", "twice", id="repeated"),
        pytest.param(
            "multipart/form-data; boundary=a; BOUNDARY=b", "twice", id="repeated-other-case"
        ),
        pytest.param('form-data; name="a\\"b"', "backslash", id="escape"),
        pytest.param('form-data; name="abc', "unterminated", id="unterminated"),
        pytest.param("form-data; name=user name", "neither", id="space-in-token"),
        pytest.param('form-data; name ="x"', "space around", id="space-before-equals"),
        pytest.param('form-data; name= "x"', "neither", id="space-after-equals"),
        pytest.param("form-data; name", "without a value", id="no-equals"),
        pytest.param('form-data; name="x"y', "after a quoted", id="text-after-quote"),
        pytest.param("form-data; na@me=x", "invalid parameter name", id="bad-name"),
        pytest.param("form-data; name=caf\u00e9", "neither", id="non-ascii-token"),
    ],
)
def test_ambiguous_parameters_are_reported(header: str, problem: str) -> None:
    assert problem in parse_parameters(header).problem


def test_parameters_read_before_a_problem_are_kept() -> None:
    parsed = parse_parameters('form-data; name="x"; filename="a\\"b"')
    assert dict(parsed.params) == {"name": "x"}
    assert parsed.problem


def test_parsed_parameters_cannot_be_changed_by_a_caller() -> None:
    parsed = parse_parameters("text/plain; charset=utf-8")
    with pytest.raises(TypeError):
        parsed.params["charset"] = "utf-7"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "token"), [("abc", True), ("a-b.c", True), ("", False), ("a b", False), ('a"', False)]
)
def test_is_token(text: str, token: bool) -> None:
    assert is_token(text) is token


@given(st.text(max_size=40))
def test_any_header_parses_without_raising(header: str) -> None:
    parsed = parse_parameters(header)
    assert isinstance(parsed.problem, str)
