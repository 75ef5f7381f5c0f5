"""Support: how many distinct clients, in how many distinct time windows, showed something.

Counts measure how often something was seen, and one client can make them as large as it likes.
Learning admits novelty (a route, a field, a special character, an enum value, a status...) on
support instead: the item must have been shown by at least K distinct clients in at least W
distinct time windows, so one client, however persistent, or one burst, however many clients it
uses, never teaches the policy anything.

A :class:`Support` keeps at most K client digests (the smallest, so the kept set does not depend
on arrival order) and W window ids (the latest), and collapses to the shared :data:`MET` value
once both are reached: met items cost nothing more. Supports merge by union, so supports kept by
many gates combine in any order to the same result. They live beside the counted statistics
(:mod:`vigil.behavior.stats`), keyed the same way: per route, per field, per feature and item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from heapq import nlargest, nsmallest
from typing import Final


class Feature(StrEnum):
    """What an item of a field is: each kind of novelty a field can show."""

    CLASS = "class"
    SPECIAL = "special"
    SEQUENCE = "sequence"
    SHAPE = "shape"
    KIND = "kind"
    ENCODING = "encoding"
    VALUE = "value"
    PATTERN = "pattern"
    GRAMMAR = "grammar"
    DANGER = "danger"


class Support:
    """Distinct clients and windows that showed one item, bounded by the thresholds."""

    __slots__ = ("clients", "windows")

    def __init__(self, clients: tuple[int, ...] = (), windows: tuple[int, ...] = ()) -> None:
        self.clients = clients
        """Client digests, sorted ascending, at most K."""
        self.windows = windows
        """Window ids, sorted ascending, at most W."""

    def __repr__(self) -> str:
        if self is MET:
            return "Support(MET)"
        return f"Support(clients={len(self.clients)}, windows={self.windows})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Support):
            return NotImplemented
        return self.clients == other.clients and self.windows == other.windows

    def __hash__(self) -> int:
        return hash((self.clients, self.windows))

    @property
    def met(self) -> bool:
        """True once both thresholds were reached (the item is admitted)."""
        return self is MET

    def distinct(self, thresholds: Thresholds) -> tuple[int, int]:
        """Distinct clients and windows counted, capped at the thresholds."""
        if self is MET:
            return thresholds.clients, thresholds.windows
        return len(self.clients), len(self.windows)


MET: Final = Support((-1,), (-1,))
"""The support of every item that reached both thresholds; never mutated, shared by all."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """K distinct clients in W distinct windows: what admits an item."""

    clients: int = 3
    windows: int = 2

    def __post_init__(self) -> None:
        if self.clients < 1 or self.windows < 1:
            raise ValueError("support thresholds must be at least one client and one window")


def shown(support: Support | None, client: int, window: int, limits: Thresholds) -> Support:
    """``support`` after ``client`` showed the item in ``window`` (a new value; never mutated)."""
    if support is MET:
        return MET
    if support is None:
        support = _EMPTY
    clients, windows = support.clients, support.windows
    if client not in clients:
        clients = _keep_smallest((*clients, client), limits.clients)
    if window not in windows:
        windows = _keep_largest((*windows, window), limits.windows)
    if len(clients) >= limits.clients and len(windows) >= limits.windows:
        return MET
    if clients is support.clients and windows is support.windows:
        return support
    return _interned(clients, windows)


def combined(a: Support | None, b: Support | None, limits: Thresholds) -> Support:
    """The support of the union of what ``a`` and ``b`` saw (commutative and associative)."""
    if a is MET or b is MET:
        return MET
    if a is None:
        return b if b is not None else _EMPTY
    if b is None:
        return a
    clients = _keep_smallest(tuple(set(a.clients) | set(b.clients)), limits.clients)
    windows = _keep_largest(tuple(set(a.windows) | set(b.windows)), limits.windows)
    if len(clients) >= limits.clients and len(windows) >= limits.windows:
        return MET
    return _interned(clients, windows)


def support_of(clients: Iterable[int], windows: Iterable[int], limits: Thresholds) -> Support:
    """The support of items shown by ``clients`` in ``windows`` (e.g. read back from a file)."""
    kept_clients = _keep_smallest(tuple(set(clients)), limits.clients)
    kept_windows = _keep_largest(tuple(set(windows)), limits.windows)
    if len(kept_clients) >= limits.clients and len(kept_windows) >= limits.windows:
        return MET
    return _interned(kept_clients, kept_windows)


INTERNED = 4096
"""Bound on shared unmet supports (items shown by the same clients in the same windows share
one object: a scan from one client costs one support, not one per item)."""

_shared: dict[tuple[tuple[int, ...], tuple[int, ...]], Support] = {}


def _interned(clients: tuple[int, ...], windows: tuple[int, ...]) -> Support:
    key = (clients, windows)
    support = _shared.get(key)
    if support is None:
        if len(_shared) >= INTERNED:
            _shared.clear()
        support = _shared[key] = Support(clients, windows)
    return support


def _keep_smallest(values: tuple[int, ...], limit: int) -> tuple[int, ...]:
    if len(values) <= limit:
        return tuple(sorted(values))
    return tuple(nsmallest(limit, values))


def _keep_largest(values: tuple[int, ...], limit: int) -> tuple[int, ...]:
    if len(values) <= limit:
        return tuple(sorted(values))
    return tuple(sorted(nlargest(limit, values)))


_EMPTY: Final = Support()

ItemKey = tuple[Feature, str]
"""An item of a field: its feature and its stable name (``(SPECIAL, "@")``, ``(VALUE, "red")``)."""


@dataclass(slots=True)
class FieldSupport:
    """Support of one field: of the field itself, and of every item it showed."""

    presence: Support = _EMPTY
    """Support of the field itself (a new key in a query or body)."""
    items: dict[ItemKey, Support] = field(default_factory=dict)

    def admits(self, feature: Feature, item: str) -> bool:
        """True when ``item`` of ``feature`` reached both thresholds."""
        return self.items.get((feature, item)) is MET

    def merge(self, other: FieldSupport, limits: Thresholds) -> None:
        """Add what ``other`` saw."""
        self.presence = combined(self.presence, other.presence, limits)
        items = self.items
        for key, theirs in other.items.items():
            items[key] = combined(items.get(key), theirs, limits)

    def prune(self, keep: set[ItemKey]) -> None:
        """Forget the support of items no longer counted (their counts decayed away)."""
        self.items = {k: v for k, v in self.items.items() if k in keep}


RouteItemKey = tuple[str, str]
"""A route-level item: ``("content-type", "application/json")`` or ``("status", "200")``."""


@dataclass(slots=True)
class RouteSupport:
    """Support of one route: of the route itself, its fields and its route-level items."""

    route: Support = _EMPTY
    samples: int = 0
    """Samples of the route ever counted (never decayed: how a rarely used route matures)."""
    fields: dict[str, FieldSupport] = field(default_factory=dict)
    response_fields: dict[str, FieldSupport] = field(default_factory=dict)
    items: dict[RouteItemKey, Support] = field(default_factory=dict)

    @property
    def met(self) -> bool:
        """True when the route itself reached both thresholds."""
        return self.route is MET

    def admits(self, kind: str, item: str) -> bool:
        """True when the route-level ``item`` of ``kind`` reached both thresholds."""
        return self.items.get((kind, item)) is MET

    def field_support(self, name: str, response: bool = False) -> FieldSupport:
        """The support of field ``name`` (an empty one when it was never shown)."""
        table = self.response_fields if response else self.fields
        return table.get(name) or FieldSupport()

    def merge(self, other: RouteSupport, limits: Thresholds) -> None:
        """Add what ``other`` saw."""
        self.route = combined(self.route, other.route, limits)
        self.samples += other.samples
        for key, theirs in other.items.items():
            self.items[key] = combined(self.items.get(key), theirs, limits)
        for mine, their_fields in (
            (self.fields, other.fields),
            (self.response_fields, other.response_fields),
        ):
            for name, support in their_fields.items():
                target = mine.get(name)
                if target is None:
                    target = mine[name] = FieldSupport()
                target.merge(support, limits)
