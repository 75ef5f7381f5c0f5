"""Percent-decoding that keeps the evidence: every anomaly flagged, nothing raised."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.http.urlcodec import (
    ENCODING_NAMES,
    Encoding,
    decode_bytes,
    decode_component,
    flags_from_names,
    names_of,
    normalize,
    split_pairs,
    text_flags,
)


@pytest.mark.parametrize(
    ("raw", "text", "flags"),
    [
        pytest.param("tom", "tom", Encoding.NONE, id="plain"),
        pytest.param("tom%20or%201%3D1", "tom or 1=1", Encoding.NONE, id="clean-escapes"),
        pytest.param("a+b", "a b", Encoding.NONE, id="plus-is-space"),
        pytest.param("%2527", "%27", Encoding.DOUBLE_ENCODED, id="double-encoding"),
        pytest.param(
            "%252e%252e%252f", "%2e%2e%2f", Encoding.DOUBLE_ENCODED, id="double-traversal"
        ),
        pytest.param(
            "%C0%AE",
            "\u00c0\u00ae",
            Encoding.OVERLONG_UTF8 | Encoding.NON_UTF8,
            id="overlong-utf8",
        ),
        pytest.param("%00", "\x00", Encoding.NUL, id="nul"),
        pytest.param("a%01b", "a\x01b", Encoding.CONTROL, id="control"),
        pytest.param("%7f", "\x7f", Encoding.CONTROL, id="delete-is-control"),
        pytest.param("%0d%0a", "\r\n", Encoding.CRLF, id="crlf"),
        pytest.param("%0a", "\n", Encoding.CRLF, id="bare-lf"),
        pytest.param("%zz", "%zz", Encoding.BAD_PERCENT, id="bad-escape-zz"),
        pytest.param("%4", "%4", Encoding.BAD_PERCENT, id="bad-escape-truncated"),
        pytest.param("100%", "100%", Encoding.BAD_PERCENT, id="trailing-percent"),
        pytest.param("caf%E9", "caf\u00e9", Encoding.NON_UTF8, id="latin1-byte"),
        pytest.param("caf%C3%A9", "caf\u00e9", Encoding.NONE, id="utf8-is-clean"),
        pytest.param(
            "\uff05\uff13\uff23",
            "%3C",
            Encoding.NFKC_CHANGED | Encoding.DOUBLE_ENCODED,
            id="fullwidth-percent-3c-is-an-encoding-after-normalisation",
        ),
        pytest.param(
            "\uff1cscript\uff1e", "<script>", Encoding.NFKC_CHANGED, id="fullwidth-script"
        ),
        pytest.param(
            "%EF%BC%9Cscript%EF%BC%9E",
            "<script>",
            Encoding.NFKC_CHANGED,
            id="encoded-fullwidth-script",
        ),
        pytest.param("\t", "\t", Encoding.NONE, id="tab-is-not-control"),
    ],
)
def test_decode_component_flags_each_anomaly(raw: str, text: str, flags: Encoding) -> None:
    decoded, found = decode_component(raw)
    assert decoded == text
    assert found == flags, names_of(found)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("%C0%AF", id="2-byte-slash"),
        pytest.param("%C1%9C", id="2-byte-backslash"),
        pytest.param("%E0%80%AF", id="3-byte-slash"),
        pytest.param("%F0%80%80%AF", id="4-byte-slash"),
    ],
)
def test_every_overlong_form_is_flagged(raw: str) -> None:
    flags = decode_component(raw)[1]
    assert flags & Encoding.OVERLONG_UTF8
    assert flags & Encoding.NON_UTF8


@pytest.mark.parametrize(
    ("raw", "plus_as_space", "text"),
    [
        pytest.param("a+b", False, "a+b", id="path-keeps-plus"),
        pytest.param("a+b%20c", False, "a+b c", id="path-keeps-plus-with-escapes"),
        pytest.param("a+b%20c", True, "a b c", id="form-plus-with-escapes"),
    ],
)
def test_plus_as_space_is_optional(raw: str, plus_as_space: bool, text: str) -> None:
    assert decode_component(raw, plus_as_space=plus_as_space)[0] == text


def test_double_encoding_needs_a_well_formed_inner_escape() -> None:
    assert decode_component("%25zz")[1] == Encoding.NONE
    assert decode_component("%25u0041")[1] == Encoding.DOUBLE_ENCODED


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        pytest.param("plain text", 0, id="printable"),
        pytest.param("a\x00b", Encoding.NUL, id="nul"),
        pytest.param("a\rb", Encoding.CRLF, id="cr"),
        pytest.param("\x1b[31m", Encoding.CONTROL, id="escape"),
        pytest.param("\x00\r\n\x07", Encoding.NUL | Encoding.CRLF | Encoding.CONTROL, id="all"),
        pytest.param("a\tb", 0, id="tab"),
        pytest.param("\u2028", 0, id="unicode-separator-is-not-flagged"),
    ],
)
def test_text_flags(text: str, flags: int) -> None:
    assert text_flags(text) == flags


@pytest.mark.parametrize(
    ("raw", "text", "flags"),
    [
        pytest.param(b"abc", "abc", 0, id="ascii"),
        pytest.param("é".encode(), "é", 0, id="utf8"),
        pytest.param(b"\xe9", "é", Encoding.NON_UTF8, id="latin1"),
        pytest.param(
            b"\xc0\xaf", "\u00c0\u00af", Encoding.NON_UTF8 | Encoding.OVERLONG_UTF8, id="overlong"
        ),
        pytest.param(
            b"\xf0\x80\x80\xaf",
            "\u00f0\x80\x80\u00af",
            Encoding.NON_UTF8 | Encoding.OVERLONG_UTF8,
            id="overlong-4",
        ),
    ],
)
def test_decode_bytes(raw: bytes, text: str, flags: int) -> None:
    assert decode_bytes(raw) == (text, flags)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("abc", ("abc", 0), id="ascii-untouched"),
        pytest.param("café", ("café", 0), id="nfc-already"),
        pytest.param("\ufb01le", ("file", Encoding.NFKC_CHANGED), id="ligature"),
        pytest.param("\u2460", ("1", Encoding.NFKC_CHANGED), id="circled-digit"),
        pytest.param("1=\u03381", ("1=\u03381", Encoding.NFKC_CHANGED), id="equals-kept"),
        pytest.param(
            "\uff1c\u0338script>", ("<\u0338script>", Encoding.NFKC_CHANGED), id="fullwidth-less"
        ),
        pytest.param("a>\u0338b", ("a>\u0338b", Encoding.NFKC_CHANGED), id="greater-kept"),
        pytest.param(
            "\ufb01=\u0338\ufb01", ("fi=\u0338fi", Encoding.NFKC_CHANGED), id="rest-normalised"
        ),
        pytest.param("x\u0338", ("x\u0338", Encoding.NFKC_CHANGED), id="overlay-elsewhere"),
        pytest.param("\u2260", ("\u2260", 0), id="precomposed-not-equal-stays"),
    ],
)
def test_normalize(text: str, expected: tuple[str, int]) -> None:
    assert normalize(text) == expected


@given(st.text(alphabet=st.sampled_from("<=>'\"a1 \u0338\u0301\uff1c\u2260"), max_size=12))
def test_normalize_never_hides_an_operator_or_a_quote(text: str) -> None:
    normal, _ = normalize(text)
    for char in "<=>'\"":
        assert normal.count(char) >= text.count(char)


def test_names_round_trip_and_order() -> None:
    every = 0
    for flag in ENCODING_NAMES:
        every |= flag
    assert names_of(every) == list(ENCODING_NAMES.values())
    assert flags_from_names(names_of(every)) == every
    assert names_of(Encoding.NUL | Encoding.BAD_PERCENT) == ["bad-percent-escape", "nul-byte"]
    assert names_of(0) == []


def test_unknown_encoding_name_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="'utf7'"):
        flags_from_names(["nul-byte", "utf7"])


@pytest.mark.parametrize(
    ("raw", "bound", "pairs", "truncated"),
    [
        pytest.param("", 4, [], False, id="empty"),
        pytest.param("a=1&b=2", 4, [("a", "1"), ("b", "2")], False, id="under-bound"),
        pytest.param("a=1&b=2", 2, [("a", "1"), ("b", "2")], False, id="at-bound"),
        pytest.param("a=1&b=2&c=3", 2, [("a", "1"), ("b", "2")], True, id="over-bound"),
        pytest.param("a=1&b=2&", 2, [("a", "1"), ("b", "2")], False, id="trailing-ampersand"),
        pytest.param("a=1&b=2&&&", 2, [("a", "1"), ("b", "2")], False, id="trailing-ampersands"),
        pytest.param("a&b=", 4, [("a", ""), ("b", "")], False, id="no-values"),
        pytest.param("a=1=2", 4, [("a", "1=2")], False, id="first-equals-splits"),
        pytest.param("&&a=1&&", 8, [("a", "1")], False, id="empty-parts-skipped"),
        pytest.param("a=%zz", 4, [("a", "%zz")], False, id="stays-raw"),
        pytest.param("a=1", 0, [], True, id="zero-bound"),
    ],
)
def test_split_pairs(raw: str, bound: int, pairs: list[tuple[str, str]], truncated: bool) -> None:
    assert split_pairs(raw, bound) == (pairs, truncated)


def test_split_pairs_of_ten_thousand_keys_stops_at_the_bound() -> None:
    raw = "&".join(f"k{i}=v" for i in range(10_000))
    pairs, truncated = split_pairs(raw, 256)
    assert truncated
    assert len(pairs) == 256
    assert pairs[-1] == ("k255", "v")


# Properties ------------------------------------------------------------------------------------

_DECODED_ASCII = st.text(
    st.sampled_from([c for c in string.printable if c not in "%+"]), max_size=60
)


@given(st.text(max_size=200), st.booleans())
def test_decode_component_never_raises(raw: str, plus: bool) -> None:
    text, flags = decode_component(raw, plus_as_space=plus)
    assert isinstance(text, str)
    assert 0 <= flags < 256


@given(st.text(alphabet=st.sampled_from("%+0123456789abcdefABCDEFuzg\x00é"), max_size=80))
def test_decode_component_never_raises_on_escape_soup(raw: str) -> None:
    decode_component(raw)


@given(_DECODED_ASCII)
def test_decode_component_is_idempotent_on_decoded_ascii(text: str) -> None:
    once, flags = decode_component(text)
    assert once == text
    assert decode_component(once) == (once, flags)
    assert not flags & (Encoding.BAD_PERCENT | Encoding.DOUBLE_ENCODED | Encoding.NON_UTF8)


@given(st.text(max_size=300), st.integers(min_value=0, max_value=20))
def test_split_pairs_respects_its_bound(raw: str, bound: int) -> None:
    pairs, truncated = split_pairs(raw, bound)
    assert len(pairs) <= bound
    non_empty = [p for p in raw.split("&") if p]
    if not truncated:
        assert len(pairs) == len(non_empty)
    else:
        assert len(non_empty) > len(pairs)
    for key, value in pairs:
        assert "&" not in key
        assert "&" not in value
