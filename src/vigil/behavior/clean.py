"""Clean values at a glance: the learned model's test before it judges a value in full.

Most values a route receives are plain ASCII made only of characters the field has shown
before: a session id, a search word, a page number. For those, :func:`value_is_clean` decides
with a few byte operations that :func:`~vigil.behavior.check.check_value` would raise no alert:
every character admitted, the length within the learned range, no structural sequence or
dangerous structure the field does not carry, the value in the enum, its run pattern or shape
among the learned ones, its entropy within the bound. Any doubt answers False, and the value is
judged in full, so decisions are exactly those of the full path (``tests/behavior/test_clean.py``
checks the implication on generated values and criteria).
"""

from __future__ import annotations

import math

from vigil.behavior.charclass import classes_of
from vigil.behavior.policy import FieldCheck
from vigil.behavior.structure import dangers_in, may_hold_danger_ascii
from vigil.behavior.values import (
    PATTERN_MAX,
    alphanumeric_shape,
    entropy_of,
    pattern_expression,
    shape_of,
)
from vigil.http.body import BodyField


def value_is_clean(text: str, check: FieldCheck) -> bool:
    """True only when a field holding ``text`` (with no decoding anomaly the field has not
    shown, and no more often than ``check.max_repeat``) passes ``check`` without an alert."""
    if not text.isascii():
        return False
    raw = text.encode("ascii")
    if raw.translate(None, check.plain_bytes) or b"&#" in raw:
        return False
    length = len(text)
    if length > check.hi or length < check.lo:
        return False
    for needle in check.needles:
        if needle in raw:
            return False
    if check.may_hold_danger and may_hold_danger_ascii(raw) and dangers_in(text) & ~check.dangers:
        return False
    if check.enum is not None:
        if text not in check.enum:
            return False
    elif check.patterns is not None:
        if length > PATTERN_MAX or not pattern_expression(check.patterns).fullmatch(text):
            return False
    elif check.shapes is not None and shape(text) not in check.shapes:
        return False
    entropy_max = check.entropy_max
    return not (
        entropy_max is not None
        and length >= 16
        and check.plain_entropy > entropy_max
        and math.log2(length) > entropy_max
        and math.log2(len(set(raw))) > entropy_max
        and entropy_of(text) > entropy_max
    )


def shape(text: str) -> str:
    """The typed shape of a value (:func:`~vigil.behavior.values.shape_of`)."""
    if text and text.isalnum():
        return alphanumeric_shape(text)
    return shape_of(text, classes_of(set(text)))


def field_is_clean(value: BodyField, check: FieldCheck, repeat: int) -> bool:
    """True only when :func:`~vigil.behavior.check.check_value` raises no alert for ``value``
    (one of ``repeat`` fields of its path): a value remembered clean, or clean at a glance
    (then remembered too)."""
    if repeat > check.max_repeat or value.size is not None:
        return False
    kind = value.kind
    if kind != "value" and check.kinds is not None and kind not in check.kinds:
        return False
    text, flags = value.text, value.flags
    memo = (text, flags)
    if memo in check.clean:
        return True
    if flags & ~check.encodings or not value_is_clean(text, check):
        return False
    check.remember_clean(memo)
    return True
