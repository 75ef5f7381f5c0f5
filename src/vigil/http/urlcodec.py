"""Percent-decoding that keeps the evidence.

Decoding is where evasions hide: double encoding (``%2527``), overlong UTF-8 (``%C0%AE``), NUL
bytes, bare control characters, malformed escapes and Unicode compatibility forms (fullwidth
``＜script＞``). Every value is decoded once, normalised to NFKC, and returned with flags that
name each anomaly met on the way, so the model can learn which anomalies are normal for a field
(CSIC's shop sends ISO-8859-1, for example) and alert on the rest. Decoding never raises.
"""

from __future__ import annotations

import re
import unicodedata
from enum import IntFlag
from urllib.parse import unquote_to_bytes

from vigil.http.flagnames import mask_of, names_in


class Encoding(IntFlag):
    """Anomalies met while decoding one value."""

    NONE = 0
    BAD_PERCENT = 1
    DOUBLE_ENCODED = 2
    NON_UTF8 = 4
    OVERLONG_UTF8 = 8
    NUL = 16
    CONTROL = 32
    CRLF = 64
    NFKC_CHANGED = 128


ENCODING_NAMES: dict[Encoding, str] = {
    Encoding.BAD_PERCENT: "bad-percent-escape",
    Encoding.DOUBLE_ENCODED: "double-percent-encoding",
    Encoding.NON_UTF8: "non-utf8",
    Encoding.OVERLONG_UTF8: "overlong-utf8",
    Encoding.NUL: "nul-byte",
    Encoding.CONTROL: "control-character",
    Encoding.CRLF: "crlf",
    Encoding.NFKC_CHANGED: "unicode-compatibility-form",
}
"""Stable names of the flags, as written in policies and alerts."""

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}|%u[0-9A-Fa-f]{4}")
_OVERLONG = re.compile(rb"[\xc0\xc1][\x80-\xbf]|\xe0[\x80-\x9f]|\xf0[\x80-\x8f]")
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def names_of(flags: int) -> list[str]:
    """The stable names of the flags set in ``flags``, in flag order."""
    return names_in(ENCODING_NAMES, flags)


def flags_from_names(names: list[str]) -> int:
    """Inverse of :func:`names_of`; unknown names raise ValueError."""
    return mask_of(ENCODING_NAMES, names, "encoding anomaly")


_BAD_PCT = int(Encoding.BAD_PERCENT)
_DOUBLE = int(Encoding.DOUBLE_ENCODED)
_NON_UTF8 = int(Encoding.NON_UTF8)
_OVERLONG_FLAG = int(Encoding.OVERLONG_UTF8)
_NUL = int(Encoding.NUL)
_CRLF = int(Encoding.CRLF)
_CTRL = int(Encoding.CONTROL)
_NFKC = int(Encoding.NFKC_CHANGED)


def text_flags(text: str) -> int:
    """Flags that a decoded text carries by itself (NUL, CR/LF, other control characters)."""
    if text.isprintable():
        return 0
    flags = 0
    if "\x00" in text:
        flags |= _NUL
    if "\r" in text or "\n" in text:
        flags |= _CRLF
    if _CONTROL.search(text):
        flags |= _CTRL
    return flags


_OVERLAY = "\u0338"
"""COMBINING LONG SOLIDUS OVERLAY: the one mark that NFKC composes with ``<``, ``=`` or ``>``
(into ``≮``, ``≠``, ``≯``), hiding the ASCII character from every check."""


def normalize(text: str) -> tuple[str, int]:
    """NFKC-normalise non-ASCII text; report whether that changed it.

    ``<``, ``=`` and ``>`` survive: the text is normalised piece by piece between the U+0338
    marks it holds, so no mark is composed with what precedes it (the text counts as changed,
    since it carries an evasion of normalisation). No other ASCII punctuation is ever composed
    away by NFKC.
    """
    if text.isascii():
        return text, 0
    if _OVERLAY in text:
        pieces = text.split(_OVERLAY)
        return _OVERLAY.join(unicodedata.normalize("NFKC", p) for p in pieces), _NFKC
    normal = unicodedata.normalize("NFKC", text)
    return normal, (_NFKC if normal != text else 0)


def decode_bytes(raw: bytes) -> tuple[str, int]:
    """Bytes to text: UTF-8 when valid, else ISO-8859-1 with the NON_UTF8 flag."""
    flags = 0
    if _OVERLONG.search(raw):
        flags |= _OVERLONG_FLAG
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        flags |= _NON_UTF8
    return text, flags


def decode_component(raw: str, plus_as_space: bool = True) -> tuple[str, int]:
    """Percent-decode one URL or form component into normalised text and anomaly flags."""
    if raw.isascii() and raw.isprintable() and "%" not in raw:
        return (raw.replace("+", " ") if plus_as_space and "+" in raw else raw), 0
    flags = 0
    if "%" not in raw:
        text = raw.replace("+", " ") if plus_as_space and "+" in raw else raw
    else:
        if _BAD_PERCENT.search(raw):
            flags |= _BAD_PCT
        if plus_as_space and "+" in raw:
            raw = raw.replace("+", " ")
        text, byte_flags = decode_bytes(unquote_to_bytes(raw))
        flags |= byte_flags
    text, nfkc = normalize(text)
    if "%" in text and _ENCODED.search(text):
        flags |= _DOUBLE
    return text, flags | nfkc | text_flags(text)


def split_pairs(raw: str, max_pairs: int) -> tuple[list[tuple[str, str]], bool]:
    """Split ``a=1&b=2`` into raw (still encoded) pairs, at most ``max_pairs`` of them.

    Returns the pairs and whether the input held more than the bound: callers alert on that
    instead of spending unbounded work on a request with 10,000 keys.
    """
    if not raw:
        return [], False
    parts = raw.split("&", max_pairs)
    truncated = False
    if len(parts) > max_pairs:
        truncated = parts[max_pairs].strip("&") != ""
        parts = parts[:max_pairs]
    pairs: list[tuple[str, str]] = []
    for part in parts:
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((key, value))
    return pairs, truncated
