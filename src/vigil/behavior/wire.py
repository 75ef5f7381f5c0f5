"""Wire models: the observations a gate sends to the learner, versioned and bounded.

An :class:`ObservationBatch` is what a gate posts: learnable exchanges, already judged and
profiled (:class:`~vigil.behavior.sample.ExchangeSample`: per field a profile, the value only
when short and not secret), with the client's digest and the time, plus the alerts the gate
raised. Everything in it is bounded, so a learner can validate an untrusted post before it holds
it; the in-memory form is the plain dataclasses of :mod:`vigil.behavior.sample`. The other
document a gate and a learner exchange, the statistics snapshot, is defined in
:mod:`vigil.behavior.snapshot` and re-exported here; what both share is in
:mod:`vigil.behavior.documents`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import Field, ValidationError, field_validator

from vigil.behavior.documents import (
    API_VERSION,
    MAX_NAME,
    Digest,
    DocumentModel,
    Name,
    WireError,
    digest_text,
    first_error,
)
from vigil.behavior.sample import VALUE_LIMIT, ExchangeSample, FieldSample, ResponseSample
from vigil.behavior.snapshot import (
    STATISTICS_SCHEMA,
    StatisticsSnapshot,
    decode_statistics,
    encode_statistics,
    snapshot_statistics,
)
from vigil.behavior.stats import DANGER_COUNTERS, GRAMMAR_COUNTERS
from vigil.behavior.values import SEQUENCES, SHAPES
from vigil.inspection.alerts import CODES, Alert, Severity

OBSERVATION_SCHEMA = 1
"""Version of :class:`ObservationBatch`."""

MAX_EXCHANGES = 1000
"""Exchanges in one batch."""
MAX_ALERTS = 1000
"""Alerts in one batch."""
MAX_FIELDS = 2048
"""Fields of one request or response (the profiler's own bounds stay below it)."""

FIELD_KINDS = ("string", "number", "bool", "null", "object", "array", "value", "file")


# Observations ----------------------------------------------------------------------------------


class FieldWire(DocumentModel):
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


class ResponseWire(DocumentModel):
    """The profiled response of an exchange."""

    status: int = Field(ge=100, le=999)
    size: int = Field(0, ge=0)
    latency_ms: float = Field(0.0, ge=0.0, allow_inf_nan=False)
    fields: tuple[FieldWire, ...] = Field((), max_length=MAX_FIELDS)


class ExchangeWire(DocumentModel):
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


class AlertWire(DocumentModel):
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


class ObservationBatch(DocumentModel):
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
        raise WireError(first_error(exc)) from None


__all__ = [
    "API_VERSION",
    "MAX_NAME",
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
    "digest_text",
    "encode_batch",
    "encode_statistics",
    "snapshot_statistics",
]
