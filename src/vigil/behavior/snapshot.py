"""Statistics snapshots: a service's learning statistics as a versioned document.

Learning must survive a restart: a gate saves its statistics beside its policy, a learner in its
store. A :class:`StatisticsSnapshot` holds the counted statistics of every route
(:mod:`vigil.behavior.stats`) and the support of every item (:mod:`vigil.behavior.support`), with
the thresholds and window length they were counted under. Reading one back validates it and
applies the reader's bounds, so a damaged or hostile file cannot grow memory past them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import Field, ValidationError, field_validator

from vigil.behavior.documents import (
    API_VERSION,
    MAX_NAME,
    Count,
    Digest,
    DocumentModel,
    Name,
    WireError,
    digest_text,
    first_error,
    route_keys,
)
from vigil.behavior.statistics import Bounds, Statistics
from vigil.behavior.stats import (
    DANGER_COUNTERS,
    ENTROPY_EDGES,
    GRAMMAR_COUNTERS,
    LATENCY_EDGES,
    LENGTH_EDGES,
    MAX_SET_ITEMS,
    Counts,
    FieldStats,
    Histogram,
    RouteStats,
)
from vigil.behavior.support import (
    MET,
    Feature,
    FieldSupport,
    RouteSupport,
    Support,
    Thresholds,
    support_of,
)

STATISTICS_SCHEMA = 1
"""Version of :class:`StatisticsSnapshot`."""


class HistogramWire(DocumentModel):
    """A histogram: its largest value and its non-empty buckets by index."""

    max: Count = 0.0
    buckets: dict[int, Count] = Field(default_factory=dict)


class CountsWire(DocumentModel):
    """A bounded counted set."""

    items: dict[Annotated[str, Field(max_length=MAX_NAME)], Count] = Field(
        default_factory=dict, max_length=MAX_SET_ITEMS
    )
    overflow: Count = 0.0


Eight = Annotated[tuple[Count, ...], Field(min_length=8, max_length=8)]


class FieldStatsWire(DocumentModel):
    """The counted statistics of one field."""

    n: Count
    present: Count = 0.0
    lengths: HistogramWire
    entropy: HistogramWire
    repeats: HistogramWire
    classes: Eight
    flags: Eight
    grammars: Annotated[tuple[Count, ...], Field(max_length=GRAMMAR_COUNTERS)] = ()
    dangers: Annotated[tuple[Count, ...], Field(max_length=DANGER_COUNTERS)] = ()
    specials: CountsWire
    sequences: CountsWire
    shapes: CountsWire
    kinds: CountsWire
    values: CountsWire
    patterns: CountsWire = Field(default_factory=CountsWire)


class RouteStatsWire(DocumentModel):
    """The counted statistics of one route."""

    n: Count
    responses: Count = 0.0
    content_types: CountsWire
    other_fields: CountsWire
    statuses: CountsWire
    response_sizes: HistogramWire
    latency_ms: HistogramWire
    fields: dict[Name, FieldStatsWire] = Field(default_factory=dict)
    response_fields: dict[Name, FieldStatsWire] = Field(default_factory=dict)


class SupportWire(DocumentModel):
    """Support of one item: ``met``, or the client digests and window ids seen so far."""

    met: bool = False
    clients: tuple[Digest, ...] = Field((), max_length=64)
    windows: tuple[int, ...] = Field((), max_length=64)


class FieldSupportWire(DocumentModel):
    """Support of one field and of its items, by feature then item."""

    presence: SupportWire = Field(default_factory=SupportWire)
    items: dict[Feature, dict[Name, SupportWire]] = Field(default_factory=dict)


class RouteSupportWire(DocumentModel):
    """Support of one route, its route-level items and its fields."""

    route: SupportWire = Field(default_factory=SupportWire)
    samples: int = Field(0, ge=0)
    items: dict[Name, dict[Name, SupportWire]] = Field(default_factory=dict)
    fields: dict[Name, FieldSupportWire] = Field(default_factory=dict)
    response_fields: dict[Name, FieldSupportWire] = Field(default_factory=dict)


class ThresholdsWire(DocumentModel):
    """K clients in W windows."""

    clients: int = Field(ge=1)
    windows: int = Field(ge=1)


class StatisticsSnapshot(DocumentModel):
    """A service's statistics and support, as saved and restored."""

    api_version: Literal["vigil.dev/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["Statistics"] = "Statistics"
    schema_version: int = Field(STATISTICS_SCHEMA, alias="schema")
    service: Annotated[str, Field(max_length=253)] = "default"
    window_seconds: float = Field(gt=0.0, allow_inf_nan=False)
    thresholds: ThresholdsWire
    dropped_routes: int = Field(0, ge=0)
    dropped_fields: int = Field(0, ge=0)
    routes: dict[Name, RouteStatsWire] = Field(default_factory=dict)
    support: dict[Name, RouteSupportWire] = Field(default_factory=dict)

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value != STATISTICS_SCHEMA:
            raise ValueError(
                f"schema {value} is not supported (this reader knows {STATISTICS_SCHEMA})"
            )
        return value

    @field_validator("routes", "support")
    @classmethod
    def _route_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        route_keys(value)
        return value


def encode_statistics(statistics: Statistics, service: str = "default") -> bytes:
    """A :class:`StatisticsSnapshot` of ``statistics`` as JSON bytes."""
    return orjson.dumps(
        {
            "apiVersion": API_VERSION,
            "kind": "Statistics",
            "schema": STATISTICS_SCHEMA,
            "service": service,
            "window_seconds": statistics.window_seconds,
            "thresholds": {
                "clients": statistics.thresholds.clients,
                "windows": statistics.thresholds.windows,
            },
            "dropped_routes": statistics.dropped_routes,
            "dropped_fields": statistics.dropped_fields,
            "routes": {key: stats.to_dict() for key, stats in statistics.routes.items()},
            "support": {key: _route_support(s) for key, s in statistics.support.items()},
        },
        option=orjson.OPT_NON_STR_KEYS,
    )


def decode_statistics(
    data: bytes | str,
    thresholds: Thresholds | None = None,
    bounds: Bounds | None = None,
) -> Statistics:
    """Validate a snapshot and rebuild the statistics.

    ``thresholds`` (default: the snapshot's) are those the statistics will count with from now
    on; items met under the snapshot's thresholds stay met. ``bounds`` apply while rebuilding.
    """
    try:
        snapshot = StatisticsSnapshot.model_validate_json(data)
    except ValidationError as exc:
        raise WireError(first_error(exc)) from None
    return snapshot_statistics(snapshot, thresholds, bounds)


def snapshot_statistics(
    snapshot: StatisticsSnapshot,
    thresholds: Thresholds | None = None,
    bounds: Bounds | None = None,
) -> Statistics:
    """The in-memory statistics of a validated snapshot, within ``bounds`` (default bounds)."""
    limits = thresholds or Thresholds(snapshot.thresholds.clients, snapshot.thresholds.windows)
    loaded = Statistics(limits, snapshot.window_seconds, bounds)
    loaded.dropped_routes = snapshot.dropped_routes
    loaded.dropped_fields = snapshot.dropped_fields
    for key, wire in snapshot.routes.items():
        loaded.routes[key] = _route_stats(wire)
        loaded.support[key] = _read_route_support(snapshot.support.get(key), limits)
    loaded.fields = sum(len(s.fields) + len(s.response_fields) for s in loaded.routes.values())
    within = loaded.bounds
    if loaded.fields <= within.max_fields and len(loaded.routes) <= within.max_routes:
        return loaded
    rebuilt = loaded.empty_like()
    rebuilt.merge(loaded)
    return rebuilt


def _histogram(wire: HistogramWire, edges: tuple[float, ...]) -> Histogram:
    size = len(edges) + 1
    counts = {i: c for i, c in wire.buckets.items() if 0 <= i < size and c > 0}
    return Histogram(edges, counts, wire.max)


def _padded(values: tuple[float, ...], size: int) -> list[float]:
    return [*values, *([0.0] * (size - len(values)))]


def _counts(wire: CountsWire) -> Counts:
    return Counts(MAX_SET_ITEMS, dict(wire.items), wire.overflow)


def _field_stats(wire: FieldStatsWire) -> FieldStats:
    return FieldStats(
        n=wire.n,
        present=wire.present,
        lengths=_histogram(wire.lengths, LENGTH_EDGES),
        entropy=_histogram(wire.entropy, ENTROPY_EDGES),
        repeats=_histogram(wire.repeats, LENGTH_EDGES),
        classes=list(wire.classes),
        flags=list(wire.flags),
        grammars=_padded(wire.grammars, GRAMMAR_COUNTERS),
        dangers=_padded(wire.dangers, DANGER_COUNTERS),
        specials=_counts(wire.specials),
        sequences=_counts(wire.sequences),
        shapes=_counts(wire.shapes),
        kinds=_counts(wire.kinds),
        values=_counts(wire.values),
        patterns=_counts(wire.patterns),
    )


def _route_stats(wire: RouteStatsWire) -> RouteStats:
    return RouteStats(
        n=wire.n,
        responses=wire.responses,
        content_types=_counts(wire.content_types),
        other_fields=_counts(wire.other_fields),
        statuses=_counts(wire.statuses),
        response_sizes=_histogram(wire.response_sizes, LENGTH_EDGES),
        latency_ms=_histogram(wire.latency_ms, LATENCY_EDGES),
        fields={k: _field_stats(v) for k, v in wire.fields.items()},
        response_fields={k: _field_stats(v) for k, v in wire.response_fields.items()},
    )


def _support(support: Support) -> dict[str, Any]:
    if support is MET:
        return {"met": True}
    data: dict[str, Any] = {}
    if support.clients:
        data["clients"] = [digest_text(c) for c in support.clients]
    if support.windows:
        data["windows"] = list(support.windows)
    return data


def _field_support(support: FieldSupport) -> dict[str, Any]:
    items: dict[str, dict[str, Any]] = {}
    for (feature, item), s in support.items.items():
        items.setdefault(feature.value, {})[item] = _support(s)
    return {"presence": _support(support.presence), "items": items}


def _route_support(support: RouteSupport) -> dict[str, Any]:
    items: dict[str, dict[str, Any]] = {}
    for (kind, item), s in support.items.items():
        items.setdefault(kind, {})[item] = _support(s)
    return {
        "route": _support(support.route),
        "samples": support.samples,
        "items": items,
        "fields": {k: _field_support(v) for k, v in support.fields.items()},
        "response_fields": {k: _field_support(v) for k, v in support.response_fields.items()},
    }


def _read_support(wire: SupportWire, limits: Thresholds) -> Support:
    if wire.met:
        return MET
    return support_of((int(c, 16) for c in wire.clients), wire.windows, limits)


def _read_field_support(wire: FieldSupportWire, limits: Thresholds) -> FieldSupport:
    support = FieldSupport(_read_support(wire.presence, limits))
    for feature, items in wire.items.items():
        for item, s in items.items():
            support.items[(feature, item)] = _read_support(s, limits)
    return support


def _read_route_support(wire: RouteSupportWire | None, limits: Thresholds) -> RouteSupport:
    if wire is None:
        return RouteSupport()
    support = RouteSupport(_read_support(wire.route, limits), wire.samples)
    for kind, items in wire.items.items():
        for item, s in items.items():
            support.items[(kind, item)] = _read_support(s, limits)
    support.fields = {k: _read_field_support(v, limits) for k, v in wire.fields.items()}
    support.response_fields = {
        k: _read_field_support(v, limits) for k, v in wire.response_fields.items()
    }
    return support
