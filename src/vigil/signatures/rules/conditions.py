"""Conditions compiled for the hot path, each part able to say why it failed or held.

A rule's condition is checked on every value its fields select. Compiled, it is a handful of
frozensets, bounds and one RE2 program, and it answers in words: a virtual patch that rejects a
value says ``length 40 above 32`` or ``does not match ^[a-z]{1,32}$``, a signature that fires
says ``contains 'union select'`` or ``sqli: union select``; ``vigil rules test`` prints exactly
these reasons.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import re2

from vigil.signatures.detection import Attack
from vigil.signatures.rules.schema import Condition, ValueType
from vigil.signatures.scan import scan_text

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = 64 << 20

_INT = re.compile(r"[-+]?\d{1,40}")
_FLOAT = re.compile(r"[-+]?(?:\d{1,40}(?:\.\d{0,40})?|\.\d{1,40})(?:[eE][-+]?\d{1,4})?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"(?:0[xX])?[0-9a-fA-F]{1,4096}")
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,63}"
)
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_WORD = re.compile(r"[\w-]{1,4096}")
_BOOLS = frozenset({"true", "false", "0", "1", "yes", "no", "on", "off"})


def _ip(text: str, version: int | None) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return version is None or address.version == version


TYPE_CHECKS: dict[ValueType, Callable[[str], bool]] = {
    ValueType.INT: lambda t: _INT.fullmatch(t) is not None,
    ValueType.FLOAT: lambda t: _FLOAT.fullmatch(t) is not None,
    ValueType.BOOL: lambda t: t.lower() in _BOOLS,
    ValueType.UUID: lambda t: _UUID.fullmatch(t) is not None,
    ValueType.HEX: lambda t: _HEX.fullmatch(t) is not None,
    ValueType.EMAIL: lambda t: _EMAIL.fullmatch(t) is not None,
    ValueType.DATE: lambda t: _DATE.fullmatch(t) is not None,
    ValueType.IPV4: lambda t: _ip(t, 4),
    ValueType.IPV6: lambda t: _ip(t, 6),
    ValueType.IP: lambda t: _ip(t, None),
    ValueType.ALPHA: str.isalpha,
    ValueType.ALNUM: str.isalnum,
    ValueType.WORD: lambda t: _WORD.fullmatch(t) is not None,
}
"""How each value type is recognised (the whole value must match)."""


MEMO_SIZE = 1024
"""Bound on the values whose verdict one condition remembers; the memo is emptied when full."""


def _number(text: str) -> float | None:
    if _FLOAT.fullmatch(text.strip()) is None:
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _bounds(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo:g}..{hi:g}"
    return f">= {lo:g}" if lo is not None else f"<= {hi:g}"


class Program(Protocol):
    """A compiled RE2 pattern (only the part the rules use)."""

    def search(self, text: str) -> object | None:
        """The first match in ``text``, or None."""
        ...


def compile_regex(pattern: str) -> Program:
    """``pattern`` compiled by RE2 with the bounded options used for rules."""
    program: Program = re2.compile(pattern, _OPTIONS)
    return program


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A :class:`Condition` ready to check values."""

    regex: str | None
    program: Program | None
    equals: frozenset[str] | None
    contains: tuple[str, ...]
    ignore_case: bool
    length: tuple[float | None, float | None] | None
    number: tuple[float | None, float | None] | None
    type: ValueType | None
    detector: Attack | None
    memo: dict[str, list[tuple[bool, str]]] = field(default_factory=dict, compare=False, repr=False)
    """Outcomes of values already checked (bounded by :data:`MEMO_SIZE`)."""

    @classmethod
    def compile(cls, condition: Condition) -> CompiledCondition:
        """Compile a validated condition."""
        fold = condition.ignore_case
        equals = condition.equals
        return cls(
            regex=condition.regex,
            program=compile_regex(condition.regex) if condition.regex is not None else None,
            equals=frozenset(e.lower() if fold else e for e in equals)
            if equals is not None
            else None,
            contains=tuple(c.lower() if fold else c for c in condition.contains or ()),
            ignore_case=fold,
            length=(condition.length.min, condition.length.max) if condition.length else None,
            number=(condition.number.min, condition.number.max) if condition.number else None,
            type=condition.type,
            detector=condition.detector,
        )

    @property
    def patterns(self) -> list[str]:
        """RE2 patterns whose match is necessary for this condition to hold (for a prefilter)."""
        if self.regex is not None:
            return [self.regex]
        if self.contains:
            prefix = "(?i)" if self.ignore_case else ""
            return [prefix + "(?:" + "|".join(re2.escape(c) for c in self.contains) + ")"]
        return []

    def describe(self) -> str:
        """The condition in words, e.g. ``matches ^[a-z]{1,32}$, length 1..32``."""
        parts: list[str] = []
        if self.regex is not None:
            parts.append(f"matches {self.regex}")
        if self.equals is not None:
            parts.append(f"one of {len(self.equals)} values")
        if self.contains:
            parts.append(f"contains one of {len(self.contains)} literals")
        if self.length is not None:
            parts.append(f"length {_bounds(*self.length)}")
        if self.number is not None:
            parts.append(f"number {_bounds(*self.number)}")
        if self.type is not None:
            parts.append(f"a valid {self.type.value}")
        if self.detector is not None:
            parts.append(f"{self.detector.value} detected")
        return ", ".join(parts)

    def outcomes(self, text: str) -> list[tuple[bool, str]]:
        """For each part of the condition: whether it holds on ``text``, and why, in words."""
        known = self.memo.get(text)
        if known is not None:
            return known
        out = self._outcomes(text)
        if len(text) <= 256:
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            self.memo[text] = out
        return out

    def _outcomes(self, text: str) -> list[tuple[bool, str]]:
        out: list[tuple[bool, str]] = []
        folded = text.lower() if self.ignore_case else text
        if self.program is not None:
            found = self.program.search(text) is not None
            out.append((found, f"{'matches' if found else 'does not match'} {self.regex}"))
        if self.equals is not None:
            found = folded in self.equals
            out.append(
                (
                    found,
                    "is one of the listed values" if found else "is not one of the listed values",
                )
            )
        if self.contains:
            hit = next((c for c in self.contains if c in folded), None)
            out.append(
                (
                    hit is not None,
                    f"contains {hit!r}" if hit is not None else "contains none of the literals",
                )
            )
        if self.length is not None:
            lo, hi = self.length
            size = len(text)
            ok = (lo is None or size >= lo) and (hi is None or size <= hi)
            out.append((ok, f"length {size} {'within' if ok else 'outside'} {_bounds(lo, hi)}"))
        if self.number is not None:
            lo, hi = self.number
            value = _number(text)
            if value is None:
                out.append((False, "is not a number"))
            else:
                ok = (lo is None or value >= lo) and (hi is None or value <= hi)
                out.append(
                    (ok, f"number {value:g} {'within' if ok else 'outside'} {_bounds(lo, hi)}")
                )
        if self.type is not None:
            ok = TYPE_CHECKS[self.type](text)
            out.append((ok, f"{'is' if ok else 'is not'} a valid {self.type.value}"))
        if self.detector is not None:
            detections = [
                d for d in scan_text(text, frozenset({self.detector})) if d.kind is self.detector
            ]
            name = self.detector.value
            reason = f"{name}: {detections[0].reason}" if detections else f"no {name} found"
            out.append((bool(detections), reason))
        return out

    def violations(self, text: str) -> list[str]:
        """Why ``text`` does not satisfy the condition (empty when it does)."""
        return [reason for ok, reason in self.outcomes(text) if not ok]

    def match(self, text: str) -> str | None:
        """Why ``text`` satisfies every part of the condition, or None when some part fails."""
        outcomes = self.outcomes(text)
        if all(ok for ok, _ in outcomes):
            return "; ".join(reason for _, reason in outcomes)
        return None
