"""The reverse-proxy adapter: the gate's listener in front of one upstream, driving a GateCore.

HTTP syntax is llhttp's (strict, through httptools, in :mod:`vigil.gate.server` and
:mod:`vigil.gate.upstream`): the proxy never parses a request line or a header itself, and the
engine sees the request target exactly as sent. Every resource is
bounded: bytes of a body read for inspection (the policy's ``body.limit_bytes``; the rest is
streamed through, never buffered), request-line and header sizes, requests in progress,
upstream connections, and time (client body, upstream connect, read and total). Bodies over
the bound are still forwarded whole when the policy fails open, and refused in enforce mode
when it fails closed; a body is never silently skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from aiohttp import web

from vigil.gate.batch import WriteBatch
from vigil.gate.core import (
    REQUEST_ID_HEADER,
    GateCore,
    Problem,
    Transaction,
    bounded_state,
    problem,
    request_id_of,
)
from vigil.gate.exchange import ClientGone, HttpExchange
from vigil.gate.headers import (
    HOP_BY_HOP,
    end_to_end_lower,
    forwarded_for,
    inspectable_accept_encoding,
)
from vigil.gate.metrics import start_metrics_server
from vigil.gate.proxy_config import ProxyConfig, parse_upstream
from vigil.gate.server import Answer, HttpServer, ServerLimits
from vigil.gate.upstream import UpstreamFailure, UpstreamPool, UpstreamResponse
from vigil.http.body import is_json
from vigil.http.model import BodyState, Request, Response, split_target

CHUNK = 1 << 16
"""Bytes per read when streaming bodies through."""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_FRAMING = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
_NOT_FORWARDED = HOP_BY_HOP | _FRAMING | {"content-length", "expect", REQUEST_ID_HEADER}
_NOT_RETURNED = HOP_BY_HOP | {"content-length", REQUEST_ID_HEADER}


async def read_prefix(exchange: HttpExchange, limit: int) -> tuple[bytes, bool]:
    """Read at most ``limit + 1`` bytes; returns them and whether the body ended first.

    One byte past the bound is enough to know the body is longer; it is forwarded too.
    """
    buf = bytearray()
    while len(buf) <= limit:
        chunk = await exchange.read(limit + 1 - len(buf))
        if not chunk:
            return bytes(buf), True
        buf += chunk
    return bytes(buf), False


async def _replay(prefix: bytes, rest: HttpExchange) -> AsyncIterator[bytes]:
    yield prefix
    while chunk := await rest.read(CHUNK):
        yield chunk


def _ascii_target(target: str) -> str:
    if target.isascii():
        return target
    raw = target.encode("utf-8", "surrogateescape")
    return quote(raw, safe="".join(chr(c) for c in range(0x21, 0x7F)))


def send_problem(exchange: HttpExchange, answer: Problem) -> None:
    """Answer ``exchange`` with a problem."""
    exchange.respond(answer.status, list(answer.headers), answer.body)


def error_answer(kind: str, exchange: HttpExchange | None) -> Answer:
    """The listener's own answers: problem+json that never echoes the input.

    The client's ``x-request-id`` is kept when the request was parsed and carries a valid one.
    """
    incoming = exchange.header(REQUEST_ID_HEADER) if exchange is not None else None
    answer = problem(kind, request_id_of(incoming))
    return answer.status, list(answer.headers), answer.body


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
        self._server = HttpServer(
            self._exchange,
            error_answer,
            limits=ServerLimits(
                max_line_size=config.max_line_size,
                max_field_size=config.max_field_size,
                max_headers=config.max_headers,
                max_head_size=config.max_head_size,
                head_timeout=config.head_timeout,
                keepalive_timeout=config.keepalive_timeout,
                max_in_flight=config.max_in_flight,
                max_connections=config.max_connections,
            ),
            on_error=self._handler_failed,
            batch=batch,
        )
        server = self._server
        self.core.metrics.watch_listener(
            lambda: (len(server.connections), server.in_flight, server.refused_connections)
        )
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

    async def _exchange(self, exchange: HttpExchange) -> None:
        core = self.core
        limit = core.body_limit
        path, query = split_target(exchange.target)
        prefix, ended, state = b"", True, BodyState.COMPLETE
        if exchange.with_body:
            try:
                async with asyncio.timeout(self.config.body_timeout):
                    prefix, ended = await read_prefix(exchange, limit)
            except TimeoutError:
                send_problem(
                    exchange,
                    problem("body-timeout", request_id_of(exchange.header(REQUEST_ID_HEADER))),
                )
                return
            except ClientGone:
                return
            state = bounded_state(len(prefix), limit, ended, exchange.content_length is not None)
        tx = core.inspect_request(
            Request(
                method=exchange.method,
                path=path,
                query=query,
                headers=exchange.headers,
                body=prefix[:limit],
                body_state=state,
                client=exchange.remote,
            )
        )
        if tx.blocked:
            core.finish(tx)
            send_problem(exchange, core.blocked(tx))
            return
        if not path.startswith("/"):
            core.finish(tx)
            send_problem(exchange, problem("bad-request", tx.request_id))
            return
        data: bytes | AsyncIterator[bytes] | None = None
        if exchange.with_body:
            data = prefix if ended else _replay(prefix, exchange)
        target = _ascii_target(path + (f"?{query}" if query else ""))
        await self._forward(exchange, tx, target, data)

    def _upstream_headers(self, exchange: HttpExchange, tx: Transaction) -> list[tuple[str, str]]:
        headers = end_to_end_lower(exchange.headers, _NOT_FORWARDED)
        for i, (name, value) in enumerate(headers):
            if name == "accept-encoding":
                offered = inspectable_accept_encoding(value)
                if offered is None:
                    del headers[i]
                else:
                    headers[i] = (name, offered)
                break
        host = exchange.header("host")
        if host is None:
            headers.append(("host", self._host_header))
        headers.append((REQUEST_ID_HEADER, tx.request_id))
        headers.append(
            (
                "x-forwarded-for",
                forwarded_for(exchange.header("x-forwarded-for"), exchange.remote),
            )
        )
        headers.append(("x-forwarded-proto", "http"))
        if host:
            headers.append(("x-forwarded-host", host))
        return headers

    async def _forward(
        self,
        exchange: HttpExchange,
        tx: Transaction,
        target: str,
        data: bytes | AsyncIterator[bytes] | None,
    ) -> None:
        core = self.core
        assert self._pool is not None
        streamed = data is not None and not isinstance(data, bytes)
        if data is None and exchange.method in _BODY_METHODS:
            data = b""
        started = time.perf_counter()
        try:
            upstream = await self._pool.request(
                exchange.method,
                target,
                self._upstream_headers(exchange, tx),
                data,
                exchange.content_length if streamed else None,
            )
        except UpstreamFailure as exc:
            self._failed(exchange, tx, exc)
            return
        except ClientGone:
            core.finish(tx, learn=False)
            return
        try:
            await self._answer(exchange, tx, upstream, (time.perf_counter() - started) * 1000.0)
        finally:
            upstream.release()

    async def _answer(
        self, exchange: HttpExchange, tx: Transaction, upstream: UpstreamResponse, latency_ms: float
    ) -> None:
        core = self.core
        length = upstream.content_length
        buffered = is_json(upstream.content_type) or (
            length is not None and length <= core.body_limit
        )
        body, ended = b"", False
        if buffered:
            try:
                body, ended = await upstream.read_prefix(core.body_limit)
            except UpstreamFailure as exc:
                self._failed(exchange, tx, exc)
                return
        state = (
            BodyState.COMPLETE
            if ended
            else (BodyState.TRUNCATED if length is not None else BodyState.UNKNOWN_LENGTH)
        )
        decision = core.inspect_response(
            tx,
            Response(
                status=upstream.status,
                headers=upstream.headers,
                body=body[: core.body_limit],
                body_state=state,
                latency_ms=latency_ms,
            ),
        )
        if decision.blocked:
            core.finish(tx)
            send_problem(exchange, problem("response-blocked", tx.request_id))
            return
        returned = end_to_end_lower(upstream.headers, _NOT_RETURNED)
        returned.append((REQUEST_ID_HEADER, tx.request_id))
        if ended and exchange.method != "HEAD":
            core.finish(tx, learn=False)
            self._learn_soon()
            exchange.respond(upstream.status, returned, body, reason=upstream.reason)
            return
        try:
            await exchange.begin(upstream.status, returned, length, reason=upstream.reason)
            if body:
                await exchange.write(body)
            if not ended:
                while chunk := await upstream.read():
                    await exchange.write(chunk)
            await exchange.finish()
        except UpstreamFailure as exc:
            core.metrics.upstream_error(exc.kind)
            core.log.event(
                "upstream-error", level="warning", request_id=tx.request_id, kind=exc.kind
            )
            return
        except ClientGone:
            core.finish(tx, learn=False)
            return
        core.finish(tx, learn=False)
        self._learn_soon()

    def _failed(self, exchange: HttpExchange, tx: Transaction, exc: UpstreamFailure) -> None:
        self.core.metrics.upstream_error(exc.kind)
        self.core.log.event(
            "upstream-error",
            level="warning",
            request_id=tx.request_id,
            kind=exc.kind,
            error=str(exc),
        )
        self.core.finish(tx, learn=False)
        send_problem(
            exchange,
            problem(
                "upstream-timeout" if exc.kind == "timeout" else "upstream-unavailable",
                tx.request_id,
            ),
        )


async def start_proxy(core: GateCore, config: ProxyConfig) -> GateProxy:
    """Start a proxy on the running loop; ``await proxy.close()`` stops it and saves the policy.

    With ``port=0`` the OS picks a free port, readable as ``proxy.port`` once this returns.
    """
    proxy = GateProxy(core, config)
    await proxy.start()
    return proxy
