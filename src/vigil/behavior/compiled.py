"""A route's criteria compiled for the hot path.

The policy is the readable, validated form; this is the form the engine judges against: per
field a :class:`~vigil.behavior.policy.FieldCheck` of frozensets and bit masks, the set of
required fields, and the response expectations, plus the rule that decides how much evidence
a route needs before it blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigil.behavior.alerts import Severity
from vigil.behavior.decision import Mode
from vigil.behavior.layouts import RouteLayouts
from vigil.behavior.policy import FieldCheck, Policy, RoutePolicy
from vigil.behavior.routes import TemplateFilter

FIELD_KINDS = ("string", "number", "bool", "null", "object", "array", "value", "file")
"""Every :class:`~vigil.http.body.BodyField` kind."""

CLIENT_CHOSEN = ("header.", "cookie.")
"""Field prefixes a client chooses freely: one that is absent is never reported missing (curl
sends no Accept-Encoding, a first visit no cookie; the application answers 401 itself)."""


@dataclass(frozen=True, slots=True)
class CompiledRoute:
    """A route's criteria ready for the hot path."""

    key: str
    mode: Mode
    block_score: int
    counted: Severity
    checks: dict[str, FieldCheck]
    required: frozenset[str]
    content_types: frozenset[str]
    statuses: frozenset[int]
    response_size: int
    latency_ms_max: float | None
    response_checks: dict[str, FieldCheck]
    has_response: bool
    response_accepts: frozenset[tuple[str, str]] = frozenset()
    """``(path, kind)`` pairs of response fields that need no further check (a fast path)."""
    overflow: TemplateFilter | None = None
    """On a ``/{other}`` route: templates seen while learning beyond the route bound."""
    layouts: RouteLayouts | None = None
    """The layouts of the route's clean JSON bodies, each judged with one expression."""


def compile_route(
    key: str, spec: RoutePolicy, policy: Policy, mature_samples: int = 0
) -> CompiledRoute:
    """Compile one validated route entry.

    A route learned from fewer than ``mature_samples`` requests (and without a block score of
    its own) counts only high-severity alerts toward blocking: its criteria rest on too few
    values to block a merely new length or character class.
    """
    response = spec.response
    response_checks = (
        {n: FieldCheck.compile(f) for n, f in response.fields.items()} if response else {}
    )
    immature = spec.block_score is None and spec.samples < mature_samples
    checks = {name: FieldCheck.compile(f) for name, f in spec.fields.items()}
    return CompiledRoute(
        key=key,
        mode=spec.mode if spec.mode is not None else policy.mode,
        block_score=spec.block_score or policy.block_score,
        counted=Severity.HIGH if immature else Severity.LOW,
        checks=checks,
        required=frozenset(
            name
            for name, f in spec.fields.items()
            if f.required and not name.startswith(CLIENT_CHOSEN)
        ),
        content_types=frozenset(spec.content_types),
        statuses=frozenset(response.statuses) if response else frozenset(),
        response_size=response.size[1] if response else 0,
        latency_ms_max=response.latency_ms_max if response else None,
        response_checks=response_checks,
        has_response=response is not None and response.samples > 0,
        overflow=TemplateFilter.decode(spec.overflow) if spec.overflow else None,
        layouts=RouteLayouts(checks),
        response_accepts=frozenset(
            (name, kind)
            for name, check in response_checks.items()
            for kind in FIELD_KINDS
            if kind == "value" or check.kinds is None or kind in check.kinds
        ),
    )
