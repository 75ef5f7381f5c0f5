"""WSGI middleware: the gate inside a synchronous Python service, on the shared core.

The request body is read from ``wsgi.input`` up to the policy's bound (never past
``CONTENT_LENGTH``, and only when a length or a terminated input says a body exists), then
``wsgi.input`` is replaced by a reader that replays what was read followed by the unread
rest. The path is taken raw from ``RAW_URI``/``REQUEST_URI`` when the server provides it and it
decodes to the ``PATH_INFO`` the application routes on, else ``PATH_INFO`` is quoted back; the
query is ``QUERY_STRING``, which the application parses. Responses are judged like in the proxy: JSON bodies and
bodies announced within the bound are collected (up to the bound) before ``start_response``
is called, so an enforcing route can answer 502 instead; other bodies stream through.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any
from urllib.parse import unquote_to_bytes

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
from vigil.http.model import BodyState, Request, Response, split_target

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

CHUNK = 1 << 16


def _text(latin: str) -> str:
    return latin.encode("latin-1", "replace").decode("utf-8", "surrogateescape")


class _ReplayInput(io.RawIOBase):
    """Replays an inspected prefix, then reads at most ``remaining`` bytes more from ``rest``."""

    def __init__(self, prefix: bytes, rest: Any, remaining: int | None) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest
        self._remaining = remaining

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        want = len(view) if self._remaining is None else min(len(view), self._remaining)
        if want <= 0:
            return 0
        data = self._rest.read(want)
        if not data:
            return 0
        view[: len(data)] = data
        if self._remaining is not None:
            self._remaining -= len(data)
        return len(data)


def _read_bounded(stream: Any, want: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while size < want:
        data = stream.read(min(CHUNK, want - size))
        if not data:
            break
        parts.append(data)
        size += len(data)
    return b"".join(parts)


def target_path(environ: dict[str, Any]) -> str:
    """The raw path to inspect: from ``RAW_URI``/``REQUEST_URI`` when it decodes to the path the
    application routes on (``SCRIPT_NAME`` + ``PATH_INFO``), else that path quoted back."""
    routed = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path, _ = split_target(raw)
        if unquote_to_bytes(path).decode("latin-1") == routed:
            return _text(path)
    return requote(_text(routed))


def request_from_environ(environ: dict[str, Any], body: bytes, state: BodyState) -> Request:
    """The Request of a WSGI environ: the raw path when the server kept it, the query string as
    the application parses it, header values as Latin-1 text (as Werkzeug reads them)."""
    headers: list[tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").lower(), str(value)))
        elif key in {"CONTENT_TYPE", "CONTENT_LENGTH"} and value:
            headers.append((key.replace("_", "-").lower(), str(value)))
    return Request(
        method=environ.get("REQUEST_METHOD", "GET"),
        path=target_path(environ),
        query=_text(environ.get("QUERY_STRING", "")),
        headers=headers,
        body=body,
        body_state=state,
        client=environ.get("REMOTE_ADDR", ""),
    )


class VigilWSGIMiddleware:
    """Inspect every request and response of ``app`` with ``gate`` (a GateCore or an Engine)."""

    def __init__(self, app: WSGIApp, gate: GateCore | Engine) -> None:
        self.app = app
        self.core = gate if isinstance(gate, GateCore) else GateCore(gate)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        core = self.core
        limit = core.body_limit
        stream = environ.get("wsgi.input")
        raw_length = str(environ.get("CONTENT_LENGTH") or "").strip()
        length = int(raw_length) if raw_length.isdigit() else None
        prefix, ended, remaining = b"", True, None
        if stream is not None and length is not None:
            prefix = _read_bounded(stream, min(length, limit + 1))
            ended = len(prefix) <= limit
            remaining = max(0, length - len(prefix))
        elif stream is not None and environ.get("wsgi.input_terminated"):
            prefix = _read_bounded(stream, limit + 1)
            ended = len(prefix) <= limit
        state = bounded_state(len(prefix), limit, ended, length is not None)
        tx = core.inspect_request(request_from_environ(environ, prefix[:limit], state))
        if tx.blocked:
            core.finish(tx)
            return _send_problem(start_response, core.blocked(tx))
        if stream is not None:
            environ["wsgi.input"] = io.BufferedReader(_ReplayInput(prefix, stream, remaining))
        environ.setdefault("HTTP_X_REQUEST_ID", tx.request_id)
        offered = environ.get("HTTP_ACCEPT_ENCODING")
        if offered is not None:
            narrowed = inspectable_accept_encoding(str(offered))
            if narrowed is None:
                del environ["HTTP_ACCEPT_ENCODING"]
            else:
                environ["HTTP_ACCEPT_ENCODING"] = narrowed
        return _respond(core, tx, self.app, environ, start_response)


def _send_problem(
    start_response: StartResponse, answer: Problem, exc_info: Any = None
) -> list[bytes]:
    headers = [*answer.headers, ("content-length", str(len(answer.body)))]
    status = f"{answer.status} {'Forbidden' if answer.status == 403 else 'Bad Gateway'}"
    start_response(status, headers, exc_info)
    return [answer.body]


def _respond(
    core: GateCore,
    tx: Transaction,
    app: WSGIApp,
    environ: dict[str, Any],
    start_response: StartResponse,
) -> Iterable[bytes]:
    started = time.perf_counter()
    captured: list[Any] = []
    written: list[bytes] = []

    def capture(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        captured[:] = [status, headers, exc_info, (time.perf_counter() - started) * 1000.0]
        return written.append

    result = app(environ, capture)
    iterator = iter(result)
    held, size, ended = list(written), sum(map(len, written)), False
    limit = core.body_limit
    buffer = True
    while True:
        if captured:
            headers = [(k.lower(), v) for k, v in captured[1]]
            announced = next((v for k, v in headers if k == "content-length"), None)
            known = int(announced) if announced is not None and announced.isdigit() else None
            buffer = is_json(next((v for k, v in headers if k == "content-type"), "")) or (
                known is not None and known <= limit
            )
            if not buffer or size > limit:
                break
        try:
            chunk = next(iterator)
        except StopIteration:
            ended = True
            break
        held.append(chunk)
        size += len(chunk)
    if not captured:
        raise RuntimeError("WSGI application returned without calling start_response")
    status_line, raw_headers, exc_info, latency_ms = captured
    headers = [(k.lower(), v) for k, v in raw_headers]
    body = b"".join(held)
    if ended:
        state = BodyState.COMPLETE
    else:
        has_length = any(k == "content-length" for k, _ in headers)
        state = BodyState.TRUNCATED if has_length else BodyState.UNKNOWN_LENGTH
    decision = core.inspect_response(
        tx,
        Response(
            status=int(status_line.split(" ", 1)[0]),
            headers=headers,
            body=body[:limit] if buffer else b"",
            body_state=state,
            latency_ms=latency_ms,
        ),
    )
    if decision.blocked:
        _close(result)
        core.finish(tx)
        return _send_problem(start_response, problem("response-blocked", tx.request_id), exc_info)
    if not any(k == REQUEST_ID_HEADER for k, _ in headers):
        raw_headers = [*raw_headers, (REQUEST_ID_HEADER, tx.request_id)]
    start_response(status_line, raw_headers, exc_info)
    return _Body(core, tx, held=held, rest=iterator, result=result, ended=ended)


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


class _Body:
    """The response iterable handed to the server: held chunks, then the app's rest."""

    def __init__(
        self,
        core: GateCore,
        tx: Transaction,
        *,
        held: list[bytes],
        rest: Iterator[bytes],
        result: Iterable[bytes],
        ended: bool,
    ) -> None:
        self._core = core
        self._tx = tx
        self._held = held
        self._rest = rest
        self._result = result
        self._ended = ended

    def __iter__(self) -> Iterator[bytes]:
        yield from self._held
        self._held = []
        if not self._ended:
            yield from self._rest
            self._ended = True

    def close(self) -> None:
        """Close the app's iterable (PEP 3333) and learn from a completed exchange."""
        try:
            _close(self._result)
        finally:
            if self._ended:
                self._core.finish(self._tx)
