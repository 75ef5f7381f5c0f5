"""Wire models: observations a gate sends, and statistics a gate or learner keeps, versioned.

Two documents cross process boundaries and outlive a process:

- :class:`ObservationBatch`: what a gate posts to the learner: learnable exchanges, already
  judged and profiled (:class:`~vigil.behavior.sample.ExchangeSample`: per field a profile, the
  value only when short and not secret), with the client's digest and the time, plus the alerts
  the gate raised. Everything in it is bounded, so a learner can validate an untrusted post
  before it holds it.
- :class:`StatisticsSnapshot`: the counted statistics and the support of a service
  (:class:`~vigil.behavior.statistics.Statistics`), so learning survives a restart: a gate saves
  them beside its policy, a learner in its store.

Both carry ``apiVersion``, ``kind`` and ``schema`` (the document's version, raised on any
incompatible change); a reader refuses a schema it does not know with a clear error. Validation is
pydantic v2 (``model_validate_json`` parses and checks in one pass); the in-memory forms are the
plain dataclasses of :mod:`vigil.behavior.sample` and :mod:`vigil.behavior.stats`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vigil.behavior.sample import VALUE_LIMIT, ExchangeSample, FieldSample, ResponseSample
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
from vigil.behavior.values import SEQUENCES, SHAPES
from vigil.inspection.alerts import CODES, Alert, Severity

API_VERSION: Literal["vigil.dev/v1"] = "vigil.dev/v1"
OBSERVATION_SCHEMA = 1
"""Version of :class:`ObservationBatch`."""
STATISTICS_SCHEMA = 1
"""Version of :class:`StatisticsSnapshot`."""

MAX_EXCHANGES = 1000
"""Exchanges in one batch."""
MAX_ALERTS = 1000
"""Alerts in one batch."""
MAX_FIELDS = 2048
"""Fields of one request or response (the profiler's own bounds stay below it)."""
MAX_NAME = 1024
"""Characters of a field path, route key or content type."""

FIELD_KINDS = ("string", "number", "bool", "null", "object", "array", "value", "file")

Count = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Name = Annotated[str, Field(max_length=MAX_NAME)]
Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
"""A client digest: 64 bits as 16 lower-case hex digits."""


class WireError(ValueError):
    """A document that cannot be read; the message names the field and the problem."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def digest_text(digest: int) -> str:
    """A client digest as written on the wire."""
    return f"{digest:016x}"


# Observations ----------------------------------------------------------------------------------


class FieldWire(_Model):
    """One profiled field (:class:`~vigil.behavior.sample.FieldSample`)."""

    path: Name
    kind: Literal["string", "number", "bool", "null", "object", "array", "value", "file"] = "value"
    length: int = Field(0, ge=0, le=1 << 31)
    profiled: bool = True
    classes: int = Field(0, ge=0, le=255)
    flags: int = Field(0, ge=0, le=255)
    specials: str = Field("", max_length=64)
    sequences: tuple[str, ...] = Field((), max_length=len(SEQUENCES))
    shape: str = ""
    pattern: str | None = Field(None, max_length=VALUE_LIMIT)
    value: str | None = Field(None, max_length=VALUE_LIMIT)
    entropy: float | None = Field(None, ge=0.0, le=64.0, allow_inf_nan=False)
    grammars: int = Field(0, ge=0, lt=1 << GRAMMAR_COUNTERS)
    dangers: int = Field(0, ge=0, lt=1 << DANGER_COUNTERS)

    @field_validator("sequences")
    @classmethod
    def _known_sequences(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(value) - set(SEQUENCES)
        if unknown:
            raise ValueError(f"unknown sequence(s) {sorted(unknown)}")
        return value

    @field_validator("shape")
    @classmethod
    def _known_shape(cls, value: str) -> str:
        if value and value not in SHAPES:
            raise ValueError(f"unknown shape {value!r}")
        return value

    def sample(self) -> FieldSample:
        """The in-memory form."""
        return FieldSample(
            self.path,
            self.kind,
            self.length,
            self.profiled,
            self.classes,
            self.flags,
            self.specials,
            self.sequences,
            self.shape,
            self.pattern,
            self.value,
            self.entropy,
            self.grammars,
            self.dangers,
        )

    @classmethod
    def of(cls, sample: FieldSample) -> dict[str, Any]:
        """The wire form of a sample, as plain data (defaults left out)."""
        data: dict[str, Any] = {"path": sample.path, "kind": sample.kind, "length": sample.length}
        if not sample.profiled:
            data["profiled"] = False
            return data
        for name in ("classes", "flags", "specials", "shape", "grammars", "dangers"):
            value = getattr(sample, name)
            if value:
                data[name] = value
        if sample.sequences:
            data["sequences"] = list(sample.sequences)
        for name in ("pattern", "value", "entropy"):
            value = getattr(sample, name)
            if value is not None:
                data[name] = value
        return data


class ResponseWire(_Model):
    """The profiled response of an exchange."""

    status: int = Field(ge=100, le=999)
    size: int = Field(0, ge=0)
    latency_ms: float = Field(0.0, ge=0.0, allow_inf_nan=False)
    fields: tuple[FieldWire, ...] = Field((), max_length=MAX_FIELDS)


class ExchangeWire(_Model):
    """One learnable exchange (:class:`~vigil.behavior.sample.ExchangeSample`)."""

    route: Name = Field(pattern=r"^[A-Z][A-Z0-9_-]* /")
    client: Digest
    time: float = Field(ge=0.0, allow_inf_nan=False)
    content_type: Name = ""
    fields: tuple[FieldWire, ...] = Field((), max_length=MAX_FIELDS)
    response: ResponseWire | None = None

    def sample(self) -> ExchangeSample:
        """The in-memory form."""
        reply = None
        if self.response is not None:
            r = self.response
            reply = ResponseSample(r.status, r.size, r.latency_ms, [f.sample() for f in r.fields])
        return ExchangeSample(
            self.route,
            int(self.client, 16),
            self.time,
            self.content_type,
            [f.sample() for f in self.fields],
            reply,
        )

    @classmethod
    def of(cls, sample: ExchangeSample) -> dict[str, Any]:
        """The wire form of a sample, as plain data."""
        data: dict[str, Any] = {
            "route": sample.route,
            "client": digest_text(sample.client),
            "time": sample.time,
            "fields": [FieldWire.of(f) for f in sample.fields],
        }
        if sample.content_type:
            data["content_type"] = sample.content_type
        reply = sample.response
        if reply is not None:
            data["response"] = {
                "status": reply.status,
                "size": reply.size,
                "latency_ms": reply.latency_ms,
                "fields": [FieldWire.of(f) for f in reply.fields],
            }
        return data


class AlertWire(_Model):
    """An alert a gate raised, as it reports it to the learner."""

    code: str = Field(pattern=r"^V\d{3}$")
    route: Name
    field: Name
    expected: Annotated[str, Field(max_length=512)]
    seen: Annotated[str, Field(max_length=512)]
    severity: Literal["low", "medium", "high", "critical"]
    detector: Annotated[str, Field(max_length=64)] = "model"
    verdict: Literal["allow", "alert", "would-block", "block"] = "alert"
    request_id: Annotated[str, Field(max_length=128)] = ""
    client: Digest | None = None
    time: float = Field(0.0, ge=0.0, allow_inf_nan=False)

    @field_validator("code")
    @classmethod
    def _known_code(cls, value: str) -> str:
        if value not in CODES:
            raise ValueError(f"unknown alert code {value!r}")
        return value

    @classmethod
    def of(
        cls,
        alert: Alert,
        *,
        verdict: str = "alert",
        request_id: str = "",
        client: int | None = None,
        time: float = 0.0,
    ) -> dict[str, Any]:
        """The wire form of an alert the gate raised, as plain data."""
        data: dict[str, Any] = {
            "code": alert.code,
            "route": alert.route[:MAX_NAME],
            "field": alert.field[:MAX_NAME],
            "expected": alert.expected[:512],
            "seen": alert.seen[:512],
            "severity": alert.severity.label,
            "detector": alert.detector[:64],
            "verdict": verdict,
            "request_id": request_id,
            "time": time,
        }
        if client is not None:
            data["client"] = digest_text(client)
        return data

    @property
    def weight(self) -> Severity:
        """The alert's severity as the enum."""
        return Severity[self.severity.upper()]


class ObservationBatch(_Model):
    """What a gate posts to the learner: exchanges to learn and alerts to keep."""

    api_version: Literal["vigil.dev/v1"] = Field(API_VERSION, alias="apiVersion")
    kind: Literal["ObservationBatch"] = "ObservationBatch"
    schema_version: int = Field(OBSERVATION_SCHEMA, alias="schema")
    service: Annotated[str, Field(min_length=1, max_length=253)]
    gate: Annotated[str, Field(max_length=253)] = ""
    """Who sent the batch (a pod name); for the operator's eyes only."""
    policy_version: int = Field(0, ge=0)
    """The policy version the gate judged these exchanges with."""
    exchanges: tuple[ExchangeWire, ...] = Field((), max_length=MAX_EXCHANGES)
    alerts: tuple[AlertWire, ...] = Field((), max_length=MAX_ALERTS)

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value != OBSERVATION_SCHEMA:
            raise ValueError(
                f"schema {value} is not supported (this reader knows {OBSERVATION_SCHEMA})"
            )
        return value

    def samples(self) -> list[ExchangeSample]:
        """The exchanges, in memory form."""
        return [e.sample() for e in self.exchanges]


def encode_batch(
    service: str,
    samples: list[ExchangeSample],
    *,
    gate: str = "",
    policy_version: int = 0,
    alerts: list[dict[str, Any]] | None = None,
) -> bytes:
    """An :class:`ObservationBatch` as JSON bytes, built without a validation pass."""
    return orjson.dumps(
        {
            "apiVersion": API_VERSION,
            "kind": "ObservationBatch",
            "schema": OBSERVATION_SCHEMA,
            "service": service,
            "gate": gate,
            "policy_version": policy_version,
            "exchanges": [ExchangeWire.of(s) for s in samples],
            "alerts": alerts or [],
        }
    )


def decode_batch(data: bytes | str) -> ObservationBatch:
    """Validate a batch; errors name the first bad field (``exchanges.3.fields.0.classes``)."""
    try:
        return ObservationBatch.model_validate_json(data)
    except ValidationError as exc:
        raise WireError(_first_error(exc)) from None


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top)"
    return f"{where}: {first['msg']}"


# Statistics ------------------------------------------------------------------------------------


class HistogramWire(_Model):
    """A histogram: its largest value and its non-empty buckets by index."""

    max: Count = 0.0
    buckets: dict[int, Count] = Field(default_factory=dict)


class CountsWire(_Model):
    """A bounded counted set."""

    items: dict[Annotated[str, Field(max_length=MAX_NAME)], Count] = Field(
        default_factory=dict, max_length=MAX_SET_ITEMS
    )
    overflow: Count = 0.0


Eight = Annotated[tuple[Count, ...], Field(min_length=8, max_length=8)]


class FieldStatsWire(_Model):
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


class RouteStatsWire(_Model):
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


class SupportWire(_Model):
    """Support of one item: ``met``, or the client digests and window ids seen so far."""

    met: bool = False
    clients: tuple[Digest, ...] = Field((), max_length=64)
    windows: tuple[int, ...] = Field((), max_length=64)


class FieldSupportWire(_Model):
    """Support of one field and of its items, by feature then item."""

    presence: SupportWire = Field(default_factory=SupportWire)
    items: dict[Feature, dict[Name, SupportWire]] = Field(default_factory=dict)


class RouteSupportWire(_Model):
    """Support of one route, its route-level items and its fields."""

    route: SupportWire = Field(default_factory=SupportWire)
    samples: int = Field(0, ge=0)
    items: dict[Name, dict[Name, SupportWire]] = Field(default_factory=dict)
    fields: dict[Name, FieldSupportWire] = Field(default_factory=dict)
    response_fields: dict[Name, FieldSupportWire] = Field(default_factory=dict)


class ThresholdsWire(_Model):
    """K clients in W windows."""

    clients: int = Field(ge=1)
    windows: int = Field(ge=1)


class StatisticsSnapshot(_Model):
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
        for key in value:
            method, _, path = key.partition(" ")
            if not method.isupper() or not path.startswith("/"):
                raise ValueError(f"route key {key!r} must read 'METHOD /path'")
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
        raise WireError(_first_error(exc)) from None
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


__all__ = [
    "API_VERSION",
    "OBSERVATION_SCHEMA",
    "STATISTICS_SCHEMA",
    "AlertWire",
    "ExchangeWire",
    "FieldWire",
    "ObservationBatch",
    "StatisticsSnapshot",
    "WireError",
    "decode_batch",
    "decode_statistics",
    "encode_batch",
    "encode_statistics",
]
