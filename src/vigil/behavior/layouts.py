"""JSON layouts: the shapes a route's clean bodies repeat, each judged with one regular expression.

The clients of a JSON API send documents of few layouts: the same keys in the same order, the
same kinds of value, arrays whose elements share one shape (a client library serialises one
type one way). Once a layout was judged clean (no alert on any field of the body) a few times,
the route compiles it, with the criteria of its fields, into one regular expression over the
raw body. A body the expression matches is valid JSON within the profiling bounds whose every
field passes its criteria, so the learned model judges it with that one match instead of
parsing it and judging a hundred fields, and the body is parsed only if something else asks for
its fields. Every value is still judged: the expression holds each field's admitted characters,
length range, run patterns or enum values, and excludes every unseen structural sequence and
every character that may start dangerous structure. Only the layout is remembered, never a
value.

An expression admits a subset of what the criteria admit (strings of ASCII without escapes,
integers written canonically, no character that may start dangerous structure); any other body
fails the match and is judged field by field, so decisions are exactly those of the field path
(``tests/behavior/test_layouts.py`` checks this on generated criteria and bodies).

Bounds: at most :data:`LAYOUTS_PER_ROUTE` expressions per route, each compiled after
:data:`SEEN_BEFORE_COMPILE` clean bodies of its layout, at most :data:`LEARNING_BUDGET` bodies
examined per route and policy version, expressions of at most :data:`EXPRESSION_CHARS`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable
from dataclasses import dataclass, replace

from vigil.behavior.clean import value_is_clean
from vigil.behavior.policy import FieldCheck
from vigil.behavior.structure import danger_free
from vigil.behavior.values import PATTERN_MAX
from vigil.http.body import MAX_DEPTH

LAYOUTS_PER_ROUTE = 8
"""Compiled layouts kept per route (the first ones to be seen clean often enough)."""

SEEN_BEFORE_COMPILE = 4
"""Clean bodies of one layout before it is compiled."""

SIGNATURES = 64
"""Bound on layouts counted per route while they wait to be compiled (emptied when full)."""

LEARNING_BUDGET = 1024
"""Clean bodies examined per route and compiled policy; a new policy version starts again."""

EXPRESSION_CHARS = 1 << 16
"""Longest expression compiled (arrays of one element shape keep layouts short)."""

INLINE_TIMES = 4
"""A field found at most this often in a body excludes its unseen substrings itself; one found
more often leaves them to searches of the whole body."""

_WS = "[ \\t\\n\\r]*+"
_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,17}")
_RUNS = {"a": "[a-z]++", "A": "[A-Z]++", "9": "[0-9]++"}
_RUN_CHARS = {
    "a": frozenset("abcdefghijklmnopqrstuvwxyz"),
    "A": frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "9": frozenset("0123456789"),
}
_DIGITS = frozenset("0123456789")
_INTEGER_DIGITS = 18
"""Longest integer literal admitted: it always reads as a 64-bit integer."""


@dataclass(frozen=True, slots=True)
class Layout:
    """One compiled layout: its expressions and the field paths a body it matches holds.

    Each value's expression excludes the structural sequences and dangerous substrings its
    field never showed. For fields found many times in a body (array elements), a body that
    holds none of them anywhere, which a few byte searches tell, is matched with expressions
    that leave them out (one for bodies without whitespace, one with); any other body with
    the ``strict`` expression.
    """

    compact: re.Pattern[bytes]
    spaced: re.Pattern[bytes]
    strict: re.Pattern[bytes]
    needles: tuple[bytes, ...]
    """Substrings (lower case) no value of ``compact`` and ``spaced`` may hold, in any case."""
    paths: frozenset[str]
    shape: Hashable = None
    """The :func:`signature` of the documents it was compiled from: one layout per signature
    (a body of that signature it does not match holds a value its expression cannot judge)."""

    def matches(self, body: bytes) -> bool:
        """Whether ``body`` is of this layout, every value within its field's criteria."""
        if self.needles:
            low = body.lower()
            for needle in self.needles:
                if needle in low:
                    return self.strict.fullmatch(body) is not None
        spaced = b" " in body or b"\n" in body or b"\r" in body or b"\t" in body
        return (self.spaced if spaced else self.compact).fullmatch(body) is not None


class RouteLayouts:
    """The layouts of one route's clean JSON bodies (bounded; safe to share)."""

    __slots__ = ("_budget", "_refused", "_seen", "checks", "layouts")

    def __init__(self, checks: dict[str, FieldCheck]) -> None:
        self.checks = checks
        self.layouts: tuple[Layout, ...] = ()
        self._seen: dict[Hashable, int] = {}
        self._refused: set[Hashable] = set()
        self._budget = LEARNING_BUDGET

    def match(self, body: bytes) -> Layout | None:
        """The layout whose expression ``body`` matches, or None."""
        for layout in self.layouts:
            if layout.matches(body):
                return layout
        return None

    def learn(self, doc: object, max_fields: int) -> None:
        """Count a parsed body whose every field was judged clean; compile its layout once it
        was seen :data:`SEEN_BEFORE_COMPILE` times (``max_fields`` bounds the bodies it admits)."""
        if len(self.layouts) >= LAYOUTS_PER_ROUTE or self._budget <= 0:
            return
        self._budget -= 1
        shape = signature(doc)
        if shape is None or shape in self._refused:
            return
        if any(layout.shape == shape for layout in self.layouts):
            return
        seen = self._seen.get(shape, 0) + 1
        if seen < SEEN_BEFORE_COMPILE:
            if len(self._seen) >= SIGNATURES:
                self._seen.clear()
            self._seen[shape] = seen
            return
        self._seen.pop(shape, None)
        layout = compile_layout(doc, self.checks, max_fields)
        if layout is None:
            if len(self._refused) < SIGNATURES:
                self._refused.add(shape)
            return
        self.layouts = (*self.layouts, replace(layout, shape=shape))


def signature(doc: object) -> Hashable | None:
    """What a parsed document's layout is made of (keys in order, kinds, element shapes), or
    None for documents no layout describes (floats, arrays of elements of several shapes)."""
    kind = type(doc)
    if kind is dict:
        members = []
        for key, value in doc.items():  # type: ignore[attr-defined]
            shape = signature(value)
            if shape is None:
                return None
            members.append((key, shape))
        return ("{", tuple(members))
    if kind is list:
        if not doc:
            return "[]"
        shapes = {signature(value) for value in doc}  # type: ignore[attr-defined]
        if len(shapes) != 1 or None in shapes:
            return None
        return ("[", shapes.pop())
    return _SCALARS.get(kind)


_SCALARS: dict[type, str] = {str: "s", int: "i", bool: "b", type(None): "n"}


def compile_layout(doc: object, checks: dict[str, FieldCheck], max_fields: int) -> Layout | None:
    """The layout of ``doc`` with the criteria of its fields as expressions, or None when a
    field has no criteria or criteria no expression can hold."""
    builds = [_Build(checks, "", strict=False), _Build(checks, _WS), _Build(checks, _WS, True)]
    sources = []
    for build in builds:
        expression = build.node(doc, "json", 1, 0)
        if expression is None or build.count > max_fields:
            return None
        source = f"{build.ws}{expression}{build.ws}"
        if len(source) > EXPRESSION_CHARS:
            return None
        sources.append(re.compile(source.encode("ascii")))
    compact, spaced, strict = sources
    needles = {n.lower().encode("ascii") for n, _ in builds[0].needles}
    return Layout(compact, spaced, strict, tuple(sorted(needles)), frozenset(builds[0].paths))


class _Build:
    """Builds one of a layout's expressions, with whitespace ``ws`` between tokens; ``strict``
    ones exclude unseen substrings value by value, the others gather them in ``needles``.
    ``count`` is the most fields a matching body holds."""

    def __init__(self, checks: dict[str, FieldCheck], ws: str, strict: bool = False) -> None:
        self.checks = checks
        self.ws = ws
        self.strict = strict
        self.paths: set[str] = set()
        self.needles: set[tuple[str, bool]] = set()
        self.count = 0

    def node(self, value: object, path: str, times: int, depth: int) -> str | None:
        """The expression of ``value`` at ``path``, found at most ``times`` times in a body."""
        check = self.checks.get(path)
        if check is None:
            return None
        kind = type(value)
        name = _KINDS.get(kind)
        if name is None or (check.kinds is not None and name not in check.kinds):
            return None
        self.paths.add(path)
        self.count += times
        if kind is dict:
            return self._object(value, path, check, times, depth)  # type: ignore[arg-type]
        if kind is list:
            return self._array(value, path, check, times, depth)  # type: ignore[arg-type]
        if times > check.max_repeat:
            return None
        if kind is str:
            rule = string_rule(check)
            if rule is None:
                return None
            core, excluded = rule
            if not excluded:
                return f'"{core}"'
            if self.strict or times <= INLINE_TIMES:
                shown = "|".join(f"(?i:{re.escape(s)})" if f else re.escape(s) for s, f in excluded)
                return f'"(?![^"]*(?:{shown})){core}"'
            self.needles.update(excluded)
            return f'"{core}"'
        if kind is int:
            return integer_expression(check)
        literals = ("true", "false") if kind is bool else ("null",)
        return _alternatives([t for t in literals if value_is_clean(t, check)])

    def _object(
        self, members: dict[str, object], path: str, check: FieldCheck, times: int, depth: int
    ) -> str | None:
        if depth >= MAX_DEPTH or len(members) > check.hi:
            return None
        ws = self.ws
        parts = []
        for key, child in members.items():
            if not _plain(key):
                return None
            part = self.node(child, f"{path}.{key}", times, depth + 1)
            if part is None:
                return None
            parts.append(f'"{re.escape(key)}"{ws}:{ws}{part}')
        return "\\{" + ws + f"{ws},{ws}".join(parts) + ws + "\\}"

    def _array(
        self, items: list[object], path: str, check: FieldCheck, times: int, depth: int
    ) -> str | None:
        if depth >= MAX_DEPTH:
            return None
        ws = self.ws
        if not items:
            return f"\\[{ws}\\]"
        element = f"{path}[]"
        most = min(check.hi, self._room(items[0], element) // times)
        if most < 1:
            return None
        part = self.node(items[0], element, times * most, depth + 1)
        if part is None:
            return None
        return f"\\[{ws}{part}(?:{ws},{ws}{part}){{0,{most - 1}}}{ws}\\]"

    def _room(self, value: object, path: str) -> int:
        """How many times the values of ``path`` and of the paths below it (up to the next
        array) may occur in a body, by their criteria's ``max_repeat`` (containers: no bound)."""
        if isinstance(value, dict):
            room = 1 << 30
            for key, child in value.items():
                room = min(room, self._room(child, f"{path}.{key}"))
            return room
        if type(value) is list:
            return 1 << 30
        check = self.checks.get(path)
        return check.max_repeat if check is not None else 0


_KINDS: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    bool: "bool",
    type(None): "null",
}


def _plain(text: str) -> bool:
    """Printable ASCII with no quote or backslash: its JSON string is itself."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def _alternatives(options: list[str]) -> str | None:
    return "(?:" + "|".join(options) + ")" if options else None


def _class(chars: frozenset[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


def string_rule(check: FieldCheck) -> tuple[str, tuple[tuple[str, bool], ...]] | None:
    """An expression for the inside of a JSON string literal whose text passes ``check`` (an
    ASCII text without escapes) once it holds none of the substrings listed with it (each with
    whether case is ignored); None when no expression tells such texts apart. Substrings the
    expression cannot produce are not listed."""
    if check.enum is not None:
        core = _alternatives(
            [re.escape(v) for v in sorted(check.enum) if _plain(v) and value_is_clean(v, check)]
        )
        return None if core is None else (core, ())
    chars = frozenset(check.plain_bytes.decode("ascii")) - {'"', "\\"}
    excluded = [(n.decode("ascii"), False) for n in check.needles]
    if check.may_hold_danger:
        chars, dangerous = danger_free(chars)
        excluded.extend((s, True) for s in dangerous)
    if "&" in chars and "#" in chars:
        excluded.append(("&#", False))
    if not chars:
        return None
    lo, hi = check.lo, _entropy_bound(check, check.hi, len(chars))
    if check.patterns is not None:
        hi = min(hi, PATTERN_MAX)
        patterns = [p for p in sorted(check.patterns) if _runs_within(p, chars)]
        if not patterns or lo > hi:
            return None
        runs = "(?:" + "|".join(map(_run_expression, patterns)) + ")"
        kept = [
            e
            for e in excluded
            if any(_pattern_holds(p, t) for p in patterns for t in _spellings(*e))
        ]
        if len(patterns) == 1 and patterns[0] in _RUNS:
            if hi < 1:
                return None
            return f"{_RUNS[patterns[0]][:-2]}{{{max(lo, 1)},{hi}}}+", tuple(kept)
        return f'(?=[^"]{{{lo},{hi}}}"){runs}', tuple(kept)
    if check.shapes is not None or lo > hi:
        return None
    kept = [e for e in excluded if any(chars.issuperset(t) for t in _spellings(*e))]
    return f"{_class(chars)}{{{lo},{hi}}}+", tuple(kept)


def _spellings(text: str, folded: bool) -> list[str]:
    """``text``, and when case is ignored every way to write it in upper and lower case."""
    spellings = [""]
    for char in text:
        cases = sorted({char.lower(), char.upper()}) if folded else [char]
        spellings = [s + c for s in spellings for c in cases]
    return spellings


def _pattern_holds(pattern: str, text: str) -> bool:
    """Whether some value of run pattern ``pattern`` (ASCII runs) holds ``text``.

    Runs are maximal and the classes of neighbouring runs and literals are disjoint, so a
    substring crosses them in exactly one way: each run it enters takes all its next characters
    of that run's class, at least one.
    """
    for start in range(len(pattern)):
        at, index = 0, start
        while at < len(text) and index < len(pattern):
            run = _RUN_CHARS.get(pattern[index])
            if run is None:
                if text[at] != pattern[index]:
                    break
                at += 1
            else:
                taken = at
                while at < len(text) and text[at] in run:
                    at += 1
                if at == taken:
                    break
            index += 1
        if at == len(text):
            return True
    return False


def _entropy_bound(check: FieldCheck, hi: int, distinct: int) -> int:
    """``hi`` lowered so that no text of ``distinct`` characters exceeds the entropy bound: a
    text of ``n`` characters has at most ``log2(n)`` bits per character."""
    bound = check.entropy_max
    if bound is None or hi < 16 or math.log2(max(2, distinct)) <= bound:
        return hi
    return min(hi, max(15, int(2**bound)))


def _runs_within(pattern: str, chars: frozenset[str]) -> bool:
    """Whether every value of run pattern ``pattern`` in ASCII is made of ``chars``."""
    return bool(pattern) and all(
        _RUN_CHARS[c] <= chars if c in _RUN_CHARS else c in chars for c in pattern
    )


def _run_expression(pattern: str) -> str:
    return "".join(_RUNS.get(c) or re.escape(c) for c in pattern)


def integer_expression(check: FieldCheck) -> str | None:
    """An expression for a JSON integer written canonically (``0``, ``-12``: its text is the
    number's) whose text passes ``check``; None when the criteria admit no integer."""
    if check.enum is not None:
        return _alternatives(
            [v for v in sorted(check.enum) if _INTEGER.fullmatch(v) and value_is_clean(v, check)]
        )
    chars = frozenset(check.plain_bytes.decode("ascii"))
    if not chars >= _DIGITS or (check.shapes is not None and "int" not in check.shapes):
        return None
    positive, negative = True, "-" in chars
    if check.patterns is not None:
        positive, negative = "9" in check.patterns, negative and "-9" in check.patterns
    lo = max(check.lo, 1)
    hi = _entropy_bound(check, min(check.hi, _INTEGER_DIGITS), len(_DIGITS) + negative)
    options = []
    if positive and lo <= hi:
        if lo == 1:
            options.append("0")
        options.append(f"[1-9][0-9]{{{lo - 1},{hi - 1}}}")
    if negative and max(lo, 2) <= hi:
        options.append(f"-[1-9][0-9]{{{max(lo, 2) - 2},{hi - 2}}}")
    return _alternatives(options)
