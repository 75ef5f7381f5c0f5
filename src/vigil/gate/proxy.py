"""The reverse-proxy adapter: an aiohttp server in front of one upstream, driving a GateCore.

HTTP syntax is aiohttp's (llhttp, strict): the proxy never parses a request line or a header
itself and uses ``raw_path`` so the engine sees the target exactly as sent. Every resource is
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
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from aiohttp.web_protocol import RequestHandler
from multidict import CIMultiDict
from yarl import URL

from vigil.gate.core import (
    REQUEST_ID_HEADER,
    GateCore,
    Problem,
    Transaction,
    bounded_state,
    problem,
    request_id_of,
)
from vigil.gate.headers import end_to_end, forwarded_for
from vigil.gate.metrics import bound_port, start_metrics_server
from vigil.gate.upstream import UpstreamFailure, UpstreamPool
from vigil.http.body import is_json
from vigil.http.model import BodyState, Request, Response, split_target

CHUNK = 1 << 16
"""Bytes per read when streaming bodies through."""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_FRAMING = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
_NOT_FORWARDED = frozenset({"content-length", "expect", REQUEST_ID_HEADER})
_NOT_RETURNED = frozenset({"content-length"})


class UpstreamError(ValueError):
    """An upstream URL the proxy cannot use; the message says why."""


def parse_upstream(url: str) -> URL:
    """Validate an upstream base URL: ``http(s)://host[:port]`` with no path, query or fragment."""
    try:
        parsed = URL(url)
    except (TypeError, ValueError) as exc:
        raise UpstreamError(f"invalid upstream URL {url!r}: {exc}") from None
    if parsed.scheme not in {"http", "https"}:
        raise UpstreamError(f"upstream URL {url!r} must start with http:// or https://")
    if not parsed.host:
        raise UpstreamError(f"upstream URL {url!r} has no host")
    if parsed.path not in {"", "/"} or parsed.query_string or parsed.fragment:
        raise UpstreamError(f"upstream URL {url!r} must not have a path, query or fragment")
    try:
        parsed.port  # noqa: B018
    except ValueError as exc:
        raise UpstreamError(f"upstream URL {url!r} has an invalid port: {exc}") from None
    return parsed.with_path("")


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """Where the proxy listens, where it forwards, and its bounds (all documented in docs/gate.md)."""

    upstream: str
    host: str = "127.0.0.1"
    port: int = 8000
    metrics_host: str | None = None
    """Metrics listener host; None disables the listener."""
    metrics_port: int = 9100
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    """Longest silence while waiting for the upstream's answer or the next piece of its body."""
    total_timeout: float = 300.0
    """Longest upstream exchange, body streaming included."""
    body_timeout: float = 30.0
    """Longest wait for the inspected prefix of a client's request body."""
    max_in_flight: int = 1024
    """Requests handled at once; beyond it the proxy answers 503 at once."""
    upstream_connections: int = 256
    keepalive_timeout: float = 75.0
    max_line_size: int = 8190
    max_field_size: int = 8190
    max_headers: int = 128
    shutdown_timeout: float = 10.0
    reuse_port: bool = False


async def read_prefix(stream: aiohttp.StreamReader, limit: int) -> tuple[bytes, bool]:
    """Read at most ``limit + 1`` bytes; returns them and whether the stream ended first.

    One byte past the bound is enough to know the body is longer; it is forwarded too.
    """
    buf = bytearray()
    while len(buf) <= limit:
        chunk = await stream.read(limit + 1 - len(buf))
        if not chunk:
            return bytes(buf), True
        buf += chunk
    return bytes(buf), False


async def _replay(prefix: bytes, rest: aiohttp.StreamReader) -> AsyncIterator[bytes]:
    yield prefix
    while chunk := await rest.read(CHUNK):
        yield chunk


def _ascii_target(target: str) -> str:
    if target.isascii():
        return target
    raw = target.encode("utf-8", "surrogateescape")
    return quote(raw, safe="".join(chr(c) for c in range(0x21, 0x7F)))


def problem_response(answer: Problem) -> web.Response:
    """An aiohttp response for a problem answer."""
    return web.Response(status=answer.status, body=answer.body, headers=CIMultiDict(answer.headers))


class _ProblemRequestHandler(RequestHandler):
    """Answers aiohttp's own protocol errors with problem+json instead of plain text.

    The default answer quotes an excerpt of the malformed input; this one never echoes it.
    """

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        self.logger.debug("protocol error from %s: %s", request.remote, exc)
        if request.writer.output_size > 0:
            raise ConnectionError("response already started; closing the connection")
        if status == 500:
            kind = "internal-error"
        elif isinstance(exc, LineTooLong) or status in (413, 414, 431):
            kind = "request-too-large"
        else:
            kind = "malformed-request"
        response = problem_response(problem(kind, request_id_of(None)))
        response.force_close()
        return response


class _ProblemServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _ProblemRequestHandler(self, loop=self._loop, **self._kwargs)


class GateProxy:
    """A running proxy: its listener, upstream session, metrics listener and learning timer."""

    def __init__(self, core: GateCore, config: ProxyConfig) -> None:
        self.core = core
        self.config = config
        self.upstream = parse_upstream(config.upstream)
        self.port = 0
        self.metrics_port: int | None = None
        self._base = str(self.upstream).rstrip("/")
        self._in_flight = 0
        self._runner: web.ServerRunner | None = None
        self._metrics_runner: web.AppRunner | None = None
        self._pool: UpstreamPool | None = None
        port = self.upstream.port or (443 if self.upstream.scheme == "https" else 80)
        self._host_header = f"{self.upstream.host}:{port}"
        self._learn_job: asyncio.Future[Any] | None = None
        self._ticker: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The proxy's base URL, e.g. ``http://127.0.0.1:8000``."""
        return f"http://{self.config.host}:{self.port}"

    async def start(self) -> None:
        """Open the upstream session and start listening."""
        config = self.config
        self._pool = UpstreamPool(
            self.upstream.host or "127.0.0.1",
            self.upstream.port or (443 if self.upstream.scheme == "https" else 80),
            tls=ssl.create_default_context() if self.upstream.scheme == "https" else None,
            limit=config.upstream_connections,
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            total_timeout=config.total_timeout,
            keepalive_timeout=config.keepalive_timeout,
        )
        server = _ProblemServer(
            self._handle,
            max_line_size=config.max_line_size,
            max_field_size=config.max_field_size,
            max_headers=config.max_headers,
            keepalive_timeout=config.keepalive_timeout,
            auto_decompress=False,
            access_log=None,
        )
        self._runner = web.ServerRunner(server, shutdown_timeout=config.shutdown_timeout)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, config.host, config.port, reuse_port=config.reuse_port or None
        )
        await site.start()
        self.port = bound_port(self._runner)
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
        if self._runner is not None:
            await self._runner.cleanup()
        if self._metrics_runner is not None:
            await self._metrics_runner.cleanup()
        if self._pool is not None:
            await self._pool.close()
        if self._learn_job is not None:
            with contextlib.suppress(Exception):
                await self._learn_job
        await asyncio.to_thread(self.core.close)
        self.core.log.event("gate-stopped", listen=self.url)

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

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if self._in_flight >= self.config.max_in_flight:
            return problem_response(
                problem("overloaded", request_id_of(request.headers.get(REQUEST_ID_HEADER)))
            )
        self._in_flight += 1
        try:
            return await self._exchange(request)
        finally:
            self._in_flight -= 1

    async def _exchange(self, request: web.BaseRequest) -> web.StreamResponse:
        core = self.core
        limit = core.body_limit
        path, query = split_target(request.raw_path)
        prefix, ended, state = b"", True, BodyState.COMPLETE
        if request.body_exists:
            if request.headers.get("expect", "").lower() == "100-continue":
                await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                async with asyncio.timeout(self.config.body_timeout):
                    prefix, ended = await read_prefix(request.content, limit)
            except TimeoutError:
                return problem_response(
                    problem("body-timeout", request_id_of(request.headers.get(REQUEST_ID_HEADER)))
                )
            state = bounded_state(len(prefix), limit, ended, request.content_length is not None)
        tx = core.inspect_request(
            Request(
                method=request.method,
                path=path,
                query=query,
                headers=[(name.lower(), value) for name, value in request.headers.items()],
                body=prefix[:limit],
                body_state=state,
                client=request.remote or "",
            )
        )
        if tx.blocked:
            core.finish(tx)
            return problem_response(core.blocked(tx))
        if not path.startswith("/"):
            core.finish(tx)
            return problem_response(problem("bad-request", tx.request_id))
        data: bytes | AsyncIterator[bytes] | None = None
        if request.body_exists:
            data = prefix if ended else _replay(prefix, request.content)
        target = _ascii_target(path + (f"?{query}" if query else ""))
        return await self._forward(request, tx, target, data)

    def _upstream_headers(self, request: web.BaseRequest, tx: Transaction) -> list[tuple[str, str]]:
        headers = list(end_to_end(request.headers.items(), _NOT_FORWARDED | _FRAMING))
        if "Host" not in request.headers:
            headers.append(("Host", self._host_header))
        headers.append((REQUEST_ID_HEADER, tx.request_id))
        headers.append(
            (
                "X-Forwarded-For",
                forwarded_for(request.headers.get("X-Forwarded-For"), request.remote or ""),
            )
        )
        headers.append(("X-Forwarded-Proto", request.scheme))
        if request.host:
            headers.append(("X-Forwarded-Host", request.host))
        return headers

    async def _forward(
        self,
        request: web.BaseRequest,
        tx: Transaction,
        target: str,
        data: bytes | AsyncIterator[bytes] | None,
    ) -> web.StreamResponse:
        core = self.core
        assert self._pool is not None
        streamed = data is not None and not isinstance(data, bytes)
        if data is None and request.method in _BODY_METHODS:
            data = b""
        started = time.perf_counter()
        try:
            upstream = await self._pool.request(
                request.method,
                target,
                self._upstream_headers(request, tx),
                data,
                request.content_length if streamed else None,
            )
        except UpstreamFailure as exc:
            return self._failed(tx, exc)
        try:
            latency_ms = (time.perf_counter() - started) * 1000.0
            length = upstream.content_length
            buffered = is_json(upstream.header("Content-Type")) or (
                length is not None and length <= core.body_limit
            )
            body, ended = b"", False
            if buffered:
                try:
                    body, ended = await upstream.read_prefix(core.body_limit)
                except UpstreamFailure as exc:
                    return self._failed(tx, exc)
            state = (
                BodyState.COMPLETE
                if ended
                else (BodyState.TRUNCATED if length is not None else BodyState.UNKNOWN_LENGTH)
            )
            decision = core.inspect_response(
                tx,
                Response(
                    status=upstream.status,
                    headers=[(name.lower(), value) for name, value in upstream.headers],
                    body=body[: core.body_limit],
                    body_state=state,
                    latency_ms=latency_ms,
                ),
            )
            if decision.blocked:
                core.finish(tx)
                return problem_response(problem("response-blocked", tx.request_id))
            returned = CIMultiDict(end_to_end(upstream.headers, _NOT_RETURNED))
            returned[REQUEST_ID_HEADER] = tx.request_id
            if ended and request.method != "HEAD":
                core.finish(tx, learn=False)
                self._learn_soon()
                return web.Response(
                    status=upstream.status, reason=upstream.reason, headers=returned, body=body
                )
            out = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            out.headers.extend(returned)
            if length is not None:
                out.content_length = length
            try:
                await out.prepare(request)
                if body:
                    await out.write(body)
                if not ended:
                    while chunk := await upstream.read():
                        await out.write(chunk)
                await out.write_eof()
            except UpstreamFailure as exc:
                self.core.metrics.upstream_error(exc.kind)
                core.log.event(
                    "upstream-error", level="warning", request_id=tx.request_id, kind=exc.kind
                )
                if request.transport is not None:
                    request.transport.close()
                return out
            except ConnectionResetError:
                core.finish(tx, learn=False)
                return out
            core.finish(tx, learn=False)
            self._learn_soon()
            return out
        finally:
            upstream.release()

    def _failed(self, tx: Transaction, exc: UpstreamFailure) -> web.Response:
        self.core.metrics.upstream_error(exc.kind)
        self.core.log.event(
            "upstream-error",
            level="warning",
            request_id=tx.request_id,
            kind=exc.kind,
            error=str(exc),
        )
        self.core.finish(tx, learn=False)
        return problem_response(
            problem(
                "upstream-timeout" if exc.kind == "timeout" else "upstream-unavailable",
                tx.request_id,
            )
        )


async def start_proxy(core: GateCore, config: ProxyConfig) -> GateProxy:
    """Start a proxy on the running loop; ``await proxy.close()`` stops it and saves the policy.

    With ``port=0`` the OS picks a free port, readable as ``proxy.port`` once this returns.
    """
    proxy = GateProxy(core, config)
    await proxy.start()
    return proxy
