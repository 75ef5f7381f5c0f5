"""The operator's layer of a policy: what a person decided, which learning never overwrites.

A policy has two layers. ``routes`` is what was learned: each learning run rewrites it. The
``operator`` layer (:class:`OperatorLayer`) holds decisions: allow a route, a field or the
values, characters and shapes a field may carry; tighten a field (a shorter bound, a fixed list
of values, fewer characters); set a route's mode or block score. Learning copies the operator
layer unchanged from one version to the next; :mod:`vigil.behavior.layers` merges both layers
into what the inspector judges against.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vigil.behavior.decision import Mode
from vigil.behavior.vocabulary import ClassNames, EncodingNames, SequenceNames, ShapeNames


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FieldAllowance(_Model):
    """What a field may carry beyond what was learned."""

    field: bool = False
    """The field itself is known (not an unknown-field alert), even when never learned."""
    optional: bool = False
    """The field may be absent (never a missing-field alert)."""
    specials: str = ""
    sequences: SequenceNames = Field(default_factory=list)
    classes: ClassNames = Field(default_factory=list)
    shapes: ShapeNames = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    encodings: EncodingNames = Field(default_factory=list)
    values: list[str] = Field(default_factory=list)
    """Values added to a learned enum."""
    patterns: list[str] = Field(default_factory=list)
    """Run patterns added to learned ones."""
    max_length: int | None = Field(None, ge=0)
    """The upper length (or container size) bound is at least this."""
    max_repeat: int | None = Field(None, ge=1)
    entropy_max: float | None = Field(None, ge=0.0)


class FieldTightening(_Model):
    """What a field may carry at most, whatever was learned (e.g. against a published CVE)."""

    max_length: int | None = Field(None, ge=0)
    enum: list[str] | None = None
    """Only these values."""
    specials: str | None = None
    """Only these special characters (``""``: none)."""
    shapes: ShapeNames | None = None
    required: bool | None = None


class FieldDecision(_Model):
    """An operator's decision on one field."""

    allow: FieldAllowance | None = None
    tighten: FieldTightening | None = None
    note: str = ""
    """Why (a ticket, the request id whose alert was allowed)."""


class RouteDecision(_Model):
    """An operator's decision on one route."""

    allow: bool = False
    """The route is known even when it was never learned."""
    mode: Mode | None = None
    block_score: int | None = Field(None, ge=1)
    content_types: list[str] = Field(default_factory=list)
    """Request content types allowed beyond the learned ones."""
    statuses: list[int] = Field(default_factory=list)
    """Response statuses allowed beyond the learned ones."""
    max_response_bytes: int | None = Field(None, ge=0)
    max_latency_ms: float | None = Field(None, ge=0.0)
    fields: dict[str, FieldDecision] = Field(default_factory=dict)
    response_fields: dict[str, FieldDecision] = Field(default_factory=dict)
    note: str = ""


class OperatorLayer(_Model):
    """Every operator decision of a policy, per route key (``GET /users/{int}``)."""

    routes: dict[str, RouteDecision] = Field(default_factory=dict)

    @field_validator("routes")
    @classmethod
    def _route_keys(cls, value: dict[str, RouteDecision]) -> dict[str, RouteDecision]:
        for key in value:
            method, _, path = key.partition(" ")
            if not method.isupper() or not path.startswith("/"):
                raise ValueError(f"route key {key!r} must read 'METHOD /path/{{param}}'")
        return value

    def __bool__(self) -> bool:
        return bool(self.routes)
