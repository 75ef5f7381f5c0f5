"""Judging a JSON body a column at a time: the learned model's fast path.

A JSON body of 32 order items is 130 fields, and judging them one by one pays Python's per-call
cost 130 times. Here all the values of one path (``items[].note``) are judged together: the
union of their characters against the learned ones with one byte translation of the joined
values, their sequences by looking for every spelling of a sequence the field never showed,
their run patterns with one regular-expression pass, their lengths with ``min``/``max``, enums
with one subset test. :func:`column_is_clean` answers True only when :func:`~vigil.behavior.check.
check_value` would raise no alert for any of the values; any doubt (a new character, a value
that may hold dangerous structure, a non-ASCII value) sends the column to the value-by-value
path, so decisions are exactly those of that path (``tests/behavior/test_columns.py`` checks the
implication on generated columns and criteria).
"""

from __future__ import annotations

import math

from vigil.behavior.clean import shape, value_is_clean
from vigil.behavior.policy import FieldCheck
from vigil.behavior.structure import dangers_in, joined_danger_free, may_hold_danger_ascii
from vigil.behavior.values import PATTERN_MAX, entropy_of, pattern_expression
from vigil.http.jsoncolumns import Column

_CONTAINERS = frozenset({"object", "array"})


def column_is_clean(column: Column, check: FieldCheck, repeat: int) -> bool:
    """True only when every field of ``column`` passes ``check`` without an alert.

    ``repeat`` is how many fields of the column's path the request carries.
    """
    kind = column.kind
    if check.kinds is not None and kind not in check.kinds:
        return False
    if kind in _CONTAINERS:
        sizes: list[int] = column.values  # type: ignore[assignment]
        return max(sizes) <= check.hi
    if not column.ascii or repeat > check.max_repeat:
        return False
    texts: list[str] = column.values  # type: ignore[assignment]
    if len(texts) == 1:
        return value_is_clean(texts[0], check)
    joined = column.joined
    raw = joined.encode("ascii")
    if raw.translate(None, check.column_bytes) or raw.count(0) != len(texts) - 1 or b"&#" in raw:
        return False
    lengths = list(map(len, texts))
    longest = max(lengths)
    if longest > check.hi or min(lengths) < check.lo:
        return False
    for needle in check.needles:
        if needle in raw:
            return False
    if (
        check.may_hold_danger
        and may_hold_danger_ascii(raw)
        and not joined_danger_free(raw)
        and any(dangers_in(t) & ~check.dangers for t in texts)
    ):
        return False
    if check.enum is not None:
        if not check.enum.issuperset(texts):
            return False
    elif check.patterns is not None:
        if longest > PATTERN_MAX:
            return False
        run = _ONE_RUN.get(check.patterns)
        if run is not None:
            if raw.translate(None, run) or min(lengths) == 0:
                return False
        elif not pattern_expression(check.patterns).fullmatch(joined):
            return False
    elif check.shapes is not None and any(shape(t) not in check.shapes for t in texts):
        return False
    entropy_max = check.entropy_max
    return not (
        entropy_max is not None
        and longest >= 16
        and check.plain_entropy > entropy_max
        and math.log2(longest) > entropy_max
        and math.log2(max(2, len(set(raw)))) > entropy_max
        and any(len(t) >= 16 and entropy_of(t) > entropy_max for t in texts)
    )


_ONE_RUN = {
    frozenset({"a"}): b"\x00abcdefghijklmnopqrstuvwxyz",
    frozenset({"A"}): b"\x00ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    frozenset({"9"}): b"\x000123456789",
}
"""Pattern sets of one run: plain ASCII values follow them when every byte is of that run."""
