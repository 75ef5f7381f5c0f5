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

from vigil.behavior.charclass import (
    ASCII_CONTROL,
    CLASS_NAMES,
    CONTROL_BIT,
    DIGIT_BIT,
    DIGITS,
    LOWER,
    LOWER_BIT,
    OTHER_SYMBOL_BIT,
    PUNCT,
    PUNCT_BIT,
    SPACE_BIT,
    SPACES,
    UPPER,
    UPPER_BIT,
    CharClass,
    class_names,
    classes_from_names,
    classes_of,
)
from vigil.behavior.grammars import grammars_of
from vigil.behavior.structure import dangers_in, may_hold_danger

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
    "alphanumeric_shape",
    "class_names",
    "classes_from_names",
    "classes_of",
    "entropy_of",
    "pattern_expression",
    "pattern_of",
    "profile_text",
    "sequence_needles",
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

SEQUENCE_RE = re.compile(
    "|".join(re.escape(s) for s in sorted(SEQUENCES, key=len, reverse=True)), re.IGNORECASE
)
"""Longest first, so ``-->`` is found as itself and not as its prefix ``--``."""


def sequence_needles(chars: frozenset[str], allowed: frozenset[str]) -> tuple[bytes, ...]:
    """Every way (letter case included) a sequence outside ``allowed`` can be written with
    ``chars``: a text of those characters holding none of them has no sequence but allowed ones
    (it may still have none when it holds one: ``-->`` is found as itself, not as ``--``)."""
    needles: list[bytes] = []
    for sequence in SEQUENCES:
        if sequence in allowed:
            continue
        spellings = [""]
        for char in sequence:
            cases = {char, char.upper()}
            spellings = [s + c for s in spellings for c in sorted(cases)]
        needles.extend(s.encode("ascii") for s in spellings if chars.issuperset(s))
    return tuple(needles)


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
DIGIT_RUN = "[0-9]+"
UPPER_RUN = "[A-Z\u00c0-\u00d6\u00d8-\u00de]+"
LOWER_RUN = "[a-z\u00df-\u00f6\u00f8-\u00ff]+"
"""Runs of digits, capitals and small letters (ASCII and Latin-1 letters; not × or ÷)."""
_DIGIT_RUNS = re.compile(DIGIT_RUN)
_UPPER_RUNS = re.compile(UPPER_RUN)
_LOWER_RUNS = re.compile(LOWER_RUN)

PATTERN_MAX = 64
"""Values longer than this get no run pattern (free text has no useful one)."""

PATTERN_SEPARATOR = "\x00"
"""Joins the values :func:`pattern_expression` matches at once (no run pattern holds it)."""

PATTERN_CACHE = 1024
"""Bound on compiled run-pattern expressions (one per distinct learned pattern set)."""

_patterns: dict[frozenset[str], re.Pattern[str]] = {}
_RUNS = {"9": DIGIT_RUN, "A": UPPER_RUN, "a": LOWER_RUN}


def pattern_expression(patterns: frozenset[str]) -> re.Pattern[str]:
    """An expression matching PATTERN_SEPARATOR-joined values whose run patterns are all in
    ``patterns``.

    A run pattern (:func:`pattern_of`) names each maximal run of digits, capitals or small
    letters by one character and keeps every other character, so a value has pattern ``p``
    exactly when it matches ``p`` with each run letter read as its run.
    """
    compiled = _patterns.get(patterns)
    if compiled is None:
        one = "|".join(
            "".join(_RUNS.get(c, re.escape(c)) for c in p) for p in sorted(patterns) if p
        )
        one = f"(?:{one})" if one else "(?!)"
        compiled = re.compile(f"{one}(?:{PATTERN_SEPARATOR}{one})*")
        if len(_patterns) >= PATTERN_CACHE:
            _patterns.clear()
        _patterns[patterns] = compiled
    return compiled


class TextProfile:
    """The features of one decoded value.

    Length, character classes, specials and sequences are taken at once; the shape, pattern,
    entropy, grammars and dangerous structures are taken on first use (a value judged clean by
    its field's learned characters never needs its grammars), then kept.
    """

    __slots__ = (
        "_dangers",
        "_entropy",
        "_grammars",
        "_pattern",
        "_shape",
        "classes",
        "distinct",
        "length",
        "sequences",
        "specials",
        "text",
        "view",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self._shape: str | None = None
        self._entropy: float | None = None
        self._pattern: str | None = None
        self._grammars: int | None = None
        self._dangers: int | None = None
        self.sequences: frozenset[str] = _NO_SEQUENCES
        self.length = len(text)
        if text.isalnum() and text.isascii():
            self._alphanumeric(text)
            return
        view = undo_references(text) if "&#" in text else text
        self.view = view
        chars = set(view)
        self.distinct = len(chars)
        self.length = len(view)
        self.classes = classes_of(chars)
        specials = chars & PUNCT
        self.specials = frozenset(specials)
        if specials or "0" in chars:
            found = SEQUENCE_RE.findall(view)
            if found:
                self.sequences = frozenset(s.lower() for s in found)

    def _alphanumeric(self, text: str) -> None:
        """The fast path of ASCII letters and digits (ids, words, hex): no set of characters."""
        self.view = text
        self.specials = _NO_SPECIALS
        self._dangers = 0
        if text.isdigit():
            self.classes = DIGIT_BIT
        else:
            lower, upper = text.lower(), text.upper()
            classes = 0 if text == upper else LOWER_BIT
            if text != lower:
                classes |= UPPER_BIT
            if not text.isalpha():
                classes |= DIGIT_BIT
                if "0x" in lower:
                    self.sequences = _HEX_PREFIX
            self.classes = classes
        self.distinct = -1
        self._shape = alphanumeric_shape(text)

    @property
    def distinct_chars(self) -> int:
        """How many distinct characters the value has."""
        if self.distinct < 0:
            self.distinct = len(set(self.view))
        return self.distinct

    @property
    def shape(self) -> str:
        """The most specific typed shape (see :data:`SHAPES`)."""
        shape = self._shape
        if shape is None:
            shape = self._shape = shape_of(self.view, self.classes)
        return shape

    @property
    def entropy(self) -> float:
        """Shannon entropy in bits per character (0 for values shorter than 16)."""
        entropy = self._entropy
        if entropy is None:
            view = self.view
            entropy = self._entropy = entropy_of(view) if len(view) >= 16 else 0.0
        return entropy

    @property
    def entropy_bound(self) -> float:
        """An upper bound of :attr:`entropy` that costs nothing: log2 of the distinct characters."""
        distinct = self.distinct_chars
        return math.log2(distinct) if distinct > 1 and self.length >= 16 else 0.0

    @property
    def pattern(self) -> str:
        """The run pattern (see :func:`pattern_of`)."""
        pattern = self._pattern
        if pattern is None:
            pattern = self._pattern = pattern_of(self.view)
        return pattern

    @property
    def grammars(self) -> int:
        """The :class:`~vigil.behavior.grammars.Grammar` bits the value follows."""
        grammars = self._grammars
        if grammars is None:
            grammars = self._grammars = grammars_of(self.view)
        return grammars

    @property
    def dangers(self) -> int:
        """The :class:`~vigil.behavior.structure.Danger` bits found in the value."""
        dangers = self._dangers
        if dangers is None:
            text, view = self.text, self.view
            if not may_hold_danger(text, set(text)):
                dangers = 0
            else:
                dangers = dangers_in(text) | (dangers_in(view) if view is not text else 0)
            self._dangers = dangers
        return dangers

    def _key(self) -> tuple[object, ...]:
        return (
            self.length,
            self.classes,
            self.specials,
            self.sequences,
            self.shape,
            self.entropy,
            self.pattern,
            self.grammars,
            self.dangers,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextProfile) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"TextProfile({self.text!r}, {self._key()!r})"


_NO_SEQUENCES: frozenset[str] = frozenset()
_NO_SPECIALS: frozenset[str] = frozenset()
_HEX_PREFIX = frozenset({"0x"})


_DIGIT = DIGIT_BIT
_PUNCT = PUNCT_BIT
_FREE = SPACE_BIT | CONTROL_BIT | OTHER_SYMBOL_BIT


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def alphanumeric_shape(text: str) -> str:
    """:func:`shape_of` of a non-empty ASCII alphanumeric value, without regular expressions
    (but one for values with an ``e`` that may be a float)."""
    if text.isdigit():
        return "int" if len(text) <= 40 else "float"
    if text.isalpha():
        return "word"
    if (
        ("e" in text or "E" in text)
        and text[0].isdigit()
        and text[-1].isdigit()
        and _FLOAT.fullmatch(text)
    ):
        return "float"
    digits = text[2:] if text.startswith("0x") else text
    return "hex" if len(digits) >= 8 and _HEX_DIGITS.issuperset(digits) else "alnum"


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
    profile = TextProfile(text)
    if len(text) <= CACHE_VALUE_CHARS:
        if len(_cache) >= CACHE_SIZE:
            _cache.clear()
        _cache[text] = profile
    return profile
