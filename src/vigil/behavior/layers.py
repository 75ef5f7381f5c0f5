"""Both layers of a policy merged: what the inspector judges against.

The learned layer (``Policy.routes``) is widened by what the operator allowed, then narrowed by
what the operator tightened (:class:`~vigil.behavior.operator.OperatorLayer`); a route or field
the operator allowed but that was never learned gets open criteria (:func:`open_field`): like a
field the route never showed, only dangerous structure (quotes, comment and traversal sequences,
control characters, encoding tricks, huge values) alerts in it, minus the unknown-field alert.
Pure, and computed once per policy load.
"""

from __future__ import annotations

from vigil.behavior.operator import (
    FieldAllowance,
    FieldDecision,
    FieldTightening,
    OperatorLayer,
    RouteDecision,
)
from vigil.behavior.policy import FieldPolicy, ResponsePolicy, RoutePolicy
from vigil.behavior.values import CLASS_NAMES, CharClass

OPEN_LENGTH = 4096
"""Longest value of a field allowed but never learned (as for a field the route never showed)."""

OPEN_SPECIALS = "+,-.:?@_~"
"""Special characters a field allowed but never learned admits before any decision names more."""


def open_field() -> FieldPolicy:
    """The criteria of a field allowed but never learned: only dangerous structure alerts."""
    return FieldPolicy(
        samples=0,
        length=(0, OPEN_LENGTH),
        classes=[
            n for c, n in CLASS_NAMES.items() if c not in (CharClass.CONTROL, CharClass.PUNCT)
        ],
        specials=OPEN_SPECIALS,
        shapes=["text"],
        max_repeat=16,
    )


def effective_field(
    learned: FieldPolicy | None, decision: FieldDecision | None
) -> FieldPolicy | None:
    """A field's criteria with the operator's decision applied (None: the field is unknown)."""
    if decision is None:
        return learned
    allow, tighten = decision.allow, decision.tighten
    base = learned
    if base is None:
        if allow is None:
            return None
        base = open_field()
    if allow is not None:
        base = _widen(base, allow)
    if tighten is not None:
        base = _narrow(base, tighten)
    return base


def _union(current: list[str], extra: list[str]) -> list[str]:
    return current + [x for x in extra if x not in current]


def _widen(field: FieldPolicy, allow: FieldAllowance) -> FieldPolicy:
    lo, hi = field.length
    update: dict[str, object] = {
        "specials": "".join(sorted(set(field.specials) | set(allow.specials))),
        "sequences": _union(field.sequences, allow.sequences),
        "classes": _union(field.classes, allow.classes),
        "kinds": _union(field.kinds, allow.kinds) if field.kinds else [],
        "encodings": _union(field.encodings, allow.encodings),
        "shapes": _union(field.shapes, allow.shapes) if field.shapes else [],
        "length": (lo, max(hi, allow.max_length or 0)),
        "max_repeat": max(field.max_repeat, allow.max_repeat or 1),
    }
    if field.enum is not None and allow.values:
        update["enum"] = sorted(set(field.enum) | set(allow.values))
    if field.patterns is not None and allow.patterns:
        update["patterns"] = sorted(set(field.patterns) | set(allow.patterns))
    if field.entropy_max is not None and allow.entropy_max is not None:
        update["entropy_max"] = max(field.entropy_max, allow.entropy_max)
    if allow.optional:
        update["required"] = False
    return field.model_copy(update=update)


def _narrow(field: FieldPolicy, tighten: FieldTightening) -> FieldPolicy:
    update: dict[str, object] = {}
    if tighten.max_length is not None:
        lo, hi = field.length
        update["length"] = (min(lo, tighten.max_length), min(hi, tighten.max_length))
    if tighten.enum is not None:
        update["enum"] = sorted(tighten.enum)
    if tighten.specials is not None:
        update["specials"] = "".join(sorted(set(field.specials) & set(tighten.specials)))
    if tighten.shapes is not None:
        kept = [s for s in field.shapes if s in tighten.shapes]
        update["shapes"] = kept or list(tighten.shapes)
    if tighten.required is not None:
        update["required"] = tighten.required
    return field.model_copy(update=update)


def effective_route(
    learned: RoutePolicy | None, decision: RouteDecision | None
) -> RoutePolicy | None:
    """A route's criteria with the operator's decision applied (None: the route is unknown)."""
    if decision is None:
        return learned
    if learned is None:
        if not (decision.allow or decision.fields):
            return None
        learned = RoutePolicy()
    fields = dict(learned.fields)
    for name, field_decision in decision.fields.items():
        effective = effective_field(fields.get(name), field_decision)
        if effective is None:
            fields.pop(name, None)
        else:
            fields[name] = effective
    update: dict[str, object] = {
        "fields": fields,
        "content_types": sorted(set(learned.content_types) | set(decision.content_types))
        if learned.content_types
        else [],
    }
    if decision.mode is not None:
        update["mode"] = decision.mode
    if decision.block_score is not None:
        update["block_score"] = decision.block_score
    response = learned.response
    if response is not None and (
        decision.statuses
        or decision.max_response_bytes is not None
        or decision.max_latency_ms is not None
        or decision.response_fields
    ):
        update["response"] = _effective_response(response, decision)
    return learned.model_copy(update=update)


def _effective_response(response: ResponsePolicy, decision: RouteDecision) -> ResponsePolicy:
    fields = dict(response.fields)
    for name, field_decision in decision.response_fields.items():
        effective = effective_field(fields.get(name), field_decision)
        if effective is None:
            fields.pop(name, None)
        else:
            fields[name] = effective
    size = response.size
    if decision.max_response_bytes is not None:
        size = (size[0], max(size[1], decision.max_response_bytes))
    latency = response.latency_ms_max
    if decision.max_latency_ms is not None and latency is not None:
        latency = max(latency, decision.max_latency_ms)
    return response.model_copy(
        update={
            "statuses": sorted(set(response.statuses) | set(decision.statuses)),
            "size": size,
            "latency_ms_max": latency,
            "fields": fields,
        }
    )


def effective_routes(
    routes: dict[str, RoutePolicy], operator: OperatorLayer
) -> dict[str, RoutePolicy]:
    """Every route as judged: the learned layer with the operator's decisions applied."""
    if not operator:
        return routes
    merged = dict(routes)
    for key, decision in operator.routes.items():
        effective = effective_route(routes.get(key), decision)
        if effective is None:
            merged.pop(key, None)
        else:
            merged[key] = effective
    return merged
