"""The operators' side of the API: services, routes, alerts, policy versions, learning runs.

Every handler here requires an operator token (or ``--insecure-dev``); a gate token gets 403.
Reads run in a thread on a read connection of their own (WAL lets them run beside the writer)
and are bounded (``limit`` at most :data:`MAX_LIMIT`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web

from vigil.behavior.policy import parse_policy
from vigil.learner import store
from vigil.learner.api import (
    SERVICE,
    STATE,
    Route,
    int_param,
    json_response,
    known_service,
    require_operator,
)
from vigil.learner.problems import Kind, ProblemError

MAX_LIMIT = 1000
"""Most records one listing returns."""


def _service_view(row: store.ServiceRow, version: int | None) -> dict[str, Any]:
    return {
        "name": row.name,
        "created": row.created,
        "last_seen": row.last_seen,
        "observations": row.observations,
        "batches": row.batches,
        "pending": row.pending,
        "alerts": row.alerts,
        "policy_version": version,
    }


async def list_services(request: web.Request) -> web.Response:
    """Every service the learner knows, with its counters and published version."""
    require_operator(request)
    state = request.app[STATE]

    rows = await asyncio.to_thread(state.readers.query, store.services)
    views = []
    for row in rows:
        published = state.publications.get(row.name)
        views.append(_service_view(row, published.version if published else None))
    return json_response({"services": views})


async def get_service(request: web.Request) -> web.Response:
    """One service's counters and published version."""
    require_operator(request)
    state = request.app[STATE]
    name = known_service(request)

    row = await asyncio.to_thread(state.readers.query, store.service, name)
    if row is None:
        return json_response(
            {"name": name, "observations": 0, "pending": 0, "alerts": 0, "policy_version": None}
        )
    published = state.publications.get(name)
    return json_response(_service_view(row, published.version if published else None))


async def list_routes(request: web.Request) -> web.Response:
    """The routes of the newest policy, each with its mode and learning progress."""
    require_operator(request)
    state = request.app[STATE]
    name = known_service(request)

    row = await asyncio.to_thread(state.readers.query, store.latest_policy, name)
    if row is None:
        return json_response({"service": name, "version": None, "routes": [], "unpublished": []})
    policy = parse_policy(orjson.loads(row.policy))
    progress = orjson.loads(row.progress)
    routes = []
    for key, route in sorted(policy.routes.items()):
        entry: dict[str, Any] = {
            "route": key,
            "mode": policy.mode_of(key).value,
            "samples": route.samples,
            "fields": len(route.fields),
        }
        entry.update(progress.get("routes", {}).get(key, {}))
        routes.append(entry)
    return json_response(
        {
            "service": name,
            "version": row.version,
            "routes": routes,
            "unpublished": progress.get("unpublished", []),
        }
    )


async def list_alerts(request: web.Request) -> web.Response:
    """A service's newest alerts, optionally those of one request (``?request_id=``)."""
    require_operator(request)
    state = request.app[STATE]
    name = known_service(request)
    limit = int_param(request, "limit", 100, 1, MAX_LIMIT)
    before = int_param(request, "before", 0, 0, 1 << 62) or None
    request_id = request.query.get("request_id") or None
    if request_id is not None and len(request_id) > 128:
        raise ProblemError(Kind.INVALID, "request_id is at most 128 characters")

    rows = await asyncio.to_thread(
        state.readers.query, store.alerts, name, request_id=request_id, limit=limit, before=before
    )
    alerts = []
    for alert_id, row in rows:
        alerts.append({"id": alert_id, **orjson.loads(row.data)})
    return json_response({"service": name, "alerts": alerts})


async def list_policies(request: web.Request) -> web.Response:
    """The kept versions of a service's policy, newest first."""
    require_operator(request)
    state = request.app[STATE]
    name = known_service(request)

    rows = await asyncio.to_thread(state.readers.query, store.policy_versions, name)
    return json_response(
        {
            "service": name,
            "versions": [
                {"version": v, "created": c, "etag": e, "reason": r} for v, c, e, r in rows
            ],
        }
    )


async def get_policy_version(request: web.Request) -> web.Response:
    """One kept version of a service's policy (``?layer=learned`` for the learned layer)."""
    require_operator(request)
    state = request.app[STATE]
    name = known_service(request)
    raw = request.match_info["version"]
    if not raw.isdigit():
        raise ProblemError(Kind.INVALID, f"a version is a number, got {raw!r}")
    layer = request.query.get("layer", "published")
    if layer not in {"published", "learned"}:
        raise ProblemError(Kind.INVALID, f"layer must be published or learned, got {layer!r}")
    fmt = request.query.get("format", "json")
    if fmt not in {"json", "yaml"}:
        raise ProblemError(Kind.INVALID, f"format must be json or yaml, got {fmt!r}")

    row = await asyncio.to_thread(state.readers.query, store.policy_version, name, int(raw))
    if row is None:
        raise ProblemError(Kind.NOT_FOUND, f"{name!r} has no kept version {raw}")
    body = row.policy if layer == "published" else row.learned
    headers = {"ETag": row.etag, "X-Policy-Version": str(row.version)}
    if fmt == "yaml":
        text = parse_policy(orjson.loads(body)).to_yaml()
        return web.Response(text=text, content_type="application/yaml", headers=headers)
    return web.Response(body=body, content_type="application/json", headers=headers)


async def learn_now(request: web.Request) -> web.Response:
    """Ask for a learning run of a service now (202); the new version is published when done."""
    require_operator(request)
    state = request.app[STATE]
    name = known_service(request)
    scheduled = state.learn_now(name)
    return json_response({"service": name, "scheduled": scheduled}, status=202)


OPERATOR_ROUTES: list[Route] = [
    ("GET", "/v1/services", list_services, "services"),
    ("GET", f"/v1/services/{SERVICE}", get_service, "service"),
    ("GET", f"/v1/services/{SERVICE}/routes", list_routes, "routes"),
    ("GET", f"/v1/services/{SERVICE}/alerts", list_alerts, "alerts"),
    ("GET", f"/v1/services/{SERVICE}/policies", list_policies, "policies"),
    ("GET", f"/v1/services/{SERVICE}/policies/{{version}}", get_policy_version, "policy-version"),
    ("POST", f"/v1/services/{SERVICE}/learn", learn_now, "learn"),
]
