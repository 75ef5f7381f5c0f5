"""Operator decisions over HTTP: list, record and withdraw; learning never overwrites them.

A decision names a route and what the operator decided about it
(:class:`~vigil.behavior.operator.RouteDecision`: allow the route, fields, values, characters,
statuses; tighten a field; set the route's mode or block score). It is validated, stored
(at most ``decisions_per_service``; beyond, 429) and the service's policy is recomposed at once
(:mod:`vigil.learner.compose`), publishing a new version that gates pick up by their long poll.
Withdrawing a decision recomposes the same way.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vigil.behavior.operator import RouteDecision
from vigil.learner import store
from vigil.learner.api import (
    SERVICE,
    STATE,
    Route,
    json_response,
    known_service,
    require_operator,
)
from vigil.learner.problems import Kind, ProblemError
from vigil.learner.writer import WriterBusy, WriterClosed

MAX_DECISION_BYTES = 64 << 10
"""Largest decision document accepted."""


class DecisionPost(BaseModel):
    """The body of ``POST /v1/services/{service}/decisions``."""

    model_config = ConfigDict(extra="forbid")

    route: str = Field(max_length=1024)
    decision: RouteDecision

    @field_validator("route")
    @classmethod
    def _route_key(cls, value: str) -> str:
        method, _, path = value.partition(" ")
        if not method.isupper() or not path.startswith("/"):
            raise ValueError(f"route key {value!r} must read 'METHOD /path/{{param}}'")
        return value


def _view(row: tuple[int, float, str, bytes]) -> dict[str, Any]:
    decision_id, created, author, data = row
    document = orjson.loads(data)
    return {"id": decision_id, "created": created, "author": author, **document}


async def list_decisions(request: web.Request) -> web.Response:
    """Every decision of a service, oldest first (the order they are applied in)."""
    require_operator(request)
    state = request.app[STATE]
    name = known_service(request)

    rows = await asyncio.to_thread(state.readers.query, store.decisions, name)
    return json_response({"service": name, "decisions": [_view(r) for r in rows]})


async def post_decision(request: web.Request) -> web.Response:
    """Record one decision (201) and recompose the service's policy."""
    principal = require_operator(request)
    state = request.app[STATE]
    name = known_service(request)
    if request.content_type != "application/json":
        raise ProblemError(
            Kind.UNSUPPORTED_MEDIA_TYPE, f"expected application/json, got {request.content_type!r}"
        )
    if (request.content_length or 0) > MAX_DECISION_BYTES:
        raise ProblemError(Kind.TOO_LARGE, f"a decision is at most {MAX_DECISION_BYTES} bytes")
    raw = await request.content.read(MAX_DECISION_BYTES + 1)
    if len(raw) > MAX_DECISION_BYTES:
        raise ProblemError(Kind.TOO_LARGE, f"a decision is at most {MAX_DECISION_BYTES} bytes")
    try:
        posted = DecisionPost.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise ProblemError(Kind.INVALID, f"{where}: {first['msg']}") from None
    data = {
        "route": posted.route,
        "decision": posted.decision.model_dump(mode="json", exclude_defaults=True),
    }
    bound = state.config.bounds.decisions_per_service
    now = store.now()

    def write(connection: Any) -> int | None:
        return store.add_decision(
            connection, name, author=principal.name, data=data, bound=bound, now=now
        )

    try:
        decision_id = await state.writer.submit(write, len(raw))
    except (WriterBusy, WriterClosed) as exc:
        raise ProblemError(Kind.BOUND_REACHED, str(exc), headers={"Retry-After": "5"}) from None
    if decision_id is None:
        raise ProblemError(Kind.BOUND_REACHED, f"{name!r} has {bound} decisions (the bound)")
    state.known.add(name)
    state.decided(name)
    return json_response({"id": decision_id, "service": name, **data}, status=201)


async def delete_decision(request: web.Request) -> web.Response:
    """Withdraw one decision (204; 404 when there is no such decision)."""
    require_operator(request)
    state = request.app[STATE]
    name = known_service(request)
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise ProblemError(Kind.INVALID, f"a decision id is a number, got {raw!r}")

    def write(connection: Any) -> bool:
        return store.remove_decision(connection, name, int(raw))

    if not await state.writer.submit(write):
        raise ProblemError(Kind.NOT_FOUND, f"{name!r} has no decision {raw}")
    state.decided(name)
    return web.Response(status=204)


DECISION_ROUTES: list[Route] = [
    ("GET", f"/v1/services/{SERVICE}/decisions", list_decisions, "decisions"),
    ("POST", f"/v1/services/{SERVICE}/decisions", post_decision, "decide"),
    ("DELETE", f"/v1/services/{SERVICE}/decisions/{{id}}", delete_decision, "withdraw"),
]
