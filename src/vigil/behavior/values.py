"""Features of one value: what a route's fields are learned and judged on.

A value (already decoded and normalised) becomes a small profile: its length, which character
classes it uses, which ASCII special characters, which structural sequences (``--``, ``../``,
``${``), a typed shape (int, float, uuid, hex, date, ip, email, word, token, text), the value
grammars it follows (:mod:`vigil.behavior.grammars`), the dangerous structures it contains
(:mod:`vigil.behavior.structure`) and its Shannon entropy.

Browsers send characters a Latin-1 form cannot encode as numeric character references
(``&#1040;&#1085;&#1085;&#1072;`` for Анна), so features are taken on the value with those
references undone; dangerous structure is looked for in both forms. The whole value is scanned,
however long (values are bounded by the body and header limits before they get here).

Profiling is pure and cached: headers and enum-like values repeat, so most values of real
traffic are profiled once. Only short values are cached, so the cache is bounded in bytes too.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from vigil.behavior.charclass import (
    ASCII_CONTROL,
    CLASS_NAMES,
    CONTROL_BIT,
    DIGIT_BIT,
    DIGITS,
    LOWER,
    OTHER_SYMBOL_BIT,
    PUNCT,
    PUNCT_BIT,
    SPACE_BIT,
    SPACES,
    UPPER,
    CharClass,
    class_names,
    classes_from_names,
    classes_of,
)
from vigil.behavior.grammars import grammars_of
from vigil.behavior.structure import dangers_in

__all__ = [
    "ASCII_CONTROL",
    "CLASS_NAMES",
    "COVERS",
    "DIGITS",
    "LOWER",
    "PUNCT",
    "SEQUENCES",
    "SHAPES",
    "SPACES",
    "TYPED_SHAPES",
    "UPPER",
    "CharClass",
    "TextProfile",
    "class_names",
    "classes_from_names",
    "classes_of",
    "entropy_of",
    "pattern_of",
    "profile_text",
    "shape_of",
    "undo_references",
]

CACHE_SIZE = 16384
"""Bound on cached profiles; the cache is emptied when full (no unbounded growth)."""

CACHE_VALUE_CHARS = 256
"""Only values up to this length are cached, so the cache holds at most ~4 MiB of text."""


SEQUENCES = (
    "--", "/*", "*/", "../", "..\\", "<!--", "-->", "${", "{{", "#{", "<%", "%>", "<?",
    "?>", "&#", "\\x", "\\u", "||", "&&", "0x",
)  # fmt: skip
"""Structural sequences that mean comments, traversal, templating or escapes in some language."""

_SEQUENCE_RE = re.compile(
    "|".join(re.escape(s) for s in sorted(SEQUENCES, key=len, reverse=True)), re.IGNORECASE
)
"""Longest first, so ``-->`` is found as itself and not as its prefix ``--``."""

SHAPES = (
    "empty",
    "int",
    "float",
    "hex",
    "uuid",
    "date",
    "ip",
    "email",
    "word",
    "alnum",
    "token",
    "text",
)
"""Typed shapes, most specific first."""

COVERS: dict[str, frozenset[str]] = {
    "empty": frozenset({"empty"}),
    "int": frozenset({"int"}),
    "float": frozenset({"int", "float"}),
    "hex": frozenset({"hex", "int"}),
    "uuid": frozenset({"uuid"}),
    "date": frozenset({"date"}),
    "ip": frozenset({"ip"}),
    "email": frozenset({"email"}),
    "word": frozenset({"word"}),
    "alnum": frozenset({"alnum", "word", "int", "hex"}),
    "token": frozenset({"token", "alnum", "word", "int", "hex", "uuid"}),
    "text": frozenset(SHAPES),
}
"""Which seen shapes a learned shape admits: a field learned as ``float`` accepts ``int``."""

TYPED_SHAPES = frozenset({"int", "float", "hex", "uuid", "date", "ip", "email"})
"""Shapes strict enough that a deviation is evidence on its own."""

_FLOAT = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d{1,4})?")
_INT = re.compile(r"[-+]?\d{1,40}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]{8,}")
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
)
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)")
_IPV6 = re.compile(r"[0-9a-fA-F:]{2,39}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_TOKEN = re.compile(r"[A-Za-z0-9+/=_.-]{16,}")
_DIGIT_RUNS = re.compile(r"[0-9]+")
_UPPER_RUNS = re.compile(r"[A-Z\u00c0-\u00de]+")
_LOWER_RUNS = re.compile(r"[a-z\u00df-\u00ff]+")

PATTERN_MAX = 64
"""Values longer than this get no run pattern (free text has no useful one)."""


@dataclass(frozen=True, slots=True)
class TextProfile:
    """The features of one decoded value."""

    length: int
    classes: int
    specials: frozenset[str]
    sequences: frozenset[str]
    shape: str
    entropy: float
    pattern: str
    grammars: int = 0
    """The :class:`~vigil.behavior.grammars.Grammar` bits the value follows."""
    dangers: int = 0
    """The :class:`~vigil.behavior.structure.Danger` bits found in the value."""


_DIGIT = DIGIT_BIT
_PUNCT = PUNCT_BIT
_FREE = SPACE_BIT | CONTROL_BIT | OTHER_SYMBOL_BIT


def shape_of(text: str, classes: int) -> str:
    """The most specific typed shape of ``text``."""
    if not text:
        return "empty"
    if classes & _FREE:
        return "date" if _DATE.fullmatch(text) else "text"
    if _INT.fullmatch(text):
        return "int"
    if _FLOAT.fullmatch(text):
        return "float"
    if len(text) == 36 and _UUID.fullmatch(text):
        return "uuid"
    has_digit = classes & _DIGIT
    if has_digit and _DATE.fullmatch(text):
        return "date"
    if has_digit and (_IPV4.fullmatch(text) or (":" in text and _is_ipv6(text))):
        return "ip"
    if "@" in text and _EMAIL.fullmatch(text):
        return "email"
    if has_digit and not classes & _PUNCT and _HEX.fullmatch(text):
        return "hex"
    if text.isalpha():
        return "word"
    if text.isalnum():
        return "alnum"
    if _TOKEN.fullmatch(text):
        return "token"
    return "text"


def _is_ipv6(text: str) -> bool:
    return text.count(":") >= 2 and _IPV6.fullmatch(text) is not None


def pattern_of(text: str) -> str:
    """The run pattern of a short value: letter and digit runs collapsed (``12345678Z`` -> ``9A``).

    Empty for values longer than PATTERN_MAX. A field whose values share few patterns (an ID
    card number, a postcode, a date) is judged on them.
    """
    if len(text) > PATTERN_MAX:
        return ""
    return _LOWER_RUNS.sub("a", _UPPER_RUNS.sub("A", _DIGIT_RUNS.sub("9", text)))


_CLOGC = tuple(c * math.log2(c) if c else 0.0 for c in range(1024))


def entropy_of(text: str) -> float:
    """Shannon entropy in bits per character (0 for the empty string)."""
    n = len(text)
    if n < 2:
        return 0.0
    table = _CLOGC
    total = 0.0
    for c in Counter(text).values():
        total += table[c] if c < 1024 else c * math.log2(c)
    return math.log2(n) - total / n


_REFERENCE = re.compile(r"&#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));")


def _character(match: re.Match[str]) -> str:
    decimal, hexadecimal = match.groups()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return match.group(0)
    return chr(code)


def undo_references(text: str) -> str:
    """``text`` with numeric character references (``&#1040;``, ``&#x41;``) replaced."""
    if "&#" not in text:
        return text
    return _REFERENCE.sub(_character, text)


_cache: dict[str, TextProfile] = {}


def profile_text(text: str) -> TextProfile:
    """Profile a decoded value; short values' profiles are cached (bounded by CACHE_SIZE)."""
    cached = _cache.get(text)
    if cached is not None:
        return cached
    view = undo_references(text) if "&#" in text else text
    chars = set(view)
    classes = classes_of(chars)
    specials = frozenset(chars & PUNCT)
    sequences: frozenset[str] = frozenset()
    if specials or "0" in chars:
        sequences = frozenset(m.group(0).lower() for m in _SEQUENCE_RE.finditer(view))
    profile = TextProfile(
        length=len(view),
        classes=classes,
        specials=specials,
        sequences=sequences,
        shape=shape_of(view, classes),
        entropy=entropy_of(view) if len(view) >= 16 else 0.0,
        pattern=pattern_of(view),
        grammars=grammars_of(view),
        dangers=dangers_in(text) | (dangers_in(view) if view is not text else 0),
    )
    if len(text) <= CACHE_VALUE_CHARS:
        if len(_cache) >= CACHE_SIZE:
            _cache.clear()
        _cache[text] = profile
    return profile
