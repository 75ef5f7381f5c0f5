"""The reverse-proxy adapter: the gate's listener in front of one upstream, driving a GateCore.

This module owns the proxy's lifecycle: the listener (:mod:`vigil.gate.server`), the upstream
pool (:mod:`vigil.gate.upstream`), the metrics listener, periodic local learning and a graceful
shutdown that saves the policy. Each request goes through :class:`~vigil.gate.forward.Forwarder`.
HTTP syntax is llhttp's (strict, through httptools): the proxy never parses a request line or a
header itself, and the engine sees the request target exactly as sent. Every resource is
bounded (docs/gate.md lists each bound): head sizes, requests in progress, connections,
upstream connections, body bytes read for inspection, and time; connections and requests in
progress per client, and upstream exchanges per route, so that neither one client nor one slow
endpoint can take the service down for the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any

from aiohttp import web

from vigil.gate.batch import WriteBatch
from vigil.gate.core import GateCore
from vigil.gate.forward import Forwarder, error_answer
from vigil.gate.metrics import ListenerSnapshot, start_metrics_server
from vigil.gate.proxy_config import ProxyConfig, parse_upstream
from vigil.gate.refusals import Refusals
from vigil.gate.route_limit import RouteLimiter
from vigil.gate.server import HttpServer, ServerLimits
from vigil.gate.upstream import UpstreamPool


class GateProxy:
    """A running proxy: its listener, upstream pool, metrics listener and learning timer."""

    def __init__(self, core: GateCore, config: ProxyConfig) -> None:
        self.core = core
        self.config = config
        self.upstream = parse_upstream(config.upstream)
        self.port = 0
        self.metrics_port: int | None = None
        self._base = str(self.upstream).rstrip("/")
        self._server: HttpServer | None = None
        self._metrics_runner: web.AppRunner | None = None
        self._pool: UpstreamPool | None = None
        self._upstream_port = self.upstream.port or (443 if self.upstream.scheme == "https" else 80)
        self._host_header = f"{self.upstream.host}:{self._upstream_port}"
        self.routes: RouteLimiter | None = None
        """The per-route upstream shares (None when routes are not capped)."""
        self._learn_job: asyncio.Future[Any] | None = None
        self._ticker: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The proxy's base URL, e.g. ``http://127.0.0.1:8000``."""
        return f"http://{self.config.host}:{self.port}"

    async def start(self) -> None:
        """Open the upstream pool and start listening."""
        config = self.config
        batch = WriteBatch()
        self._pool = UpstreamPool(
            self.upstream.host or "127.0.0.1",
            self._upstream_port,
            tls=ssl.create_default_context() if self.upstream.scheme == "https" else None,
            limit=config.upstream_connections,
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            total_timeout=config.total_timeout,
            keepalive_timeout=config.keepalive_timeout,
            batch=batch,
        )
        refusals = Refusals()
        shares = config.route_shares()
        self.routes = RouteLimiter(*shares) if shares is not None else None
        forwarder = Forwarder(
            self.core,
            self._pool,
            host_header=self._host_header,
            body_timeout=config.body_timeout,
            learned=self._learn_soon,
            routes=self.routes,
            route_wait=config.connect_timeout,
            refusals=refusals,
        )
        self._server = HttpServer(
            forwarder,
            error_answer,
            limits=ServerLimits(
                max_line_size=config.max_line_size,
                max_field_size=config.max_field_size,
                max_headers=config.max_headers,
                max_head_size=config.max_head_size,
                head_timeout=config.head_timeout,
                first_byte_timeout=config.first_byte_timeout,
                keepalive_timeout=config.keepalive_timeout,
                send_timeout=config.send_timeout,
                max_in_flight=config.max_in_flight,
                max_client_in_flight=config.max_client_in_flight,
                refusal_hold=config.refusal_hold,
                max_receiving=config.max_receiving,
                max_connections=config.max_connections,
                max_client_connections=config.max_client_connections,
                min_body_rate=config.min_body_rate,
                body_rate_grace=config.body_rate_grace,
            ),
            on_error=self._handler_failed,
            batch=batch,
            refusals=refusals,
        )
        server = self._server

        def snapshot() -> ListenerSnapshot:
            return ListenerSnapshot(
                open_connections=len(server.connections),
                clients=server.admission.clients(),
                in_flight=server.in_flight,
                receiving=server.receiving,
                refused_connections=server.refused_connections,
                evicted_connections=refusals.evicted,
                refusals=refusals.snapshot(),
            )

        self.core.metrics.watch_listener(snapshot)
        self.port = await server.start(config.host, config.port, reuse_port=config.reuse_port)
        if config.metrics_host is not None:
            self._metrics_runner, self.metrics_port = await start_metrics_server(
                self.core.metrics, config.metrics_host, config.metrics_port
            )
        self._ticker = asyncio.create_task(self._tick())
        self.core.log.event(
            "gate-started", listen=self.url, upstream=self._base, metrics_port=self.metrics_port
        )

    async def close(self) -> None:
        """Stop listening, let requests in progress finish, then save the policy."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._server is not None:
            await self._server.close(self.config.shutdown_timeout)
        if self._metrics_runner is not None:
            await self._metrics_runner.cleanup()
        if self._pool is not None:
            await self._pool.close()
        if self._learn_job is not None:
            with contextlib.suppress(Exception):
                await self._learn_job
        await asyncio.to_thread(self.core.close)
        self.core.log.event("gate-stopped", listen=self.url)

    def _handler_failed(self, exc: BaseException) -> None:
        self.core.log.event("handler-error", level="error", error=type(exc).__name__)

    async def _tick(self) -> None:
        seconds = self.core.learn_every.seconds
        period = min(5.0, seconds) if seconds else 5.0
        while True:
            await asyncio.sleep(period)
            self._learn_soon()

    def _learn_soon(self) -> None:
        if self._learn_job is not None and not self._learn_job.done():
            return
        if self.core.learning_due():
            self._learn_job = asyncio.get_running_loop().run_in_executor(
                None, self.core.learn_if_due
            )


async def start_proxy(core: GateCore, config: ProxyConfig) -> GateProxy:
    """Start a proxy on the running loop; ``await proxy.close()`` stops it and saves the policy.

    With ``port=0`` the OS picks a free port, readable as ``proxy.port`` once this returns.
    """
    proxy = GateProxy(core, config)
    await proxy.start()
    return proxy
