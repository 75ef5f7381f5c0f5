"""From one alert to the operator decision that allows it, and decisions merged into a policy.

When a benign request was blocked, the operator points at it (its request id leads to its
alerts) and vigil proposes the narrowest decision that lets it through: the one special
character, sequence, class, value, shape, length, field, status or route the alert named, on
that field of that route and nothing else (:func:`allowance_for`). The decision goes into the
policy's operator layer (:func:`apply_decision`), where learning never overwrites it; the CLI
shows it as a diff before it is applied. Alerts that no decision should silence (a body over the
bound, a signature match, a response leak) get an :class:`AllowError` that says what to change
instead. Pure.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from vigil.behavior.decision import Mode
from vigil.behavior.operator import (
    FieldAllowance,
    FieldDecision,
    FieldTightening,
    OperatorLayer,
    RouteDecision,
)
from vigil.behavior.policy import Policy
from vigil.behavior.values import CLASS_NAMES, SEQUENCES, SHAPES
from vigil.http.urlcodec import ENCODING_NAMES

RESPONSE_PREFIX = "response."


class AllowError(ValueError):
    """An alert that no operator decision allows; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Allowance:
    """The decision that allows one alert, and what it means in words."""

    route: str
    decision: RouteDecision
    reason: str
    """e.g. ``allow special character '$' in query.password of GET /users``."""


NOT_ALLOWABLE = {
    "V114": "too many unknown fields: allow the fields one by one",
    "V120": "a body over the bound follows the policy's body rule (body.oversize)",
    "V121": "an unparseable body is never allowed; fix the client or the content type",
    "V122": "a structure over the profiler's bound is never allowed",
    "V126": "an undecodable body follows the policy's body rule (body.undecodable)",
    "V133": "a response leak is never allowed",
    "V200": "a signature match is allowed by changing the rule file, not the policy",
}


def allowance_for(code: str, route: str, field: str, seen: str, *, note: str = "") -> Allowance:
    """The narrowest decision that lets the exchange behind an alert through.

    ``code``, ``route``, ``field`` and ``seen`` are the alert's own (as logged, or as the learner
    stored it). Raises :class:`AllowError` when no decision should allow it, or when ``seen``
    was cut or escaped so that the value cannot be recovered.
    """
    if code in NOT_ALLOWABLE:
        raise AllowError(f"{code}: {NOT_ALLOWABLE[code]}")
    if code in ("V100", "V113"):
        return Allowance(route, RouteDecision(allow=True, note=note), f"allow route {route}")
    if code == "V123":
        media = _literal(seen, "content type")
        return Allowance(
            route,
            RouteDecision(content_types=[media], note=note),
            f"allow content type {media!r} on {route}",
        )
    if code == "V130":
        status = _integer(seen, "status")
        return Allowance(
            route, RouteDecision(statuses=[status], note=note), f"allow status {status} on {route}"
        )
    if code == "V131":
        size = _integer(seen, "response size")
        return Allowance(
            route,
            RouteDecision(max_response_bytes=size, note=note),
            f"allow responses of {size} bytes on {route}",
        )
    if code == "V132":
        latency = _number(seen, "latency")
        return Allowance(
            route,
            RouteDecision(max_latency_ms=latency, note=note),
            f"allow a latency of {latency} ms on {route}",
        )
    allowance, what = _field_allowance(code, seen)
    response = field.startswith(RESPONSE_PREFIX)
    name = field[len(RESPONSE_PREFIX) :] if response else field
    decision = FieldDecision(allow=allowance, note=note)
    route_decision = (
        RouteDecision(response_fields={name: decision}, note=note)
        if response
        else RouteDecision(fields={name: decision}, note=note)
    )
    return Allowance(route, route_decision, f"allow {what} in {field} of {route}")


def _field_allowance(code: str, seen: str) -> tuple[FieldAllowance, str]:
    if code == "V110":
        return FieldAllowance(field=True), "the field"
    if code == "V111":
        return FieldAllowance(optional=True), "the absence of the field"
    if code == "V101":
        chars = _literal(_before(seen, " in "), "special characters")
        return FieldAllowance(specials=chars), f"special character(s) {chars!r}"
    if code == "V102":
        found = _literal_list(_before(seen, "] in ") + "]", "sequences")
        unknown = [s for s in found if s not in SEQUENCES]
        if unknown:
            raise AllowError(f"V102: unknown sequence(s) {unknown}")
        return FieldAllowance(sequences=found), f"sequence(s) {found}"
    if code == "V103":
        names = _before(seen, " in ").split(",")
        if not set(names) <= set(CLASS_NAMES.values()):
            raise AllowError(f"V103: cannot read the character classes in {seen!r}")
        return FieldAllowance(classes=names), f"character class(es) {','.join(names)}"
    if code == "V107":
        names = seen.split(",")
        if not set(names) <= set(ENCODING_NAMES.values()):
            raise AllowError(f"V107: cannot read the encodings in {seen!r}")
        return FieldAllowance(encodings=names), f"encoding(s) {seen}"
    if code in ("V104", "V124"):
        length = _integer(seen, "length")
        return FieldAllowance(max_length=length), f"a length of {length}"
    if code == "V106":
        value = _literal(seen, "value")
        return FieldAllowance(values=[value]), f"the value {value!r}"
    if code == "V105":
        head = seen.split(" ", 1)[0]
        if head in SHAPES:
            return FieldAllowance(shapes=[head]), f"the shape {head}"
        pattern = _literal(_leading_literal(seen), "pattern")
        return FieldAllowance(patterns=[pattern]), f"the pattern {pattern!r}"
    if code == "V108":
        entropy = _number(seen, "entropy")
        return FieldAllowance(entropy_max=entropy), f"an entropy of {entropy}"
    if code == "V112":
        repeat = _integer(seen, "repeat count")
        return FieldAllowance(max_repeat=repeat), f"{repeat} occurrences"
    if code == "V125":
        return FieldAllowance(kinds=[seen]), f"the type {seen}"
    raise AllowError(f"{code}: no operator decision allows this alert")


def _leading_literal(text: str) -> str:
    """The string literal that ``text`` starts with (``'a.a' 'x.y'`` -> ``'a.a'``)."""
    quote = text[:1]
    if quote not in ("'", '"'):
        return text
    end = text.find(quote, 1)
    while end != -1:
        if text[end - 1] != "\\" and (end + 1 == len(text) or text[end + 1] == " "):
            return text[: end + 1]
        end = text.find(quote, end + 1)
    return text


def _before(text: str, marker: str) -> str:
    return text.split(marker, 1)[0]


def _literal(text: str, what: str) -> str:
    if text.endswith(" chars)") or not text.startswith(("'", '"')):
        raise AllowError(f"the {what} was cut or is missing in the alert: {text[:60]!r}")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise AllowError(f"cannot read the {what} in the alert: {text[:60]!r}") from None
    if not isinstance(value, str):
        raise AllowError(f"cannot read the {what} in the alert: {text[:60]!r}")
    if "\\" in value:
        raise AllowError(
            f"the {what} holds a backslash or escaped characters: allow it by editing the policy"
        )
    return value


def _literal_list(text: str, what: str) -> list[str]:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise AllowError(f"cannot read the {what} in the alert: {text[:60]!r}") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AllowError(f"cannot read the {what} in the alert: {text[:60]!r}")
    return value


def _integer(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise AllowError(f"cannot read the {what} in the alert: {text[:60]!r}") from None


def _number(text: str, what: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise AllowError(f"cannot read the {what} in the alert: {text[:60]!r}") from None


# Decisions merged into a policy ------------------------------------------------------------------


def _merged_list(a: list[str], b: list[str]) -> list[str]:
    return a + [x for x in b if x not in a]


def _maximum(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def merge_allowances(a: FieldAllowance, b: FieldAllowance) -> FieldAllowance:
    """Everything either allowance admits."""
    return FieldAllowance(
        field=a.field or b.field,
        optional=a.optional or b.optional,
        specials="".join(sorted(set(a.specials) | set(b.specials))),
        sequences=_merged_list(a.sequences, b.sequences),
        classes=_merged_list(a.classes, b.classes),
        shapes=_merged_list(a.shapes, b.shapes),
        kinds=_merged_list(a.kinds, b.kinds),
        encodings=_merged_list(a.encodings, b.encodings),
        values=_merged_list(a.values, b.values),
        patterns=_merged_list(a.patterns, b.patterns),
        max_length=_maximum(a.max_length, b.max_length),
        max_repeat=_maximum(a.max_repeat, b.max_repeat),
        entropy_max=max(a.entropy_max or 0.0, b.entropy_max or 0.0) or None,
    )


def merge_field_decisions(a: FieldDecision, b: FieldDecision) -> FieldDecision:
    """``a`` with ``b`` added: allowances add up, ``b``'s tightening replaces ``a``'s."""
    if a.allow is None or b.allow is None:
        allow = a.allow or b.allow
    else:
        allow = merge_allowances(a.allow, b.allow)
    tighten: FieldTightening | None = b.tighten or a.tighten
    return FieldDecision(allow=allow, tighten=tighten, note=_notes(a.note, b.note))


def _notes(a: str, b: str) -> str:
    if not a or a == b:
        return b
    return a if not b else f"{a}; {b}"[:1000]


def merge_route_decisions(a: RouteDecision, b: RouteDecision) -> RouteDecision:
    """``a`` with ``b`` added (``b``'s mode and block score win when set)."""
    fields = dict(a.fields)
    for name, decision in b.fields.items():
        fields[name] = merge_field_decisions(fields[name], decision) if name in fields else decision
    response_fields = dict(a.response_fields)
    for name, decision in b.response_fields.items():
        response_fields[name] = (
            merge_field_decisions(response_fields[name], decision)
            if name in response_fields
            else decision
        )
    latency = [x for x in (a.max_latency_ms, b.max_latency_ms) if x is not None]
    return RouteDecision(
        allow=a.allow or b.allow,
        mode=b.mode if b.mode is not None else a.mode,
        block_score=b.block_score if b.block_score is not None else a.block_score,
        content_types=_merged_list(a.content_types, b.content_types),
        statuses=sorted(set(a.statuses) | set(b.statuses)),
        max_response_bytes=_maximum(a.max_response_bytes, b.max_response_bytes),
        max_latency_ms=max(latency) if latency else None,
        fields=fields,
        response_fields=response_fields,
        note=_notes(a.note, b.note),
    )


def apply_decision(policy: Policy, route: str, decision: RouteDecision) -> Policy:
    """``policy`` with ``decision`` added to its operator layer (the learned layer untouched)."""
    routes = dict(policy.operator.routes)
    current = routes.get(route)
    routes[route] = merge_route_decisions(current, decision) if current is not None else decision
    return policy.model_copy(update={"operator": OperatorLayer(routes=routes)})


def set_route_mode(policy: Policy, route: str, mode: Mode) -> Policy:
    """``policy`` with the operator's decision that ``route`` runs in ``mode``."""
    return apply_decision(policy, route, RouteDecision(mode=mode))
