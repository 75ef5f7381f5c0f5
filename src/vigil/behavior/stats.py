"""Mergeable learning statistics: counts, histograms and supported sets.

Learning keeps frequencies, not a max/union: one outlier seen while learning adds one count to a
histogram bucket instead of widening a limit forever, criteria are read off quantiles and support
thresholds, and :meth:`decay` ages old behaviour out so learned criteria tighten and expire.
Every structure is bounded and merges by addition, so totals from many gates combine in any
order to the same result (which items a full counted set keeps depends on arrival order).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from vigil.http.urlcodec import Encoding


def _length_edges() -> tuple[float, ...]:
    edges: list[float] = [float(i) for i in range(0, 33)]
    value = 32.0
    while value < 1 << 24:
        value = float(int(value * 1.125) + 1)
        edges.append(value)
    return tuple(edges)


LENGTH_EDGES = _length_edges()
"""Upper-inclusive bucket edges for lengths and sizes: exact to 32, then +12.5% steps to 16 Mi."""

LATENCY_EDGES = (0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 50.0, 75.0, 100.0, 150.0,
                 200.0, 300.0, 500.0, 750.0, 1000.0, 1500.0, 2000.0, 3000.0, 5000.0, 10000.0,
                 30000.0, 60000.0, float("inf"))  # fmt: skip
"""Upper-inclusive bucket edges of latency in milliseconds."""

ENTROPY_EDGES = tuple(i / 4 for i in range(1, 33))
"""Bucket edges of entropy in bits per character, 0.25 apart, up to 8."""

MAX_SET_ITEMS = 64
"""Bound on distinct items a counted set keeps (values of an enum, special characters...)."""


@dataclass(slots=True)
class Histogram:
    """Counts per bucket of fixed edges (sparse: only buckets that hold a count), plus the exact
    maximum seen. Bucket ``i`` holds values up to ``edges[i]``; the last, past every edge."""

    edges: tuple[float, ...]
    counts: dict[int, float] = field(default_factory=dict)
    max_seen: float = 0.0

    @property
    def total(self) -> float:
        """Sum of all counts."""
        return sum(self.counts.values())

    def add(self, value: float, weight: float = 1.0) -> None:
        """Count one value."""
        index = bisect.bisect_left(self.edges, value)
        counts = self.counts
        counts[index] = counts.get(index, 0.0) + weight
        self.max_seen = max(self.max_seen, value)

    def merge(self, other: Histogram) -> None:
        """Add another histogram of the same edges."""
        counts = self.counts
        for i, c in other.counts.items():
            counts[i] = counts.get(i, 0.0) + c
        self.max_seen = max(self.max_seen, other.max_seen)

    def decay(self, factor: float) -> None:
        """Multiply all counts by ``factor`` (0 < factor <= 1); counts below 0.01 are forgotten."""
        self.counts = {i: c * factor for i, c in self.counts.items() if c * factor >= 0.01}
        if not self.counts:
            self.max_seen = 0.0

    def quantile(self, q: float) -> float:
        """Upper edge of the bucket holding quantile ``q`` (clamped to the maximum seen)."""
        total = self.total
        if total <= 0:
            return 0.0
        target = q * total
        running = 0.0
        for i in sorted(self.counts):
            c = self.counts[i]
            running += c
            if running >= target and c > 0:
                edge = self.edges[i] if i < len(self.edges) else self.max_seen
                return min(edge, self.max_seen)
        return self.max_seen

    def lowest(self, min_count: float = 0.0) -> float:
        """Upper edge of the lowest bucket holding more than ``min_count``."""
        for i in sorted(self.counts):
            if self.counts[i] > min_count:
                return self.edges[i - 1] + 1 if 0 < i <= len(self.edges) else 0.0
        return 0.0

    def to_dict(self) -> dict[str, Any]:
        """Sparse JSON-ready form."""
        return {
            "max": self.max_seen,
            "buckets": {i: c for i, c in sorted(self.counts.items()) if c},
        }

    @classmethod
    def from_dict(cls, edges: tuple[float, ...], data: dict[str, Any]) -> Histogram:
        """Inverse of :meth:`to_dict` (buckets outside the edges are ignored)."""
        hist = cls(edges)
        size = len(edges) + 1
        for key, count in data.get("buckets", {}).items():
            index = int(key)
            if 0 <= index < size and float(count) > 0:
                hist.counts[index] = float(count)
        hist.max_seen = float(data.get("max", 0.0))
        return hist


@dataclass(slots=True)
class Counts:
    """A bounded counted set: item -> count, with an overflow flag once the bound is hit."""

    limit: int = MAX_SET_ITEMS
    items: dict[str, float] = field(default_factory=dict)
    overflow: float = 0.0

    def add(self, item: str, weight: float = 1.0) -> None:
        """Count one item; items past the bound are counted only as overflow."""
        if item in self.items:
            self.items[item] += weight
        elif len(self.items) < self.limit:
            self.items[item] = weight
        else:
            self.overflow += weight

    def merge(self, other: Counts) -> None:
        """Add another counted set."""
        for item, count in other.items.items():
            self.add(item, count)
        self.overflow += other.overflow

    def decay(self, factor: float) -> None:
        """Multiply all counts by ``factor`` and forget items that fall below 0.01."""
        self.items = {k: v * factor for k, v in self.items.items() if v * factor >= 0.01}
        self.overflow *= factor

    def supported(self, min_count: float) -> list[str]:
        """Items counted at least ``min_count`` times, most frequent first (ties by name)."""
        return sorted(
            (k for k, v in self.items.items() if v >= min_count), key=lambda k: (-self.items[k], k)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"items": dict(self.items), "overflow": self.overflow}

    @classmethod
    def from_dict(cls, data: dict[str, Any], limit: int = MAX_SET_ITEMS) -> Counts:
        """Inverse of :meth:`to_dict`."""
        return cls(
            limit,
            {str(k): float(v) for k, v in data.get("items", {}).items()},
            float(data.get("overflow", 0.0)),
        )


FLAG_BITS = tuple(Encoding(1 << i) for i in range(8))

GRAMMAR_COUNTERS = 9
"""One counter per :class:`~vigil.behavior.grammars.Grammar` bit: values that followed it."""

DANGER_COUNTERS = 7
"""One counter per :class:`~vigil.behavior.structure.Danger` bit: values that showed it."""


def _counters(data: dict[str, Any], key: str, size: int) -> list[float]:
    counts = [float(c) for c in data.get(key, ())][:size]
    return counts + [0.0] * (size - len(counts))


@dataclass(slots=True)
class FieldStats:
    """Everything learned about one field of one route (e.g. ``query.username``)."""

    n: float = 0.0
    lengths: Histogram = field(default_factory=lambda: Histogram(LENGTH_EDGES))
    classes: list[float] = field(default_factory=lambda: [0.0] * 8)
    specials: Counts = field(default_factory=Counts)
    sequences: Counts = field(default_factory=Counts)
    shapes: Counts = field(default_factory=Counts)
    kinds: Counts = field(default_factory=Counts)
    values: Counts = field(default_factory=Counts)
    patterns: Counts = field(default_factory=Counts)
    flags: list[float] = field(default_factory=lambda: [0.0] * 8)
    entropy: Histogram = field(default_factory=lambda: Histogram(ENTROPY_EDGES))
    present: float = 0.0
    repeats: Histogram = field(default_factory=lambda: Histogram(LENGTH_EDGES))
    grammars: list[float] = field(default_factory=lambda: [0.0] * GRAMMAR_COUNTERS)
    dangers: list[float] = field(default_factory=lambda: [0.0] * DANGER_COUNTERS)

    def merge(self, other: FieldStats) -> None:
        """Add another field's statistics."""
        self.n += other.n
        self.present += other.present
        self.lengths.merge(other.lengths)
        self.entropy.merge(other.entropy)
        self.repeats.merge(other.repeats)
        for i in range(8):
            self.classes[i] += other.classes[i]
            self.flags[i] += other.flags[i]
        for i in range(GRAMMAR_COUNTERS):
            self.grammars[i] += other.grammars[i]
        for i in range(DANGER_COUNTERS):
            self.dangers[i] += other.dangers[i]
        for mine, theirs in (
            (self.specials, other.specials),
            (self.sequences, other.sequences),
            (self.shapes, other.shapes),
            (self.kinds, other.kinds),
            (self.values, other.values),
            (self.patterns, other.patterns),
        ):
            mine.merge(theirs)

    def decay(self, factor: float) -> None:
        """Age all counts by ``factor``."""
        self.n *= factor
        self.present *= factor
        for hist in (self.lengths, self.entropy, self.repeats):
            hist.decay(factor)
        self.classes = [c * factor for c in self.classes]
        self.flags = [c * factor for c in self.flags]
        self.grammars = [c * factor for c in self.grammars]
        self.dangers = [c * factor for c in self.dangers]
        for counts in (
            self.specials,
            self.sequences,
            self.shapes,
            self.kinds,
            self.values,
            self.patterns,
        ):
            counts.decay(factor)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "n": self.n,
            "present": self.present,
            "lengths": self.lengths.to_dict(),
            "entropy": self.entropy.to_dict(),
            "repeats": self.repeats.to_dict(),
            "classes": self.classes,
            "flags": self.flags,
            "grammars": self.grammars,
            "dangers": self.dangers,
            "specials": self.specials.to_dict(),
            "sequences": self.sequences.to_dict(),
            "shapes": self.shapes.to_dict(),
            "kinds": self.kinds.to_dict(),
            "values": self.values.to_dict(),
            "patterns": self.patterns.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldStats:
        """Inverse of :meth:`to_dict`."""
        return cls(
            n=float(data["n"]),
            present=float(data.get("present", 0.0)),
            lengths=Histogram.from_dict(LENGTH_EDGES, data["lengths"]),
            entropy=Histogram.from_dict(ENTROPY_EDGES, data["entropy"]),
            repeats=Histogram.from_dict(LENGTH_EDGES, data["repeats"]),
            classes=[float(c) for c in data["classes"]],
            flags=[float(c) for c in data["flags"]],
            grammars=_counters(data, "grammars", GRAMMAR_COUNTERS),
            dangers=_counters(data, "dangers", DANGER_COUNTERS),
            specials=Counts.from_dict(data["specials"]),
            sequences=Counts.from_dict(data["sequences"]),
            shapes=Counts.from_dict(data["shapes"]),
            kinds=Counts.from_dict(data["kinds"]),
            values=Counts.from_dict(data["values"]),
            patterns=Counts.from_dict(data.get("patterns", {})),
        )


MAX_FIELDS_PER_ROUTE = 256
"""Bound on fields learned per route; further field names share one ``{other}`` model."""


@dataclass(slots=True)
class RouteStats:
    """Statistics of one route: request fields, and the responses it produced."""

    n: float = 0.0
    content_types: Counts = field(default_factory=Counts)
    fields: dict[str, FieldStats] = field(default_factory=dict)
    other_fields: Counts = field(default_factory=lambda: Counts(limit=MAX_SET_ITEMS))
    responses: float = 0.0
    statuses: Counts = field(default_factory=Counts)
    response_sizes: Histogram = field(default_factory=lambda: Histogram(LENGTH_EDGES))
    latency_ms: Histogram = field(default_factory=lambda: Histogram(LATENCY_EDGES))
    response_fields: dict[str, FieldStats] = field(default_factory=dict)

    def field(self, name: str, response: bool = False) -> FieldStats | None:
        """The stats of ``name``, created on first use while the route is under its bound."""
        table = self.response_fields if response else self.fields
        stats = table.get(name)
        if stats is None:
            if len(table) >= MAX_FIELDS_PER_ROUTE:
                self.other_fields.add(name)
                return None
            stats = table[name] = FieldStats()
        return stats

    def merge(self, other: RouteStats) -> None:
        """Add another route's statistics (used when routes are generalised or gates merge)."""
        self.n += other.n
        self.responses += other.responses
        self.content_types.merge(other.content_types)
        self.other_fields.merge(other.other_fields)
        self.statuses.merge(other.statuses)
        self.response_sizes.merge(other.response_sizes)
        self.latency_ms.merge(other.latency_ms)
        for mine, theirs, response in (
            (self.fields, other.fields, False),
            (self.response_fields, other.response_fields, True),
        ):
            for name, stats in theirs.items():
                target = mine.get(name) or self.field(name, response)
                if target is not None:
                    target.merge(stats)

    def decay(self, factor: float) -> None:
        """Age every count of the route by ``factor``."""
        self.n *= factor
        self.responses *= factor
        for counts in (self.content_types, self.other_fields, self.statuses):
            counts.decay(factor)
        self.response_sizes.decay(factor)
        self.latency_ms.decay(factor)
        for stats in (*self.fields.values(), *self.response_fields.values()):
            stats.decay(factor)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "n": self.n,
            "responses": self.responses,
            "content_types": self.content_types.to_dict(),
            "other_fields": self.other_fields.to_dict(),
            "statuses": self.statuses.to_dict(),
            "response_sizes": self.response_sizes.to_dict(),
            "latency_ms": self.latency_ms.to_dict(),
            "fields": {k: v.to_dict() for k, v in self.fields.items()},
            "response_fields": {k: v.to_dict() for k, v in self.response_fields.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RouteStats:
        """Inverse of :meth:`to_dict`."""
        return cls(
            n=float(data["n"]),
            responses=float(data.get("responses", 0.0)),
            content_types=Counts.from_dict(data["content_types"]),
            other_fields=Counts.from_dict(data["other_fields"]),
            statuses=Counts.from_dict(data["statuses"]),
            response_sizes=Histogram.from_dict(LENGTH_EDGES, data["response_sizes"]),
            latency_ms=Histogram.from_dict(LATENCY_EDGES, data["latency_ms"]),
            fields={k: FieldStats.from_dict(v) for k, v in data["fields"].items()},
            response_fields={
                k: FieldStats.from_dict(v) for k, v in data["response_fields"].items()
            },
        )
