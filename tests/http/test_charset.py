"""Charsets: the text every stack reads, or the reason stacks read a body differently."""

from __future__ import annotations

import pytest

from vigil.http.charset import (
    Reading,
    codec_of,
    declared_charset,
    form_problem,
    json_problem,
    json_reading,
    text_problem,
)

DOC = '{"q": "caf\u00e9 <b>"}'


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("application/json", None),
        ("application/json; charset=UTF-8", "utf-8"),
        ('text/plain; charset="ISO-8859-1"', "iso-8859-1"),
        ("text/plain; format=flowed", None),
    ],
)
def test_declared_charset(content_type: str, charset: str | None) -> None:
    assert declared_charset(content_type) == charset


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("UTF-8", "utf-8"),
        ("utf8", "utf-8"),
        ("us-ascii", "ascii"),
        ("Latin1", "latin-1"),
        ("utf-7", None),
        ("cp500", None),
        ("x" * 100, None),
    ],
)
def test_codec_of_knows_a_short_list(name: str, codec: str | None) -> None:
    assert codec_of(name) == codec


@pytest.mark.parametrize(
    ("body", "charset", "text"),
    [
        pytest.param(DOC.encode(), None, DOC, id="utf8"),
        pytest.param(DOC.encode(), "utf-8", DOC, id="utf8-declared"),
        pytest.param(b"\xef\xbb\xbf" + DOC.encode(), "utf-8", DOC, id="utf8-bom-stripped"),
        pytest.param(DOC.encode("utf-16"), None, DOC, id="utf16-bom-detected"),
        pytest.param(DOC.encode("utf-16-be"), None, DOC, id="utf16be-detected"),
        pytest.param(DOC.encode("utf-32"), None, DOC, id="utf32-detected"),
        pytest.param(DOC.encode("utf-16"), "utf-16", DOC, id="utf16-declared-agrees"),
        pytest.param(b'{"a": 1}', "iso-8859-1", '{"a": 1}', id="ascii-under-latin1"),
        pytest.param(b'{"a": "\xe9"}', "iso-8859-1", '{"a": "\xe9"}', id="latin1-only-reading"),
        pytest.param(b'{"a": "\xff\xfe"}', None, None, id="undecodable"),
    ],
)
def test_json_reading_agreed(body: bytes, charset: str | None, text: str | None) -> None:
    assert json_reading(body, charset) == Reading(text)


@pytest.mark.parametrize(
    ("body", "charset"),
    [
        pytest.param(b'{"q": "+ADw-script+AD4-"}', "utf-7", id="utf7"),
        pytest.param(DOC.encode(), "iso-8859-1", id="utf8-declared-latin1"),
        pytest.param(DOC.encode(), "cp500", id="ebcdic"),
        pytest.param(DOC.encode("utf-16-le"), "utf-16-be", id="wrong-byte-order"),
    ],
)
def test_json_reading_ambiguous(body: bytes, charset: str) -> None:
    assert json_reading(body, charset).problem


@pytest.mark.parametrize(
    ("body", "charset", "ambiguous"),
    [
        (b"a=1&b=%C3%A9", None, False),
        (b"a=1&b=%C3%A9", "utf-8", False),
        (b"a=1&b=%27", "iso-8859-1", False),
        (b"a=%E9", "iso-8859-1", True),
        (b"a=caf\xe9", "us-ascii", True),
        (b"a=+ACc-", "utf-7", True),
        ("a=1".encode("utf-16"), "utf-16", True),
        (b"a=%2", "iso-8859-1", False),
    ],
)
def test_form_problem(body: bytes, charset: str | None, ambiguous: bool) -> None:
    assert bool(form_problem(body, charset)) is ambiguous


@pytest.mark.parametrize(
    ("charset", "ambiguous"),
    [
        (None, False),
        ("utf-8", False),
        ("iso-8859-1", False),
        ("utf-7", True),
        ("utf-16", True),
        ("shift_jis", True),
    ],
)
def test_text_problem(charset: str | None, ambiguous: bool) -> None:
    assert bool(text_problem(charset)) is ambiguous


@pytest.mark.parametrize(
    ("body", "charset"),
    [
        (DOC.encode(), None),
        (DOC.encode(), "utf-8"),
        (b'{"q": "+ADw-"}', "utf-7"),
        (DOC.encode(), "iso-8859-1"),
        (DOC.encode("utf-16"), "utf-8"),
    ],
)
def test_json_problem_agrees_with_json_reading(body: bytes, charset: str | None) -> None:
    assert json_problem(body, charset) == json_reading(body, charset).problem
