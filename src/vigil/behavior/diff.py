"""The difference between two policies, as typed changes a person can read line by line.

``vigil policy diff A B`` prints it; ``vigil policy allow`` shows the diff of a proposed decision
before applying it; a learner can log what a learning run changed. Each :class:`Change` names its
layer (the policy's settings, the learned routes, the operator's decisions), the route and field
it concerns, the attribute, and the values before and after. Routes and fields that appear or
disappear are one change each, not one per criterion. Sample counts and presence ratios change at
every learning run and are left out unless asked for. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vigil.behavior.policy import Policy, RoutePolicy

COUNTERS = frozenset({"samples", "presence"})
"""Attributes that count traffic rather than describe it (left out by default)."""

SETS = frozenset(
    {"classes", "sequences", "shapes", "kinds", "enum", "patterns", "encodings", "statuses",
     "content_types", "values"}
)  # fmt: skip
"""Attributes whose values are sets: their changes read as items added and removed."""


class ChangeKind(StrEnum):
    """What happened to the thing a change names."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"

    @property
    def sign(self) -> str:
        """``+``, ``-`` or ``~``, as the diff lines start."""
        return {"added": "+", "removed": "-", "changed": "~"}[self.value]


class Layer(StrEnum):
    """Which part of a policy a change is in."""

    SETTINGS = "settings"
    LEARNED = "learned"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two policies."""

    kind: ChangeKind
    layer: Layer
    route: str = ""
    field: str = ""
    attribute: str = ""
    """``route`` or ``field`` when a whole route or field was added or removed."""
    before: Any = None
    after: Any = None

    @property
    def line(self) -> str:
        """One human line, e.g. ``~ GET /users query.q specials: '-' -> '-@'``."""
        where = " ".join(p for p in (self.route, self.field) if p)
        prefix = f"{self.kind.sign} {'' if self.layer is Layer.LEARNED else self.layer.value + ' '}"
        if self.attribute in ("route", "field"):
            value = self.after if self.kind is ChangeKind.ADDED else self.before
            detail = f" ({value})" if value else ""
            return f"{prefix}{self.attribute} {where}{detail}"
        delta = _delta(self.attribute.rsplit(".", 1)[-1], self.before, self.after)
        return f"{prefix}{where + ' ' if where else ''}{self.attribute}: {delta}"


def _delta(name: str, before: Any, after: Any) -> str:
    if name in SETS and isinstance(before, list) and isinstance(after, list):
        added = [x for x in after if x not in before]
        removed = [x for x in before if x not in after]
        parts = [f"+{x}" for x in added] + [f"-{x}" for x in removed]
        if parts and len(parts) <= 8:
            return " ".join(str(p) for p in parts)
    return f"{_show(before)} -> {_show(after)}"


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list) and len(value) > 8:
        return f"[{', '.join(map(str, value[:8]))}, ... {len(value)} in all]"
    return str(value)


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    """Every change from one policy to another."""

    before_version: int
    after_version: int
    changes: tuple[Change, ...]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def lines(self) -> list[str]:
        """One line per change, settings first, then routes in order."""
        return [change.line for change in self.changes]

    def of(self, layer: Layer) -> list[Change]:
        """The changes in one layer."""
        return [c for c in self.changes if c.layer is layer]


def diff_policies(before: Policy, after: Policy, *, counters: bool = False) -> PolicyDiff:
    """The changes that turn ``before`` into ``after`` (``counters`` adds sample counts)."""
    skip = frozenset() if counters else COUNTERS
    changes: list[Change] = []
    changes.extend(_settings(before, after))
    changes.extend(_routes(before.routes, after.routes, skip))
    changes.extend(_operator(before, after))
    return PolicyDiff(before.version, after.version, tuple(changes))


def _settings(before: Policy, after: Policy) -> list[Change]:
    a = before.model_dump(mode="json", exclude={"routes", "operator", "version"})
    b = after.model_dump(mode="json", exclude={"routes", "operator", "version"})
    return [
        Change(ChangeKind.CHANGED, Layer.SETTINGS, attribute=path, before=x, after=y)
        for path, x, y in _compare(_flatten(a), _flatten(b))
    ]


def _summary(route: RoutePolicy) -> str:
    return f"{len(route.fields)} fields, {route.samples} samples"


def _routes(
    before: dict[str, RoutePolicy], after: dict[str, RoutePolicy], skip: frozenset[str]
) -> list[Change]:
    changes: list[Change] = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            changes.append(
                Change(
                    ChangeKind.REMOVED,
                    Layer.LEARNED,
                    key,
                    attribute="route",
                    before=_summary(before[key]),
                )
            )
        elif key not in before:
            changes.append(
                Change(
                    ChangeKind.ADDED,
                    Layer.LEARNED,
                    key,
                    attribute="route",
                    after=_summary(after[key]),
                )
            )
        else:
            changes.extend(_route(key, before[key], after[key], skip))
    return changes


def _route(key: str, before: RoutePolicy, after: RoutePolicy, skip: frozenset[str]) -> list[Change]:
    changes: list[Change] = []
    a = before.model_dump(mode="json", exclude={"fields", "response"})
    b = after.model_dump(mode="json", exclude={"fields", "response"})
    for path, x, y in _compare(_flatten(a), _flatten(b)):
        if path not in skip:
            changes.append(Change(ChangeKind.CHANGED, Layer.LEARNED, key, "", path, x, y))
    changes.extend(_fields(key, "", before.fields, after.fields, skip))
    ra, rb = before.response, after.response
    a_resp = ra.model_dump(mode="json", exclude={"fields"}) if ra is not None else {}
    b_resp = rb.model_dump(mode="json", exclude={"fields"}) if rb is not None else {}
    for path, x, y in _compare(_flatten(a_resp), _flatten(b_resp)):
        if path not in skip:
            changes.append(
                Change(ChangeKind.CHANGED, Layer.LEARNED, key, "", f"response.{path}", x, y)
            )
    changes.extend(
        _fields(
            key,
            "response.",
            ra.fields if ra is not None else {},
            rb.fields if rb is not None else {},
            skip,
        )
    )
    return changes


def _fields(
    key: str, prefix: str, before: dict[str, Any], after: dict[str, Any], skip: frozenset[str]
) -> list[Change]:
    changes: list[Change] = []
    for name in sorted(set(before) | set(after)):
        label = prefix + name
        if name not in after:
            changes.append(Change(ChangeKind.REMOVED, Layer.LEARNED, key, label, "field"))
        elif name not in before:
            changes.append(Change(ChangeKind.ADDED, Layer.LEARNED, key, label, "field"))
        else:
            a = _flatten(before[name].model_dump(mode="json"))
            b = _flatten(after[name].model_dump(mode="json"))
            for path, x, y in _compare(a, b):
                if path not in skip:
                    changes.append(
                        Change(ChangeKind.CHANGED, Layer.LEARNED, key, label, path, x, y)
                    )
    return changes


def _operator(before: Policy, after: Policy) -> list[Change]:
    changes: list[Change] = []
    a_routes, b_routes = before.operator.routes, after.operator.routes
    for key in sorted(set(a_routes) | set(b_routes)):
        a = (
            _flatten(a_routes[key].model_dump(mode="json", exclude_defaults=True))
            if key in a_routes
            else {}
        )
        b = (
            _flatten(b_routes[key].model_dump(mode="json", exclude_defaults=True))
            if key in b_routes
            else {}
        )
        for path, x, y in _compare(a, b):
            field, attribute = _split_field(path)
            kind = (
                ChangeKind.ADDED
                if x is None
                else ChangeKind.REMOVED
                if y is None
                else ChangeKind.CHANGED
            )
            changes.append(Change(kind, Layer.OPERATOR, key, field, attribute, x, y))
    return changes


def _split_field(path: str) -> tuple[str, str]:
    """``fields.query.q.allow.specials`` -> (``query.q``, ``allow.specials``)."""
    for prefix, label in (("fields.", ""), ("response_fields.", "response.")):
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            for marker in (".allow.", ".tighten.", ".note"):
                at = rest.find(marker)
                if at != -1:
                    return label + rest[:at], rest[at + 1 :]
            return label + rest, ""
    return "", path


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as ``a.b.c`` paths; lists and scalars are leaves."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _compare(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    out: list[tuple[str, Any, Any]] = []
    for path in sorted(set(a) | set(b)):
        x, y = a.get(path), b.get(path)
        if x != y:
            out.append((path, x, y))
    return out
