"""Statistics of one service: what learning knows between two policies, globally bounded.

Per route key (``GET /users`` or, before routes are generalised, ``GET /users/{int}/x``) it keeps
the counted statistics (:class:`~vigil.behavior.stats.RouteStats`: frequencies, histograms,
supported sets) and, beside them, the support of every item (:mod:`vigil.behavior.support`:
distinct clients and windows). Samples (:mod:`vigil.behavior.sample`) are added one by one, by a
gate or by the learner; two :class:`Statistics` merge by addition and union, so statistics kept
by many gates combine into the ones a single place would have kept.

Memory is bounded for the whole service, not per route (:class:`Bounds`): at most so many route
keys, so many fields in all, and few fields for a route no two clients showed yet, so a scan of
random paths with hundreds of parameters each fills a small, fixed budget. What does not fit is
counted (:attr:`Statistics.dropped_routes`, :attr:`Statistics.dropped_fields`), never kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from vigil.behavior.grammars import GRAMMAR_NAMES
from vigil.behavior.routes import OTHER_ROUTE
from vigil.behavior.sample import ExchangeSample, FieldSample
from vigil.behavior.stats import MAX_FIELDS_PER_ROUTE, Counts, FieldStats, RouteStats
from vigil.behavior.structure import DANGER_NAMES
from vigil.behavior.support import (
    MET,
    Feature,
    FieldSupport,
    ItemKey,
    RouteSupport,
    Support,
    Thresholds,
    shown,
)
from vigil.behavior.values import CLASS_NAMES
from vigil.http.urlcodec import ENCODING_NAMES

GRAMMAR_ITEMS = tuple(GRAMMAR_NAMES.values())
"""Item name of each value-grammar bit, in bit order."""
DANGER_ITEMS = tuple(DANGER_NAMES.values())
"""Item name of each dangerous-structure bit, in bit order."""
CLASS_ITEMS = tuple(CLASS_NAMES.values())
"""Item name of each character-class bit, in bit order."""
ENCODING_ITEMS = tuple(ENCODING_NAMES.values())
"""Item name of each encoding-anomaly bit, in bit order."""

FORGET_BELOW = 0.01
"""A route or field whose decayed sample count falls below this is forgotten, support and all."""

CONTENT_TYPE = "content-type"
STATUS = "status"


@dataclass(frozen=True, slots=True)
class Bounds:
    """Bounds on what a service's statistics hold, whatever the traffic."""

    max_routes: int = 4096
    """Route keys; samples of further keys are counted under one ``METHOD /{other}`` per method."""
    max_fields: int = 8192
    """Request and response fields over all routes (each costs about 4.5 KiB with its support:
    about 35 MiB at the bound)."""
    fields_per_route: int = MAX_FIELDS_PER_ROUTE
    """Fields of one route that K clients in W windows showed."""
    fields_new_route: int = 32
    """Fields of a route not yet shown by K clients in W windows (a scan's random paths)."""


class Statistics:
    """Counted statistics and support of one service's routes; add samples, merge, decay."""

    def __init__(
        self,
        thresholds: Thresholds | None = None,
        window_seconds: float = 600.0,
        bounds: Bounds | None = None,
    ) -> None:
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.thresholds = thresholds if thresholds is not None else Thresholds()
        self.window_seconds = window_seconds
        self.bounds = bounds if bounds is not None else Bounds()
        self.routes: dict[str, RouteStats] = {}
        self.support: dict[str, RouteSupport] = {}
        self.fields = 0
        """Request and response fields held over all routes (bounded by ``bounds.max_fields``)."""
        self.dropped_routes = 0
        """Samples counted under ``{other}`` because the route bound was reached."""
        self.dropped_fields = 0
        """Field values not kept because a field bound was reached."""

    def __len__(self) -> int:
        return len(self.routes)

    def empty_like(self) -> Statistics:
        """Empty statistics with the same thresholds, window and bounds."""
        return Statistics(self.thresholds, self.window_seconds, self.bounds)

    def window_of(self, time: float) -> int:
        """The window id of a time (seconds since the epoch)."""
        return int(time // self.window_seconds)

    def route(self, key: str) -> tuple[RouteStats, RouteSupport]:
        """The statistics and support of ``key``, created (or folded into ``{other}``) on first use."""
        stats = self.routes.get(key)
        if stats is None:
            if len(self.routes) >= self.bounds.max_routes:
                self.dropped_routes += 1
                key = f"{key.split(' ', 1)[0]} {OTHER_ROUTE}"
            stats = self.routes.get(key)
            if stats is None:
                stats = self.routes[key] = RouteStats()
        support = self.support.get(key)
        if support is None:
            support = self.support[key] = RouteSupport()
        return stats, support

    def add(self, sample: ExchangeSample) -> None:
        """Count one learnable exchange and who showed it when."""
        stats, support = self.route(sample.route)
        seen = _Witness(sample.client, self.window_of(sample.time), self.thresholds)
        support.route = seen.show(support.route)
        support.samples += 1
        stats.n += 1
        if sample.content_type:
            seen.count_route_item(stats.content_types, support, CONTENT_TYPE, sample.content_type)
        limit = self.bounds.fields_per_route if support.met else self.bounds.fields_new_route
        self._add_fields(stats, support, sample.fields, limit, seen, response=False)
        reply = sample.response
        if reply is None:
            return
        stats.responses += 1
        seen.count_route_item(stats.statuses, support, STATUS, str(reply.status))
        stats.response_sizes.add(reply.size)
        stats.latency_ms.add(reply.latency_ms)
        self._add_fields(stats, support, reply.fields, limit, seen, response=True)

    def _add_fields(
        self,
        stats: RouteStats,
        support: RouteSupport,
        samples: list[FieldSample],
        limit: int,
        seen: _Witness,
        *,
        response: bool,
    ) -> None:
        if not samples:
            return
        table = stats.response_fields if response else stats.fields
        supports = support.response_fields if response else support.fields
        repeats = Counter(f.path for f in samples)
        kept: dict[str, tuple[FieldStats, FieldSupport]] = {}
        for name, count in repeats.items():
            field_stats = table.get(name)
            if field_stats is None:
                if len(table) >= limit or self.fields >= self.bounds.max_fields:
                    stats.other_fields.add(name)
                    self.dropped_fields += count
                    continue
                field_stats = table[name] = FieldStats()
                self.fields += 1
            field_support = supports.get(name)
            if field_support is None:
                field_support = supports[name] = FieldSupport()
            field_support.presence = seen.show(field_support.presence)
            field_stats.present += 1
            if not response:
                field_stats.repeats.add(count)
            kept[name] = (field_stats, field_support)
        for value in samples:
            target = kept.get(value.path)
            if target is not None:
                seen.add_value(target[0], target[1], value)

    def merge(self, other: Statistics) -> None:
        """Add everything ``other`` holds (bounds still apply; what overflows is counted)."""
        for key, theirs in other.routes.items():
            self.absorb(key, theirs, other.support.get(key))
        self.dropped_routes += other.dropped_routes
        self.dropped_fields += other.dropped_fields

    def absorb(self, key: str, theirs: RouteStats, their_support: RouteSupport | None) -> None:
        """Add one route's statistics and support under ``key`` (a merge, or a generalisation)."""
        stats, support = self.route(key)
        if their_support is not None:
            support.merge(their_support, self.thresholds)
        _merge_scalars(stats, theirs)
        limit = self.bounds.fields_per_route if support.met else self.bounds.fields_new_route
        for mine, their_fields in (
            (stats.fields, theirs.fields),
            (stats.response_fields, theirs.response_fields),
        ):
            for name, field_stats in their_fields.items():
                target = mine.get(name)
                if target is None:
                    if len(mine) >= limit or self.fields >= self.bounds.max_fields:
                        stats.other_fields.add(name, field_stats.n)
                        self.dropped_fields += round(field_stats.n)
                        continue
                    target = mine[name] = FieldStats()
                    self.fields += 1
                target.merge(field_stats)

    def decay(self, factor: float) -> None:
        """Age every count by ``factor``; forget what fell below :data:`FORGET_BELOW`.

        The support of items that are no longer counted is forgotten with them, so behaviour that
        stopped appearing must be shown again by K clients in W windows to come back.
        """
        for key in list(self.routes):
            stats = self.routes[key]
            stats.decay(factor)
            support = self.support.get(key) or RouteSupport()
            if stats.n < FORGET_BELOW and stats.responses < FORGET_BELOW:
                del self.routes[key]
                self.support.pop(key, None)
                self.fields -= len(stats.fields) + len(stats.response_fields)
                continue
            for table, supports in (
                (stats.fields, support.fields),
                (stats.response_fields, support.response_fields),
            ):
                for name in list(table):
                    field_stats = table[name]
                    if field_stats.n < FORGET_BELOW and field_stats.present < FORGET_BELOW:
                        del table[name]
                        supports.pop(name, None)
                        self.fields -= 1
                    elif name in supports:
                        supports[name].prune(counted_items(field_stats))
            for name in list(supports):
                if name not in table:
                    del supports[name]
            support.items = {
                (kind, item): s
                for (kind, item), s in support.items.items()
                if item in (stats.content_types if kind == CONTENT_TYPE else stats.statuses).items
            }


def counted_items(stats: FieldStats) -> set[ItemKey]:
    """Every item of a field that its counted statistics still hold."""
    keep: set[ItemKey] = set()
    for bit, count in enumerate(stats.classes):
        if count >= FORGET_BELOW:
            keep.add((Feature.CLASS, CLASS_ITEMS[bit]))
    for bit, count in enumerate(stats.flags):
        if count >= FORGET_BELOW:
            keep.add((Feature.ENCODING, ENCODING_ITEMS[bit]))
    for bit, count in enumerate(stats.grammars):
        if count >= FORGET_BELOW:
            keep.add((Feature.GRAMMAR, GRAMMAR_ITEMS[bit]))
    for bit, count in enumerate(stats.dangers):
        if count >= FORGET_BELOW:
            keep.add((Feature.DANGER, DANGER_ITEMS[bit]))
    for feature, counts in (
        (Feature.SPECIAL, stats.specials),
        (Feature.SEQUENCE, stats.sequences),
        (Feature.SHAPE, stats.shapes),
        (Feature.KIND, stats.kinds),
        (Feature.VALUE, stats.values),
        (Feature.PATTERN, stats.patterns),
    ):
        keep.update((feature, item) for item in counts.items)
    return keep


@dataclass(frozen=True, slots=True)
class _Witness:
    """Who showed a sample, and when: what every item of the sample adds to its support."""

    client: int
    window: int
    limits: Thresholds

    def show(self, support: Support | None) -> Support:
        return support if support is MET else shown(support, self.client, self.window, self.limits)

    def count_route_item(self, counts: Counts, support: RouteSupport, kind: str, item: str) -> None:
        counts.add(item)
        if item in counts.items:
            key = (kind, item)
            support.items[key] = self.show(support.items.get(key))

    def mark(self, support: FieldSupport, feature: Feature, item: str) -> None:
        key = (feature, item)
        items = support.items
        current = items.get(key)
        if current is not MET:
            items[key] = shown(current, self.client, self.window, self.limits)

    def add_value(self, stats: FieldStats, support: FieldSupport, value: FieldSample) -> None:
        stats.n += 1
        stats.kinds.add(value.kind)
        if value.kind in stats.kinds.items:
            self.mark(support, Feature.KIND, value.kind)
        stats.lengths.add(value.length)
        if not value.profiled:
            return
        classes, flags = value.classes, value.flags
        for bit in range(8):
            if classes >> bit & 1:
                stats.classes[bit] += 1
                self.mark(support, Feature.CLASS, CLASS_ITEMS[bit])
            if flags >> bit & 1:
                stats.flags[bit] += 1
                self.mark(support, Feature.ENCODING, ENCODING_ITEMS[bit])
        if value.grammars:
            grammars = stats.grammars
            for bit in range(len(GRAMMAR_ITEMS)):
                if value.grammars >> bit & 1:
                    grammars[bit] += 1
                    self.mark(support, Feature.GRAMMAR, GRAMMAR_ITEMS[bit])
        if value.dangers:
            dangers = stats.dangers
            for bit in range(len(DANGER_ITEMS)):
                if value.dangers >> bit & 1:
                    dangers[bit] += 1
                    self.mark(support, Feature.DANGER, DANGER_ITEMS[bit])
        for special in value.specials:
            stats.specials.add(special)
            if special in stats.specials.items:
                self.mark(support, Feature.SPECIAL, special)
        for sequence in value.sequences:
            stats.sequences.add(sequence)
            if sequence in stats.sequences.items:
                self.mark(support, Feature.SEQUENCE, sequence)
        stats.shapes.add(value.shape)
        if value.shape in stats.shapes.items:
            self.mark(support, Feature.SHAPE, value.shape)
        if value.value is not None:
            self._enum_candidate(stats.values, support, Feature.VALUE, value.value)
        if value.pattern is not None:
            self._enum_candidate(stats.patterns, support, Feature.PATTERN, value.pattern)
        if value.entropy is not None:
            stats.entropy.add(value.entropy)

    def _enum_candidate(
        self, counts: Counts, support: FieldSupport, feature: Feature, item: str
    ) -> None:
        counts.add(item)
        if not counts.overflow and item in counts.items:
            self.mark(support, feature, item)


def _merge_scalars(stats: RouteStats, other: RouteStats) -> None:
    """Merge every part of a route's statistics except its fields."""
    stats.n += other.n
    stats.responses += other.responses
    stats.content_types.merge(other.content_types)
    stats.other_fields.merge(other.other_fields)
    stats.statuses.merge(other.statuses)
    stats.response_sizes.merge(other.response_sizes)
    stats.latency_ms.merge(other.latency_ms)
