"""Forwarding one request: read its bounded body, judge it, pass it upstream, judge the answer.

The proxy's per-request path, apart from its lifecycle (:mod:`vigil.gate.proxy`). A request's
body is read up to the policy's ``body.limit_bytes`` and judged; the rest is streamed through,
never buffered, when the policy fails open, and the request is refused when it fails closed.
The upstream's answer is read up to the same bound when it is JSON or announces a length within
it, judged, and then sent whole, or streamed with back-pressure when it is longer. Each request
takes one of its route's upstream shares (:mod:`vigil.gate.route_limit`) for the whole upstream
exchange, so a hung endpoint cannot hold every pooled connection.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import quote

from vigil.gate.answers import (
    REQUEST_ID_HEADER,
    Problem,
    problem,
    request_id_of,
)
from vigil.gate.core import (
    GateCore,
    Transaction,
    bounded_state,
)
from vigil.gate.exchange import ClientGone, HttpExchange
from vigil.gate.headers import (
    HOP_BY_HOP,
    end_to_end_lower,
    forwarded_for,
    join_repeated,
    narrow_accept_encoding,
)
from vigil.gate.refusals import ANSWERS, Refusal, Refusals
from vigil.gate.route_limit import RouteHints, RouteLimiter, route_key
from vigil.gate.server import Answer
from vigil.gate.upstream import UpstreamFailure, UpstreamPool, UpstreamResponse
from vigil.http.ambiguity import SINGLETON_HEADERS
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


class Forwarder:
    """Handles requests for the listener: ``await forwarder(exchange)``."""

    def __init__(
        self,
        core: GateCore,
        pool: UpstreamPool,
        *,
        host_header: str,
        body_timeout: float,
        learned: Callable[[], None],
        routes: RouteLimiter | None = None,
        route_wait: float = 5.0,
        refusals: Refusals | None = None,
    ) -> None:
        self.core = core
        self._pool = pool
        self._host_header = host_header
        self._body_timeout = body_timeout
        self._learned = learned
        self._routes = routes
        self._route_wait = route_wait
        self._hints = RouteHints()
        self.refusals = refusals if refusals is not None else Refusals()

    async def __call__(self, exchange: HttpExchange) -> None:
        """Judge ``exchange``, forward it and answer it: blocked, failed or proxied."""
        core = self.core
        limit = core.body_limit
        exchange.headers = join_repeated(exchange.headers, SINGLETON_HEADERS)
        path, query = split_target(exchange.target)
        routes = self._routes
        if routes is not None and routes.saturated:
            hint = self._hints.get(exchange.method, path, core.engine.policy.version)
            if hint is not None and routes.full(hint):
                self._route_busy(exchange, hint, Refusal.ROUTE_CONCURRENCY, None)
                return
        prefix, ended, state = b"", True, BodyState.COMPLETE
        if exchange.with_body:
            try:
                async with asyncio.timeout(self._body_timeout):
                    prefix, ended = await read_prefix(exchange, limit)
            except TimeoutError:
                self.refusals.count(Refusal.BODY_TIMEOUT)
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
        if routes is None:
            await self._forward(exchange, tx, target, data)
            return
        policy = core.engine.policy
        key = route_key(tx.decision.route, policy.routes)
        if not routes.try_take(key):
            self._hints.remember(exchange.method, path, policy.version, key)
            refusal = await routes.acquire(key, self._route_wait)
            if refusal is not None:
                self._route_busy(exchange, key, refusal, tx)
                return
        try:
            await self._forward(exchange, tx, target, data)
        finally:
            routes.release(key)

    def _route_busy(
        self, exchange: HttpExchange, key: str, refusal: Refusal, tx: Transaction | None
    ) -> None:
        """Refuse a request whose route had its upstream share (before or after inspection)."""
        self.refusals.count(refusal)
        self.core.metrics.route_refused(key)
        if tx is not None:
            self.core.finish(tx, learn=False)
            request_id = tx.request_id
        else:
            request_id = request_id_of(exchange.header(REQUEST_ID_HEADER))
        send_problem(exchange, problem(ANSWERS[refusal] or "route-busy", request_id))
        exchange.connection.hold_off()

    def _upstream_headers(self, exchange: HttpExchange, tx: Transaction) -> list[tuple[str, str]]:
        headers = narrow_accept_encoding(end_to_end_lower(exchange.headers, _NOT_FORWARDED))
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
            self._learned()
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
        self._learned()

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
