"""Value features: character classes, specials, sequences, length, shape, pattern, entropy."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.behavior import values
from vigil.behavior.grammars import Grammar
from vigil.behavior.structure import Danger
from vigil.behavior.values import (
    CACHE_VALUE_CHARS,
    CLASS_NAMES,
    COVERS,
    PATTERN_MAX,
    SEQUENCES,
    SHAPES,
    CharClass,
    class_names,
    classes_from_names,
    classes_of,
    entropy_of,
    pattern_of,
    profile_text,
    shape_of,
    undo_references,
)


@pytest.mark.parametrize(
    ("text", "classes"),
    [
        pytest.param("tom", ["lower"], id="lower"),
        pytest.param("TOM", ["upper"], id="upper"),
        pytest.param("42", ["digit"], id="digit"),
        pytest.param(" \t", ["space"], id="space-and-tab"),
        pytest.param("'-", ["punct"], id="punct"),
        pytest.param("é", ["non-ascii-letter"], id="non-ascii-letter"),
        pytest.param("€", ["non-ascii-symbol"], id="non-ascii-symbol"),
        pytest.param("\x00\x1f\x7f", ["control"], id="control"),
        pytest.param("\r\n", ["control"], id="crlf-is-control"),
        pytest.param("Tom 42'é€\x01", list(CLASS_NAMES.values()), id="all"),
        pytest.param("", [], id="empty"),
    ],
)
def test_character_classes(text: str, classes: list[str]) -> None:
    assert class_names(classes_of(set(text))) == classes
    assert class_names(profile_text(text).classes) == classes


@pytest.mark.parametrize(
    ("text", "specials"),
    [
        pytest.param("tom", "", id="none"),
        pytest.param("' OR '1'='1", "'=", id="sql-quote"),
        pytest.param("<script>alert(1)</script>", "()/<>", id="script"),
        pytest.param(";cat /etc/passwd", "/;", id="command"),
        pytest.param("a-b_c.d", "-._", id="harmless"),
        pytest.param("é€", "", id="non-ascii-are-not-specials"),
    ],
)
def test_special_characters(text: str, specials: str) -> None:
    assert profile_text(text).specials == frozenset(specials)


@pytest.mark.parametrize(
    ("text", "sequences"),
    [
        pytest.param("tom", [], id="none"),
        pytest.param("1 -- comment", ["--"], id="sql-line-comment"),
        pytest.param("a/*b*/c", ["*/", "/*"], id="sql-block-comment"),
        pytest.param("../../etc/passwd", ["../"], id="traversal"),
        pytest.param("..\\windows", ["..\\"], id="windows-traversal"),
        pytest.param("${jndi:ldap://x}", ["${"], id="jndi"),
        pytest.param("{{7*7}}", ["{{"], id="template"),
        pytest.param("<!-- x -->", ["-->", "<!--"], id="html-comment"),
        pytest.param("x-->", ["-->"], id="comment-close-is-not-its-prefix"),
        pytest.param("a--b", ["--"], id="double-dash"),
        pytest.param("<?php ?>", ["<?", "?>"], id="php"),
        pytest.param("&#zz;", ["&#"], id="malformed-html-reference"),
        pytest.param("\\x41\\u0041", ["\\u", "\\x"], id="escapes"),
        pytest.param("a || b && c", ["&&", "||"], id="shell-operators"),
        pytest.param("0X1F", ["0x"], id="hex-prefix-case-insensitive"),
        pytest.param("100", [], id="zero-without-x"),
    ],
)
def test_structural_sequences(text: str, sequences: list[str]) -> None:
    assert sorted(profile_text(text).sequences) == sequences
    assert set(sequences) <= set(SEQUENCES)


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("42", "int", id="int"),
        pytest.param("-7", "int", id="negative-int"),
        pytest.param("3.14", "float", id="float"),
        pytest.param(".5", "float", id="leading-dot-float"),
        pytest.param("1E-3", "float", id="exponent-float"),
        pytest.param("550e8400-e29b-41d4-a716-446655440000", "uuid", id="uuid"),
        pytest.param("deadbeef12", "hex", id="hex"),
        pytest.param("0x1f2e3d4c", "hex", id="hex-prefixed"),
        pytest.param("deadbeef", "word", id="hex-without-digit-is-a-word"),
        pytest.param("dGhpcyBpcyBhIHRlc3Q=", "token", id="base64-token"),
        pytest.param("abc_def-ghi.jklmn", "token", id="url-safe-token"),
        pytest.param("tom@example.com", "email", id="email"),
        pytest.param("a@b", "text", id="email-without-domain-dot"),
        pytest.param("2024-01-31", "date", id="iso-date"),
        pytest.param("2024-01-31T10:00:00Z", "date", id="iso-datetime"),
        pytest.param("2024-01-31 10:00", "date", id="date-with-space"),
        pytest.param("31/01/2024", "date", id="slash-date"),
        pytest.param("192.168.1.1", "ip", id="ipv4"),
        pytest.param("256.1.1.1", "text", id="bad-ipv4"),
        pytest.param("fe80::1", "ip", id="ipv6"),
        pytest.param("::1", "ip", id="ipv6-loopback"),
        pytest.param("tom", "word", id="word"),
        pytest.param("Stra\u00dfe", "word", id="unicode-word"),
        pytest.param("tom42", "alnum", id="alnum"),
        pytest.param("hello world", "text", id="text-with-space"),
        pytest.param("x!", "text", id="text-with-punct"),
    ],
)
def test_typed_shapes(text: str, shape: str) -> None:
    assert profile_text(text).shape == shape
    assert shape_of(text, classes_of(set(text))) == shape
    assert shape in SHAPES


@pytest.mark.parametrize(
    ("learned", "seen", "admitted"),
    [
        pytest.param("float", "int", True, id="float-admits-int"),
        pytest.param("int", "float", False, id="int-rejects-float"),
        pytest.param("token", "uuid", True, id="token-admits-uuid"),
        pytest.param("word", "alnum", False, id="word-rejects-alnum"),
        pytest.param("text", "email", True, id="text-admits-all"),
        pytest.param("email", "text", False, id="email-rejects-text"),
    ],
)
def test_covers(learned: str, seen: str, admitted: bool) -> None:
    assert (seen in COVERS[learned]) is admitted


def test_every_shape_covers_itself() -> None:
    assert set(COVERS) == set(SHAPES)
    assert all(shape in COVERS[shape] for shape in SHAPES)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        pytest.param("12345678Z", "9A", id="id-card"),
        pytest.param("Tom42", "Aa9", id="capitalised"),
        pytest.param("AB-1234", "A-9", id="plate"),
        pytest.param("caf\u00e9", "a", id="latin1-lower"),
        pytest.param("a" * PATTERN_MAX, "a", id="at-limit"),
        pytest.param("a" * (PATTERN_MAX + 1), "", id="too-long"),
    ],
)
def test_run_patterns(text: str, pattern: str) -> None:
    assert pattern_of(text) == pattern
    assert profile_text(text).pattern == pattern


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        pytest.param("", 0.0, id="empty"),
        pytest.param("a", 0.0, id="one-char"),
        pytest.param("aaaa", 0.0, id="constant"),
        pytest.param("ab", 1.0, id="two-symbols"),
        pytest.param("abcd", 2.0, id="four-symbols"),
        pytest.param("".join(chr(65 + i % 64) for i in range(2048)), 6.0, id="large-counts"),
    ],
)
def test_entropy_of(text: str, bits: float) -> None:
    assert math.isclose(entropy_of(text), bits, abs_tol=1e-9)


def test_entropy_is_profiled_only_for_values_of_16_or_more() -> None:
    assert profile_text("abcdefghijklmno").entropy == 0.0
    assert math.isclose(profile_text("abcdefghijklmnop").entropy, 4.0)


@pytest.mark.parametrize("size", [8192, 100_000, 1 << 20])
def test_long_values_are_scanned_whole(size: int) -> None:
    text = "a" * size + "<script>"
    profile = profile_text(text)
    assert profile.length == size + 8
    assert profile.specials == frozenset("<>")
    assert profile.shape == "text"
    assert profile.dangers & Danger.MARKUP


def test_only_short_values_are_cached() -> None:
    short, long = "b" * CACHE_VALUE_CHARS, "c" * (CACHE_VALUE_CHARS + 1)
    profile_text(short)
    profile_text(long)
    assert short in values._cache
    assert long not in values._cache


@pytest.mark.parametrize(
    ("text", "view"),
    [
        pytest.param("&#1040;&#1085;&#1085;&#1072;", "Анна", id="decimal"),
        pytest.param("Jos&#xE9;", "José", id="hexadecimal"),
        pytest.param("&#55296;x", "&#55296;x", id="surrogate-kept"),
        pytest.param("&#99999999;", "&#99999999;", id="too-long-kept"),
        pytest.param("a&#b", "a&#b", id="not-a-reference"),
    ],
)
def test_character_references_are_undone(text: str, view: str) -> None:
    assert undo_references(text) == view


def test_latin1_form_references_profile_as_the_name_they_encode() -> None:
    profile = profile_text("&#1040;&#1085;&#1085;&#1072;")
    assert profile == profile_text("Анна")
    assert profile.specials == frozenset()
    assert profile.grammars & Grammar.NAME


def test_dangers_are_looked_for_behind_references() -> None:
    assert profile_text("&#60;script&#62;").dangers & Danger.MARKUP


def test_profile_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(values, "CACHE_SIZE", 4)
    monkeypatch.setattr(values, "_cache", {})
    for i in range(10):
        profile_text(f"value-{i}")
        assert len(values._cache) <= 4


def test_class_names_round_trip() -> None:
    every = sum(int(c) for c in CharClass)
    assert classes_from_names(class_names(every)) == every
    with pytest.raises(ValueError, match="'emoji'"):
        classes_from_names(["lower", "emoji"])


@given(st.text(max_size=300))
def test_profile_is_deterministic_and_measures_the_whole_text(text: str) -> None:
    first = profile_text(text)
    values._cache.pop(text, None)
    second = profile_text(text)
    assert first == second
    assert first.length == len(text)
    assert first.specials <= frozenset(values.PUNCT)
    assert first.shape in SHAPES
    assert 0.0 <= first.entropy <= 8.0 + 1e-9 or len(text) > 256
