"""Features of one value: what a route's fields are learned and judged on.

A value (already decoded and normalised) becomes a small profile: its length, which character
classes it uses, which ASCII special characters, which structural sequences (``--``, ``../``,
``${``), a typed shape (int, float, uuid, hex, date, ip, email, word, token, text) and its
Shannon entropy. Profiling is pure, allocation-light and cached: headers and enum-like values
repeat, so most values of real traffic are profiled once.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from enum import IntFlag

from vigil.http.flagnames import mask_of, names_in

PROFILE_CHARS = 8192
"""Only the first characters of a value are scanned for characters and sequences; the length
is always the full length."""

CACHE_SIZE = 16384
"""Bound on cached profiles; the cache is emptied when full (no unbounded growth)."""


class CharClass(IntFlag):
    """Character classes a value may contain."""

    LOWER = 1
    UPPER = 2
    DIGIT = 4
    SPACE = 8
    PUNCT = 16
    LETTER_OTHER = 32
    SYMBOL_OTHER = 64
    CONTROL = 128


CLASS_NAMES: dict[CharClass, str] = {
    CharClass.LOWER: "lower",
    CharClass.UPPER: "upper",
    CharClass.DIGIT: "digit",
    CharClass.SPACE: "space",
    CharClass.PUNCT: "punct",
    CharClass.LETTER_OTHER: "non-ascii-letter",
    CharClass.SYMBOL_OTHER: "non-ascii-symbol",
    CharClass.CONTROL: "control",
}

LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGITS = frozenset("0123456789")
SPACES = frozenset(" \t")
PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
ASCII_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t") | {"\x7f"}

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


_LOWER, _UPPER, _DIGIT, _SPACE = (
    int(CharClass.LOWER),
    int(CharClass.UPPER),
    int(CharClass.DIGIT),
    int(CharClass.SPACE),
)
_PUNCT, _OTHER_LETTER, _OTHER_SYMBOL = (
    int(CharClass.PUNCT),
    int(CharClass.LETTER_OTHER),
    int(CharClass.SYMBOL_OTHER),
)
_CONTROL = int(CharClass.CONTROL)
_FREE = _SPACE | _CONTROL | _OTHER_SYMBOL


def classes_of(chars: frozenset[str] | set[str]) -> int:
    """The CharClass bits present in a set of characters."""
    mask = 0
    if not chars.isdisjoint(LOWER):
        mask |= _LOWER
    if not chars.isdisjoint(UPPER):
        mask |= _UPPER
    if not chars.isdisjoint(DIGITS):
        mask |= _DIGIT
    if not chars.isdisjoint(SPACES):
        mask |= _SPACE
    if not chars.isdisjoint(PUNCT):
        mask |= _PUNCT
    if not chars.isdisjoint(ASCII_CONTROL):
        mask |= _CONTROL
    for ch in chars:
        if ord(ch) > 127:
            mask |= _OTHER_LETTER if ch.isalpha() else _OTHER_SYMBOL
    return mask


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


_cache: dict[str, TextProfile] = {}


def profile_text(text: str) -> TextProfile:
    """Profile a decoded value; results are cached (bounded by CACHE_SIZE)."""
    cached = _cache.get(text)
    if cached is not None:
        return cached
    scan = text if len(text) <= PROFILE_CHARS else text[:PROFILE_CHARS]
    chars = set(scan)
    classes = classes_of(chars)
    specials = frozenset(chars & PUNCT)
    sequences: frozenset[str] = frozenset()
    if specials or "0" in chars:
        sequences = frozenset(m.group(0).lower() for m in _SEQUENCE_RE.finditer(scan))
    profile = TextProfile(
        length=len(text),
        classes=classes,
        specials=specials,
        sequences=sequences,
        shape=shape_of(scan, classes),
        entropy=entropy_of(scan) if len(scan) >= 16 else 0.0,
        pattern=pattern_of(text),
    )
    if len(_cache) >= CACHE_SIZE:
        _cache.clear()
    _cache[text] = profile
    return profile


def class_names(mask: int) -> list[str]:
    """Stable names of the classes in ``mask``."""
    return names_in(CLASS_NAMES, mask)


def classes_from_names(names: list[str]) -> int:
    """Inverse of :func:`class_names`; unknown names raise ValueError."""
    return mask_of(CLASS_NAMES, names, "character class")
