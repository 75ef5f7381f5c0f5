"""Fixed patterns over attacker-controlled text: fast on short values, linear on long ones.

The detectors' expressions are ours, not the client's, but the text is the client's: a pattern
that is quick on a name can take quadratic time on 16 KiB of ``{{{{`` or newlines under a
backtracking engine. :class:`Pattern` runs each expression with Python's ``re`` on values up to
:data:`SHORT` characters (where its per-call cost is lowest and the worst case is small) and with
RE2 above (linear time on any input, and a DFA that reads long text fast). Patterns are written
in the syntax both engines share: no look-around, no back-reference, case folding with ``(?i)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import re2

SHORT = 1024
"""Longest value handed to the backtracking engine; longer values go to RE2."""

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = 16 << 20


class Pattern:
    """One fixed expression, run by ``re`` on short text and by RE2 on long text."""

    __slots__ = ("_long", "_short", "text")

    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self._short = re.compile(pattern)
        self._long = re2.compile(pattern, _OPTIONS)

    def _engine(self, text: str) -> re.Pattern[str]:
        engine: re.Pattern[str] = self._short if len(text) <= SHORT else self._long
        return engine

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        """The first match in ``text`` from ``pos``."""
        found: re.Match[str] | None = self._engine(text).search(text, pos)
        return found

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        """A match starting exactly at ``pos``."""
        found: re.Match[str] | None = self._engine(text).match(text, pos)
        return found

    def fullmatch(self, text: str) -> re.Match[str] | None:
        """A match of the whole of ``text``."""
        found: re.Match[str] | None = self._engine(text).fullmatch(text)
        return found

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Every non-overlapping match, left to right."""
        found: Iterator[re.Match[str]] = self._engine(text).finditer(text)
        return found

    def sub(self, replacement: str, text: str) -> str:
        """``text`` with every match replaced by the literal ``replacement``."""
        if len(text) <= SHORT:
            return self._short.sub(replacement.replace("\\", "\\\\"), text)
        replaced: str = self._long.sub(replacement.replace("\\", "\\\\"), text)
        return replaced
