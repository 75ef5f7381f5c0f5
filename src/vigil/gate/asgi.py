"""ASGI middleware: the gate inside a Python service, on the same core as the proxy.

Wrapping an ASGI app gives the protection of the sidecar without a network hop. The request
body is buffered up to the policy's bound and replayed to the app through a wrapped
``receive`` (the rest of a longer body streams on untouched); the application gets the header
list the gate inspected, copied before the body was read (uvicorn appends trailer fields to
the scope's list as they arrive); a blocked request gets the same
403 problem+json as the proxy and never reaches the app. Responses are judged like the proxy
judges them: JSON bodies and bodies announced within the bound are held until complete (or the
bound) before the start message is sent, so an enforcing route can replace a blocked response
with a 502; other bodies stream through and are judged on status and headers. Only ``http``
scopes are inspected: ``lifespan`` and ``websocket`` pass through untouched.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import unquote

from vigil.behavior.engine import Engine
from vigil.gate.answers import (
    REQUEST_ID_HEADER,
    Problem,
    problem,
)
from vigil.gate.core import (
    GateCore,
    Transaction,
    bounded_state,
    requote,
)
from vigil.gate.headers import inspectable_accept_encoding
from vigil.http.body import is_json
from vigil.http.model import BodyState, Request, Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def request_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """ASGI header pairs as the gate inspects them: lower-case names, Latin-1 text (as
    Starlette reads them)."""
    return [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw]


def target_path(scope: Scope) -> str:
    """The raw path to inspect: ``raw_path`` when it decodes to the path the application routes
    on (``path``, with or without ``root_path``), else ``path`` quoted back."""
    path = scope.get("path", "/")
    raw = scope.get("raw_path")
    if raw:
        text = _text(raw)
        decoded = unquote(text)
        if decoded in (path, scope.get("root_path", "") + path):
            return text
    return requote(path)


async def send_problem(send: Send, answer: Problem) -> None:
    """Send a problem answer as one ASGI response."""
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
    headers.append((b"content-length", str(len(answer.body)).encode("ascii")))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


class VigilASGIMiddleware:
    """Inspect every HTTP request and response of ``app`` with ``gate``.

    ``gate`` is a :class:`GateCore`, or an :class:`Engine` wrapped in a default core.
    """

    def __init__(self, app: ASGIApp, gate: GateCore | Engine) -> None:
        self.app = app
        self.core = gate if isinstance(gate, GateCore) else GateCore(gate)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        core = self.core
        limit = core.body_limit
        raw_headers = list(scope.get("headers", ()))
        headers = request_headers(raw_headers)
        announced = any(name == "content-length" for name, _ in headers)
        chunks: list[bytes] = []
        size, ended = 0, False
        pending: Message | None = None
        while size <= limit:
            message = await receive()
            if message["type"] != "http.request":
                pending, ended = message, True
                break
            body = message.get("body", b"")
            chunks.append(body)
            size += len(body)
            if not message.get("more_body", False):
                ended = True
                break
        prefix = b"".join(chunks)
        tx = core.inspect_request(
            Request(
                method=scope.get("method", "GET"),
                path=target_path(scope),
                query=_text(scope.get("query_string", b"")),
                headers=headers,
                body=prefix[:limit],
                body_state=bounded_state(size, limit, ended, announced),
                client=(scope.get("client") or ("",))[0] or "",
            )
        )
        if tx.blocked:
            core.finish(tx)
            await send_problem(send, core.blocked(tx))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": prefix, "more_body": not ended}
            if pending is not None:
                return pending
            return await receive()

        inner = dict(scope)
        passed = narrow_accept_encoding(raw_headers)
        if not any(name == REQUEST_ID_HEADER for name, _ in headers):
            passed.append((REQUEST_ID_HEADER.encode(), tx.request_id.encode()))
        inner["headers"] = passed
        capture = _ResponseCapture(core, tx, send)
        await self.app(inner, replay, capture.send)


def narrow_accept_encoding(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """ASGI header pairs with ``Accept-Encoding`` narrowed to codings the engine decodes."""
    kept: list[tuple[bytes, bytes]] = []
    for name, value in raw:
        if name.lower() != b"accept-encoding":
            kept.append((name, value))
            continue
        narrowed = inspectable_accept_encoding(_text(value))
        if narrowed is not None:
            kept.append((name, narrowed.encode("latin-1")))
    return kept


class _ResponseCapture:
    """Wraps ``send``: holds a response until it can be judged, then passes it on."""

    def __init__(self, core: GateCore, tx: Transaction, send: Send) -> None:
        self.core = core
        self.tx = tx
        self._send = send
        self._started = time.perf_counter()
        self._latency_ms = 0.0
        self._start: Message | None = None
        self._held: list[bytes] = []
        self._size = 0
        self._length: int | None = None
        self._decided = False
        self._dropped = False

    async def send(self, message: Message) -> None:
        kind = message.get("type")
        if self._dropped:
            return
        if kind == "http.response.start":
            self._latency_ms = (time.perf_counter() - self._started) * 1000.0
            self._start = message
            headers = [(_text(k).lower(), _text(v)) for k, v in message.get("headers", [])]
            length = next((v for k, v in headers if k == "content-length"), None)
            self._length = int(length) if length is not None and length.isdigit() else None
            content_type = next((v for k, v in headers if k == "content-type"), "")
            limit = self.core.body_limit
            if not (is_json(content_type) or (self._length is not None and self._length <= limit)):
                await self._decide(
                    b"", BodyState.TRUNCATED if self._length else BodyState.UNKNOWN_LENGTH
                )
            return
        if kind != "http.response.body" or self._decided:
            await self._send(message)
            if kind == "http.response.body" and not message.get("more_body", False):
                self.core.finish(self.tx)
            return
        body = message.get("body", b"")
        self._held.append(body)
        self._size += len(body)
        more = bool(message.get("more_body", False))
        limit = self.core.body_limit
        if more and self._size <= limit:
            return
        held = b"".join(self._held)
        self._held = []
        state = (
            BodyState.COMPLETE
            if not more
            else bounded_state(self._size, limit, False, self._length is not None)
        )
        if not await self._decide(held[:limit], state):
            return
        await self._send({"type": "http.response.body", "body": held, "more_body": more})
        if not more:
            self.core.finish(self.tx)

    async def _decide(self, body: bytes, state: BodyState) -> bool:
        assert self._start is not None
        self._decided = True
        start = self._start
        raw_headers = list(start.get("headers", []))
        decision = self.core.inspect_response(
            self.tx,
            Response(
                status=int(start["status"]),
                headers=[(_text(k).lower(), _text(v)) for k, v in raw_headers],
                body=body,
                body_state=state,
                latency_ms=self._latency_ms,
            ),
        )
        if decision.blocked:
            self._dropped = True
            self.core.finish(self.tx)
            await send_problem(self._send, problem("response-blocked", self.tx.request_id))
            return False
        if not any(k.lower() == REQUEST_ID_HEADER.encode() for k, _ in raw_headers):
            raw_headers.append((REQUEST_ID_HEADER.encode(), self.tx.request_id.encode()))
        await self._send({**start, "headers": raw_headers})
        return True
