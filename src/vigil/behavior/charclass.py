"""Character classes: the coarsest feature of a value, shared by values and grammars.

A value's classes (lower, upper, digit, space, punctuation, non-ASCII letter or symbol,
control) form a bit mask; policies write it as a list of stable names.
"""

from __future__ import annotations

from enum import IntFlag

from vigil.http.flagnames import mask_of, names_in


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

LOWER_BIT, UPPER_BIT, DIGIT_BIT, SPACE_BIT = (
    int(CharClass.LOWER),
    int(CharClass.UPPER),
    int(CharClass.DIGIT),
    int(CharClass.SPACE),
)
PUNCT_BIT, OTHER_LETTER_BIT, OTHER_SYMBOL_BIT, CONTROL_BIT = (
    int(CharClass.PUNCT),
    int(CharClass.LETTER_OTHER),
    int(CharClass.SYMBOL_OTHER),
    int(CharClass.CONTROL),
)


def classes_of(chars: frozenset[str] | set[str]) -> int:
    """The CharClass bits present in a set of characters."""
    mask = 0
    if not chars.isdisjoint(LOWER):
        mask |= LOWER_BIT
    if not chars.isdisjoint(UPPER):
        mask |= UPPER_BIT
    if not chars.isdisjoint(DIGITS):
        mask |= DIGIT_BIT
    if not chars.isdisjoint(SPACES):
        mask |= SPACE_BIT
    if not chars.isdisjoint(PUNCT):
        mask |= PUNCT_BIT
    if not chars.isdisjoint(ASCII_CONTROL):
        mask |= CONTROL_BIT
    if chars and max(chars) > "\x7f":
        for ch in chars:
            if ord(ch) > 127:
                mask |= OTHER_LETTER_BIT if ch.isalpha() else OTHER_SYMBOL_BIT
    return mask


def class_names(mask: int) -> list[str]:
    """Stable names of the classes in ``mask``."""
    return names_in(CLASS_NAMES, mask)


def classes_from_names(names: list[str]) -> int:
    """Inverse of :func:`class_names`; unknown names raise ValueError."""
    return mask_of(CLASS_NAMES, names, "character class")
