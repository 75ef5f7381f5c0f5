"""Bit masks written as lists of stable names, for policies a person reads and edits.

Encoding anomalies and character classes are bit masks on the hot path and lists of names in
policy files; this is the one translation between the two, with a clear error for a typo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntFlag
from typing import TypeVar

F = TypeVar("F", bound=IntFlag)


def names_in(table: Mapping[F, str], mask: int) -> list[str]:
    """The names of the bits of ``mask``, in table order."""
    return [name for bit, name in table.items() if mask & bit]


def mask_of(table: Mapping[F, str], names: Iterable[str], what: str) -> int:
    """The mask of ``names``; an unknown name raises ValueError naming ``what`` it should be."""
    by_name = {name: int(bit) for bit, name in table.items()}
    mask = 0
    for name in names:
        if name not in by_name:
            raise ValueError(f"unknown {what} {name!r}; known: {sorted(by_name)}")
        mask |= by_name[name]
    return mask
