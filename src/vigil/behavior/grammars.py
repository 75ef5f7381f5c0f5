"""Value grammars: what kind of field a field is, and what that kind admits.

People type names with hyphens and apostrophes (Anne-Sophie, O'Brien), e-mails with ``+``,
postcodes and ID numbers in their own country's format, card numbers with spaces. A model that
learned only the punctuation its training clients happened to send blocks all of them. So the
learner also learns what *kind* of field it is (a name, an e-mail, a phone number, an ID or
postcode, a number, an address, free text, a token, a URL) and the field then admits the
characters that kind's grammar allows, and any value that follows the kind's structure (a new
postcode pattern in a postcode field). Risk is judged by dangerous structure
(:mod:`vigil.behavior.structure`), not by the novelty of benign punctuation.

A value's membership in every grammar is computed once per distinct value (a bit mask, cached
with the value's profile); a field's kind is chosen at learning time from how many of its values
follow each grammar, plus a few traits (capitalised words for names, digits for codes, spaces
and digits for addresses). A value is admitted by its field's kind only when it follows the
kind's structure: ``-Re'th`` or ``Na.varra`` is no name, whatever characters it uses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntFlag

from vigil.behavior.charclass import (
    DIGIT_BIT,
    LOWER_BIT,
    OTHER_LETTER_BIT,
    OTHER_SYMBOL_BIT,
    SPACE_BIT,
    UPPER_BIT,
)


class Grammar(IntFlag):
    """Kinds of field whose values follow a known grammar."""

    NUMBER = 1
    EMAIL = 2
    URL = 4
    TOKEN = 8
    NAME = 16
    CODE = 32
    PHONE = 64
    ADDRESS = 128
    TEXT = 256


GRAMMAR_NAMES: dict[Grammar, str] = {
    Grammar.NUMBER: "number",
    Grammar.EMAIL: "email",
    Grammar.URL: "url",
    Grammar.TOKEN: "token",
    Grammar.NAME: "name",
    Grammar.CODE: "code",
    Grammar.PHONE: "phone",
    Grammar.ADDRESS: "address",
    Grammar.TEXT: "text",
}
"""Stable names, as written in policies (``grammar: name``)."""

GRAMMARS = tuple(GRAMMAR_NAMES)
"""Every grammar, in bit order (the order of the learning counters)."""


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of field, and what a value that follows its structure may carry."""

    name: str
    structure: int
    """Value grammars (Grammar bits) a value may follow to be of this kind: an ID field
    admits phone numbers and codes alike, neither carries a dangerous character."""
    specials: frozenset[str]
    classes: int
    sequences: frozenset[str]
    description: str


_LETTERS = LOWER_BIT | UPPER_BIT | OTHER_LETTER_BIT
_ALL_TEXT = _LETTERS | DIGIT_BIT | SPACE_BIT | OTHER_SYMBOL_BIT


def _kind(
    name: str,
    structure: int,
    specials: str,
    classes: int,
    description: str,
    *,
    sequences: frozenset[str] = frozenset(),
) -> Kind:
    return Kind(name, structure, frozenset(specials), classes, sequences, description)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        _kind("number", Grammar.NUMBER, "+-.,'", DIGIT_BIT | SPACE_BIT, "a number"),
        _kind("email", Grammar.EMAIL, "@.+-_'%", _LETTERS | DIGIT_BIT, "an e-mail address"),
        _kind("url", Grammar.URL, "-._~:/?#[]@!$&'()*+,;=%", _ALL_TEXT, "a URL"),
        _kind(
            "token",
            Grammar.TOKEN,
            "+/=_.~-",
            _LETTERS | DIGIT_BIT,
            "a token",
            sequences=frozenset({"--"}),
        ),
        _kind("name", Grammar.NAME, "'-.,\"&()", _LETTERS | SPACE_BIT | OTHER_SYMBOL_BIT, "a name"),
        _kind(
            "code",
            Grammar.CODE | Grammar.PHONE,
            "-./+()#",
            _LETTERS | DIGIT_BIT | SPACE_BIT,
            "an ID or postcode",
        ),
        _kind("digits", Grammar.PHONE, "-./", DIGIT_BIT | SPACE_BIT, "a card or account number"),
        _kind(
            "phone", Grammar.PHONE, "+()-./#", LOWER_BIT | DIGIT_BIT | SPACE_BIT, "a phone number"
        ),
        _kind(
            "address",
            Grammar.NAME | Grammar.CODE | Grammar.ADDRESS,
            ",.-/#'\"()&:",
            _ALL_TEXT,
            "an address",
        ),
        _kind(
            "text",
            Grammar.NAME | Grammar.CODE | Grammar.ADDRESS | Grammar.TEXT,
            "!\"#$%&'()*+,-./:;?@_~",
            _ALL_TEXT,
            "free text",
            sequences=frozenset({"--"}),
        ),
    )
}
"""Every kind of field the learner recognises, by the name policies use (``grammar: name``)."""


_NUMBER = re.compile(
    r"[-+]?(?:\d+(?:[,. '\u00a0\u202f]\d{3})*(?:[.,]\d+)?|[.,]\d+)(?:[eE][-+]?\d{1,4})?"
)
_EMAIL = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_URL = re.compile(
    r"(?:[a-zA-Z][a-zA-Z0-9+.-]{1,16}://[^\s<>\"{}|\\^`]{1,8192}|/[^\s<>\"{}|\\^`]{0,8192})"
)
_TOKEN = re.compile(r"[A-Za-z0-9+/=_.~-]{16,8192}")
_CODE = re.compile(r"[^\W_]{1,24}(?:(?:[-./]| {1,2}| ?- ?)[^\W_]{1,24}){0,12}")
_PHONE_EXTENSION = re.compile(r"\s{0,2}(?:x|ext\.?|#)\s{0,2}\d{1,6}$")
_PHONE_CHARS = frozenset("0123456789 ()-./")
_NAME_SEPARATORS = str.maketrans("", "", " '\u2019\"-\u2013\u2014.,&()")
_LETTER_RUN = r"[^\W\d_]+"
_NAME_WORD = rf"['\u2019]?{_LETTER_RUN}(?:['\u2019\"\u2013\u2014-]{_LETTER_RUN})*"
_NAME_SEPARATOR = (
    r"(?:,? {1,2}| {1,2}[-\u2013\u2014&] {1,2}|\.(?=[A-Z\u00c0-\u00d6\u00d8-\u00de])|\. {1,2})"
)
_NAME_QUALIFIER = rf" {{1,2}}\({_NAME_WORD}(?:[ ,.-]{{1,2}}{_NAME_WORD}){{0,8}}\.?\)"
_NAME = re.compile(rf"{_NAME_WORD}(?:{_NAME_SEPARATOR}{_NAME_WORD})*\.?(?:{_NAME_QUALIFIER})?")
"""Words of letters joined by apostrophes, hyphens or dashes (O'Brien, Anne-Sophie,
Hubli–Dharwad; a double quote too, for Hebrew gershayim), separated by a space, a comma and a
space, a spaced dash or ampersand (Kujawsko - pomorskie, Trinidad & Tobago) or a period before a
capital (J.R.R. Tolkien, St. John), with an optional qualifier in parentheses (Frankfurt (Oder))."""
_ADDRESS_PUNCT = str.maketrans("", "", " ,.-/#'\"()&:\u2019\u00ba\u00aa\u00b0\u2116")
_TEXT_EXCLUDED = frozenset("<>{}[]\\|^`=")

NAME_MAX = 128
CODE_MAX = 48
ADDRESS_MAX = 256

_NUMBER_BIT, _EMAIL_BIT, _URL_BIT, _TOKEN_BIT, _NAME_BIT = (
    int(Grammar.NUMBER),
    int(Grammar.EMAIL),
    int(Grammar.URL),
    int(Grammar.TOKEN),
    int(Grammar.NAME),
)
_CODE_BIT, _PHONE_BIT, _ADDRESS_BIT, _TEXT_BIT = (
    int(Grammar.CODE),
    int(Grammar.PHONE),
    int(Grammar.ADDRESS),
    int(Grammar.TEXT),
)
_DIGIT_CHARS = frozenset("0123456789")


def grammars_of(text: str) -> int:
    """The grammars ``text`` (decoded, normalised, printable) follows, as a Grammar mask."""
    found = 0
    if not text or not text.isprintable():
        return found
    size = len(text)
    if text.isalpha():
        found = _NAME_BIT | _ADDRESS_BIT | _TEXT_BIT
        if size <= CODE_MAX and _CODE.fullmatch(text):
            found |= _CODE_BIT
        if size >= 16 and _TOKEN.fullmatch(text):
            found |= _TOKEN_BIT
        if size > NAME_MAX:
            found &= ~_NAME_BIT
        if size > ADDRESS_MAX:
            found &= ~_ADDRESS_BIT
        return found
    first = text[0]
    has_digit = not _DIGIT_CHARS.isdisjoint(text) or any(c.isdigit() for c in text)
    if has_digit and _NUMBER.fullmatch(text):
        found |= _NUMBER_BIT
    if "@" in text and size <= 254 and _EMAIL.fullmatch(text):
        found |= _EMAIL_BIT
    if (first == "/" or "://" in text) and _URL.fullmatch(text):
        found |= _URL_BIT
    if size >= 16 and _TOKEN.fullmatch(text):
        found |= _TOKEN_BIT
    if size <= NAME_MAX and not has_digit and _is_name(text):
        found |= _NAME_BIT
    if size <= CODE_MAX and _CODE.fullmatch(text):
        found |= _CODE_BIT
    if has_digit and _is_phone(text):
        found |= _PHONE_BIT
    if size <= ADDRESS_MAX and _is_address(text):
        found |= _ADDRESS_BIT
    if _TEXT_EXCLUDED.isdisjoint(text):
        found |= _TEXT_BIT
    return found


def _letters_only(stripped: str) -> bool:
    if stripped.isalpha():
        return True
    if stripped.isascii():
        return False
    return all(c.isalpha() or unicodedata.category(c)[0] == "M" for c in stripped)


def _is_name(text: str) -> bool:
    stripped = text.translate(_NAME_SEPARATORS)
    if not stripped or not _letters_only(stripped):
        return False
    if not stripped.isalpha():
        text = "".join(c for c in text if unicodedata.category(c)[0] != "M")
    return _NAME.fullmatch(text) is not None


def _is_phone(text: str) -> bool:
    body = text
    if "x" in text or "e" in text or "#" in text:
        body = _PHONE_EXTENSION.sub("", text)
    if body.startswith("+"):
        body = body[1:]
    if not body or not _PHONE_CHARS.issuperset(body):
        return False
    digits = sum(c.isdigit() for c in body)
    return 6 <= digits <= 20 and body[-1].isdigit()


def _is_address(text: str) -> bool:
    stripped = text.translate(_ADDRESS_PUNCT)
    if not stripped or not stripped.isalnum():
        if not stripped or stripped.isascii():
            return False
        if not all(c.isalnum() or unicodedata.category(c)[0] == "M" for c in stripped):
            return False
    return any(c.isalpha() for c in stripped)


def grammar_names(mask: int) -> list[str]:
    """Stable names of the grammars in ``mask``, in bit order."""
    return [name for bit, name in GRAMMAR_NAMES.items() if mask & bit]


def kind_named(name: str) -> Kind:
    """The Kind called ``name``; unknown names raise ValueError."""
    kind = KINDS.get(name)
    if kind is None:
        raise ValueError(f"unknown grammar {name!r}; known: {sorted(KINDS)}")
    return kind
