"""The learner's HTTP API (aiohttp): gates feed and fetch, operators read and decide.

``openapi.yaml`` beside this module documents every path, parameter, answer and bound, and is
served at ``/openapi.yaml``. Handlers stay thin: credentials are checked first (401/403, nothing
changes), bodies are read and validated (:mod:`vigil.learner.ingest`), writes go to the single
writer (:mod:`vigil.learner.writer`), reads to a thread with a connection of its own, and the
policy a gate fetches comes from memory (:mod:`vigil.learner.publish`). Every handler is bounded
in time by the problem middleware; long polls extend that bound by their own wait only.
"""

from __future__ import annotations

import asyncio
import importlib.resources
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import yaml
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from vigil.behavior.policy import parse_policy
from vigil.learner import store
from vigil.learner.auth import DEV_PRINCIPAL, AuthOutcome, Principal, Refused, Tokens
from vigil.learner.checkers import BatchCheckers
from vigil.learner.config import LearnerConfig
from vigil.learner.ingest import IDEMPOTENCY_HEADER, read_body
from vigil.learner.metrics import LearnerMetrics
from vigil.learner.problems import (
    REQUEST_BYTES,
    TIMEOUT_SCOPE,
    Kind,
    ProblemError,
    problem_middleware,
)
from vigil.learner.publish import Publications, TooManyWaiters, matches
from vigil.learner.worker import JobFailed, JobTimeout
from vigil.learner.writer import Writer, WriterBusy, WriterClosed

SERVICE = r"{service:[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?}"
RETRY_AFTER = "5"
"""Seconds a refused gate is asked to wait (429)."""


@dataclass(slots=True)
class LearnerState:
    """What the handlers share: configuration, credentials, store, publications, metrics."""

    config: LearnerConfig
    tokens: Tokens | None
    """None only with ``--insecure-dev`` (loopback): every caller is the dev principal."""
    writer: Writer
    readers: store.Readers
    publications: Publications
    metrics: LearnerMetrics
    checkers: BatchCheckers = field(default_factory=lambda: BatchCheckers(0, 30.0))
    """Where posted batches are checked (processes beside the event loop)."""
    pending: dict[str, int] = field(default_factory=dict)
    """Observations stored and not learned yet, per service (kept in step by the writer)."""
    known: set[str] = field(default_factory=set)
    """Services with a row in the store."""
    progress: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Learning progress of each service's published routes (for the metrics)."""
    gathering: dict[str, int] = field(default_factory=dict)
    """Routes of each service still gathering support (counted, never named in metrics)."""
    dirty: set[str] = field(default_factory=set)
    """Services whose decisions changed since their policy was last composed (at start)."""
    stored: Callable[[str], None] = lambda service: None
    """Called after a batch of ``service`` was stored (the learning scheduler listens)."""
    decided: Callable[[str], None] = lambda service: None
    """Called after an operator decision changed (the scheduler recomposes the policy)."""
    learn_now: Callable[[str], bool] = lambda service: False
    """Asks for a learning run of ``service`` now; returns whether one was scheduled."""
    on_error: Callable[[BaseException], None] = lambda exc: None


STATE: web.AppKey[LearnerState] = web.AppKey("state", LearnerState)


def _state(request: web.Request) -> LearnerState:
    return request.app[STATE]


def authenticate(request: web.Request) -> Principal:
    """The caller, or 401 problem+json (with ``WWW-Authenticate``) when it cannot be known."""
    state = _state(request)
    if state.tokens is None:
        return DEV_PRINCIPAL
    result = state.tokens.authenticate(request.headers.get("Authorization"))
    if isinstance(result, Refused):
        state.metrics.auth_failures.labels(result.outcome.value).inc()
        error = "" if result.outcome is AuthOutcome.MISSING else ', error="invalid_token"'
        raise ProblemError(
            Kind.UNAUTHENTICATED,
            result.detail,
            headers={"WWW-Authenticate": f'Bearer realm="vigil-learner"{error}'},
        )
    return result


def forbid(request: web.Request, detail: str) -> ProblemError:
    """The 403 problem of a known caller acting outside its scope (counted)."""
    _state(request).metrics.auth_failures.labels(AuthOutcome.FORBIDDEN.value).inc()
    return ProblemError(Kind.FORBIDDEN, detail)


def require_operator(request: web.Request) -> Principal:
    """The caller when it is an operator, else 401/403."""
    principal = authenticate(request)
    if not principal.may_operate():
        raise forbid(request, f"{principal.name} is a gate of {principal.service}, not an operator")
    return principal


def known_service(request: web.Request) -> str:
    """The service of the path when the learner knows it, else 404."""
    state = _state(request)
    name = request.match_info["service"]
    if name in state.known or state.publications.get(name) is not None:
        return name
    if state.tokens is not None and name in state.tokens.services:
        return name
    raise ProblemError(Kind.NOT_FOUND, f"no service {name!r}")


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON answer."""
    return web.Response(
        status=status,
        body=orjson.dumps(data),
        content_type="application/json",
        headers=headers,
    )


# --------------------------------------------------------------------------------------------
# Gates


async def post_observations(request: web.Request) -> web.Response:
    """Store one batch of a gate's observations and alerts; 202 once durable."""
    state = _state(request)
    service = request.match_info["service"]
    principal = authenticate(request)
    if not principal.may_feed(service):
        raise forbid(request, f"{principal.name} may not post observations for {service!r}")
    bounds = state.config.bounds
    try:
        body = await read_body(request, bounds.request_bytes)
        checked = await state.checkers.check(
            body, service, bounds, request.headers.get(IDEMPOTENCY_HEADER)
        )
    except (JobTimeout, JobFailed) as exc:
        state.metrics.refused.labels("busy").inc()
        raise ProblemError(Kind.UNAVAILABLE, f"the batch could not be checked: {exc}") from None
    except ProblemError as exc:
        state.metrics.refused.labels(exc.kind.value).inc()
        raise
    if service not in state.known and len(state.known) >= bounds.services:
        state.metrics.refused.labels(Kind.BOUND_REACHED.value).inc()
        raise ProblemError(Kind.BOUND_REACHED, f"the learner knows {bounds.services} services")
    pending = state.pending.get(service, 0)
    if checked.count and pending + checked.count > bounds.pending_observations:
        state.metrics.refused.labels(Kind.BOUND_REACHED.value).inc()
        raise ProblemError(
            Kind.BOUND_REACHED,
            f"{pending} observations of {service!r} wait to be learned "
            f"(bound {bounds.pending_observations}); retry later",
            headers={"Retry-After": RETRY_AFTER},
        )
    now = store.now()

    def write(connection: Any) -> tuple[store.Stored, int]:
        stored = store.store_batch(
            connection,
            service,
            batch_id=checked.batch_id,
            gate=checked.gate or principal.name,
            count=checked.count,
            dropped=0,
            body=checked.stored,
            now=now,
        )
        alerts = 0
        if not stored.duplicate and checked.alerts:
            alerts = store.store_alerts(
                connection, service, checked.alerts, bounds.alerts_kept, now
            )
        return stored, alerts

    try:
        stored, alerts = await state.writer.submit(write, len(checked.stored))
    except (WriterBusy, WriterClosed) as exc:
        state.metrics.refused.labels("busy").inc()
        raise ProblemError(
            Kind.BOUND_REACHED, str(exc), headers={"Retry-After": RETRY_AFTER}
        ) from None
    state.known.add(service)
    state.pending[service] = stored.pending
    metrics = state.metrics
    metrics.pending.labels(service).set(stored.pending)
    metrics.batches.labels(service, "duplicate" if stored.duplicate else "stored").inc()
    if not stored.duplicate:
        metrics.observations.labels(service).inc(checked.count)
        metrics.alerts.labels(service).inc(alerts)
        state.stored(service)
    return json_response(
        {
            "batch": checked.batch_id,
            "duplicate": stored.duplicate,
            "accepted": 0 if stored.duplicate else checked.count,
            "alerts": alerts,
            "pending": stored.pending,
        },
        status=200 if stored.duplicate else 202,
    )


async def get_policy(request: web.Request) -> web.StreamResponse:
    """The newest published policy: 200 with an ETag, 304, or held up to ``?wait=`` seconds."""
    state = _state(request)
    service = request.match_info["service"]
    principal = authenticate(request)
    if not principal.may_read_policy(service):
        raise forbid(request, f"{principal.name} may not read the policy of {service!r}")
    asked_wait = _float_param(request, "wait", 0.0, 0.0, MAX_WAIT_PARAM)
    wait = min(asked_wait, state.config.bounds.long_poll_seconds)
    fmt = request.query.get("format", "json")
    if fmt not in {"json", "yaml"}:
        raise ProblemError(Kind.INVALID, f"format must be json or yaml, got {fmt!r}")
    current = state.publications.get(service)
    asked = request.headers.get("If-None-Match")
    if current is not None and not matches(asked, current.etag):
        return _policy_answer(current.body, current.etag, current.version, fmt)
    if wait > 0:
        scope = request.get(TIMEOUT_SCOPE)
        if scope is not None:
            loop = asyncio.get_running_loop()
            scope.reschedule(loop.time() + wait + state.config.bounds.handler_seconds)
        try:
            newer = await state.publications.wait_newer(
                service, current.etag if current is not None else "", wait
            )
        except TooManyWaiters as exc:
            raise ProblemError(
                Kind.BOUND_REACHED, str(exc), headers={"Retry-After": RETRY_AFTER}
            ) from None
        if newer is not None:
            return _policy_answer(newer.body, newer.etag, newer.version, fmt)
    if current is None:
        raise ProblemError(Kind.NOT_FOUND, f"no policy of {service!r} is published yet")
    return web.Response(status=304, headers={"ETag": current.etag, "Cache-Control": "no-cache"})


def _policy_answer(body: bytes, etag: str, version: int, fmt: str) -> web.Response:
    headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Policy-Version": str(version)}
    if fmt == "yaml":
        text = parse_policy(orjson.loads(body)).to_yaml()
        return web.Response(text=text, content_type="application/yaml", headers=headers)
    return web.Response(body=body, content_type="application/json", headers=headers)


MAX_WAIT_PARAM = 600.0
"""Largest ``?wait=`` accepted (422 beyond); a request is held at most ``long_poll_seconds``."""


def _float_param(request: web.Request, name: str, default: float, lo: float, hi: float) -> float:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ProblemError(Kind.INVALID, f"{name} must be a number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ProblemError(Kind.INVALID, f"{name} must be between {lo:g} and {hi:g}, got {raw}")
    return value


def int_param(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    """An integer query parameter within ``lo..hi`` (422 otherwise)."""
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise ProblemError(Kind.INVALID, f"{name} must be an integer {lo}-{hi}, got {raw!r}")
    return int(raw)


# --------------------------------------------------------------------------------------------
# Service documents


async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI document of this API."""
    text = importlib.resources.files("vigil.learner").joinpath("openapi.yaml").read_text("utf-8")
    return web.Response(text=text, content_type="application/yaml")


async def openapi_json(request: web.Request) -> web.Response:
    """The OpenAPI document as JSON."""
    text = importlib.resources.files("vigil.learner").joinpath("openapi.yaml").read_text("utf-8")
    return json_response(yaml.safe_load(text))


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers."""
    return web.Response(text="ok\n")


async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics."""
    body = _state(request).metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


Route = tuple[str, str, Callable[[web.Request], Any], str]


def build_app(state: LearnerState, extra_routes: list[Route]) -> web.Application:
    """The aiohttp application of the learner, its routes and middlewares."""
    app = web.Application(
        client_max_size=state.config.bounds.request_bytes,
        middlewares=[
            _count_requests,
            problem_middleware(state.config.bounds.handler_seconds, state.on_error),
        ],
    )
    app[STATE] = state
    app[REQUEST_BYTES] = state.config.bounds.request_bytes
    routes: list[Route] = [
        ("GET", "/healthz", healthz, "healthz"),
        ("GET", "/metrics", metrics, "metrics"),
        ("GET", "/openapi.yaml", openapi, "openapi"),
        ("GET", "/openapi.json", openapi_json, "openapi"),
        ("POST", f"/v1/services/{SERVICE}/observations", post_observations, "observations"),
        ("GET", f"/v1/services/{SERVICE}/policy", get_policy, "policy"),
        *extra_routes,
    ]
    for method, path, handler, name in routes:
        app.router.add_route(method, path, handler)
        _NAMES[handler] = name
    return app


_NAMES: dict[Callable[[web.Request], Any], str] = {}
"""The metric name of each handler (a closed set)."""


@web.middleware
async def _count_requests(
    request: web.Request, handler: Callable[[web.Request], Any]
) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    name = _NAMES.get(request.match_info.route.handler, "other")
    _state(request).metrics.requests.labels(name, str(response.status)).inc()
    return response
