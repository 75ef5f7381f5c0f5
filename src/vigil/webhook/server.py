"""The admission webhook: ``vigil.admission`` behind aiohttp over TLS.

Routes: ``POST /validate`` (validating webhook: vigil's rules, and the in-tree emulation when
enabled), ``POST /mutate`` (mutating webhook: the gate sidecar), ``GET /healthz``. Bodies are
bounded (`MAX_BODY_BYTES`), must arrive within `BODY_TIMEOUT` seconds, and at most
`MAX_BODIES_IN_FLIGHT` are read at once (503 beyond, so slow clients cannot hold
``n * MAX_BODY_BYTES`` of memory); a request line and headers that do not arrive within
`KEEPALIVE_TIMEOUT` seconds of the connection close it (aiohttp's idle timer runs from the
connection's start); a TLS handshake has asyncio's 60 s. A bad request (an unknown route or
method included) gets a 4xx ``application/problem+json`` answer, never a hang. Decisions are
logged as JSON lines.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from vigil.admission import AdmissionContext, ReviewError, parse_review, response, review

MAX_BODY_BYTES = 8 << 20
"""An AdmissionReview larger than 8 MiB is refused (413); objects are at most ~1.5 MiB."""
BODY_TIMEOUT = 10.0
"""Seconds a client has to send its whole body (the API server's default webhook timeout)."""
KEEPALIVE_TIMEOUT = 30.0
"""Seconds an idle keep-alive connection stays open, and seconds a new connection has to send
its request line and headers."""
MAX_BODIES_IN_FLIGHT = 32
"""Bodies read at the same time; one more gets 503 with ``Retry-After`` (memory stays under
``MAX_BODIES_IN_FLIGHT * MAX_BODY_BYTES``)."""
PROBLEM = "application/problem+json"


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """What the server needs: the admission context and where to listen."""

    context: AdmissionContext
    host: str = "127.0.0.1"
    port: int = 8443


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server TLS context (TLS 1.2 or newer) from PEM files; raises OSError / SSLError."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def _problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return web.Response(
        status=status, body=orjson.dumps(body), content_type=PROBLEM, headers=headers
    )


def _logger() -> Any:
    return structlog.wrap_logger(
        structlog.PrintLogger(),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(serializer=lambda o, **_: orjson.dumps(o).decode()),
        ],
    ).bind(logger="vigil.webhook")


class Webhook:
    """The request handlers."""

    def __init__(self, settings: WebhookSettings, log: Any | None = None) -> None:
        self.settings = settings
        self.log = log if log is not None else _logger()
        self.reading = 0
        """Bodies being read now (bounded by `MAX_BODIES_IN_FLIGHT`)."""

    async def healthz(self, request: web.Request) -> web.Response:
        """Liveness and readiness."""
        return web.Response(text="ok")

    async def _body(self, request: web.Request) -> bytes | web.Response:
        if request.content_type != "application/json":
            return _problem(415, "Unsupported Media Type", "send application/json")
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _problem(
                413, "Payload Too Large", f"bodies are limited to {MAX_BODY_BYTES} bytes"
            )
        if self.reading >= MAX_BODIES_IN_FLIGHT:
            return _problem(
                503,
                "Service Unavailable",
                f"{MAX_BODIES_IN_FLIGHT} requests are being read; retry",
                {"Retry-After": "1"},
            )
        self.reading += 1
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                data = await request.read()
        except TimeoutError:
            return _problem(
                408, "Request Timeout", f"the body did not arrive within {BODY_TIMEOUT} s"
            )
        except web.HTTPRequestEntityTooLarge:
            return _problem(
                413, "Payload Too Large", f"bodies are limited to {MAX_BODY_BYTES} bytes"
            )
        finally:
            self.reading -= 1
        return data

    async def _handle(self, request: web.Request, mode: str) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _problem(400, "Bad Request", "the body is not JSON")
        try:
            admission = parse_review(doc)
        except ReviewError as exc:
            return _problem(400, "Bad Request", f"not an AdmissionReview v1: {exc}")
        outcome = review(admission, self.settings.context, mode)
        d = outcome.decision
        self.log.info(
            "admission",
            mode=mode,
            uid=admission.uid,
            kind=admission.kind.kind,
            namespace=admission.namespace,
            name=admission.object_name(),
            operation=admission.operation,
            user=admission.user_info.username,
            allowed=d.allowed,
            code=d.code,
            stage=d.stage,
            message=d.message,
            warnings=len(outcome.warnings),
            patched=bool(outcome.patch),
        )
        return web.Response(
            body=orjson.dumps(response(admission.uid, outcome)), content_type="application/json"
        )

    async def validate(self, request: web.Request) -> web.Response:
        """The validating webhook."""
        return await self._handle(request, "validate")

    async def mutate(self, request: web.Request) -> web.Response:
        """The mutating webhook."""
        return await self._handle(request, "mutate")


@web.middleware
async def problem_answers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown routes and methods (aiohttp's 404 and 405) answered as problem+json too."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        problem = _problem(exc.status, exc.reason, f"{request.method} {request.path}: {exc.reason}")
        if isinstance(exc, web.HTTPMethodNotAllowed):
            problem.headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
        return problem


def make_app(settings: WebhookSettings, log: Any | None = None) -> web.Application:
    """The aiohttp application (bodies bounded by `MAX_BODY_BYTES`)."""
    hook = Webhook(settings, log)
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[problem_answers])
    app.router.add_post("/validate", hook.validate)
    app.router.add_post("/mutate", hook.mutate)
    app.router.add_get("/healthz", hook.healthz)
    return app


async def start(
    settings: WebhookSettings, tls: ssl.SSLContext, log: Any | None = None
) -> tuple[web.AppRunner, int]:
    """Start serving; returns the runner (call ``cleanup()`` to stop) and the bound port."""
    runner = web.AppRunner(
        make_app(settings, log),
        keepalive_timeout=KEEPALIVE_TIMEOUT,
        access_log=None,
        shutdown_timeout=5.0,
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port, ssl_context=tls)
    await site.start()
    addresses = runner.addresses
    port = int(addresses[0][1]) if addresses else settings.port
    return runner, port


async def serve_forever(settings: WebhookSettings, tls: ssl.SSLContext) -> None:
    """Serve until cancelled (SIGINT/SIGTERM stop the event loop)."""
    runner, port = await start(settings, tls)
    log = _logger()
    log.info("listening", host=settings.host, port=port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
