"""The learner's error answers: RFC 9457 problem+json, one kind per stable code.

Every refusal of the learner (bad credentials, a body over a bound, a malformed batch, an
unknown service or route, an overloaded store) is a problem document with a stable ``type``,
a title, the status, and a ``detail`` that says what to fix. Unlike the gate's answers to
clients, these go to gates and operators, so the detail is specific ("the batch holds 1500
observations; the bound is 1000"). An aiohttp error raised anywhere (404, 405, 413) becomes one
too, through :func:`problem_middleware`, which also bounds every handler's time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

import orjson
from aiohttp import web

PROBLEM_TYPE = "https://vigil.dev/problems/learner/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class Kind(StrEnum):
    """Stable problem kinds (the last part of the problem ``type``)."""

    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not-found"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    TOO_LARGE = "too-large"
    INVALID = "invalid"
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    BOUND_REACHED = "bound-reached"
    CONFLICT = "conflict"
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal-error"


_TITLES: dict[Kind, tuple[int, str]] = {
    Kind.UNAUTHENTICATED: (401, "Authentication required"),
    Kind.FORBIDDEN: (403, "Forbidden"),
    Kind.NOT_FOUND: (404, "Not found"),
    Kind.METHOD_NOT_ALLOWED: (405, "Method not allowed"),
    Kind.TOO_LARGE: (413, "Content too large"),
    Kind.INVALID: (422, "Invalid content"),
    Kind.UNSUPPORTED_MEDIA_TYPE: (415, "Unsupported media type"),
    Kind.BOUND_REACHED: (429, "A bound of the learner is reached"),
    Kind.CONFLICT: (409, "Conflict"),
    Kind.TIMEOUT: (503, "Handler timeout"),
    Kind.UNAVAILABLE: (503, "Unavailable"),
    Kind.INTERNAL: (500, "Internal error"),
}


class ProblemError(Exception):
    """Raised by handlers: becomes the problem answer of ``kind`` with ``detail``."""

    def __init__(
        self,
        kind: Kind,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra or {}

    @property
    def status(self) -> int:
        """The HTTP status of the kind."""
        return _TITLES[self.kind][0]

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.kind, self.detail, self.headers, self.extra))


def _rebuild(
    kind: Kind, detail: str, headers: dict[str, str], extra: dict[str, Any]
) -> ProblemError:
    """A ProblemError unpickled (it crosses from the process that checked a batch)."""
    return ProblemError(kind, detail, headers=headers, extra=extra)


def problem_response(
    kind: Kind,
    detail: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> web.Response:
    """A problem+json response of ``kind``."""
    status, title = _TITLES[kind]
    body = {"type": PROBLEM_TYPE + kind.value, "title": title, "status": status, "detail": detail}
    if extra:
        body.update(extra)
    return web.Response(
        status=status,
        body=orjson.dumps(body),
        headers={
            "Content-Type": PROBLEM_CONTENT_TYPE,
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )


_HTTP_KINDS = {
    404: Kind.NOT_FOUND,
    405: Kind.METHOD_NOT_ALLOWED,
    413: Kind.TOO_LARGE,
    415: Kind.UNSUPPORTED_MEDIA_TYPE,
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TIMEOUT_SCOPE: web.RequestKey[asyncio.Timeout] = web.RequestKey("timeout_scope", asyncio.Timeout)
"""The handler's time bound; a long poll reschedules it by its own wait."""
REQUEST_BYTES: web.AppKey[int] = web.AppKey("request_bytes", int)
"""The body bound, for the 413 detail."""


def problem_middleware(
    handler_seconds: float, on_error: Callable[[BaseException], None] | None = None
) -> Any:
    """Middleware: problems for every error, and a time bound on every handler.

    A handler may extend its own bound (a long poll) through ``request[TIMEOUT_SCOPE]``.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            async with asyncio.timeout(handler_seconds) as scope:
                request[TIMEOUT_SCOPE] = scope
                return await handler(request)
        except ProblemError as exc:
            return problem_response(exc.kind, exc.detail, exc.headers, exc.extra)
        except TimeoutError:
            return problem_response(
                Kind.TIMEOUT, f"the request was not handled within {handler_seconds:g} s"
            )
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            kind = _HTTP_KINDS.get(exc.status)
            if kind is None:
                kind = Kind.INVALID if exc.status < 500 else Kind.INTERNAL
            detail = exc.text or exc.reason
            if exc.status == 413:
                detail = f"the request body is over the bound of {request.app[REQUEST_BYTES]} bytes"
            return problem_response(kind, detail)
        except Exception as exc:
            if on_error is not None:
                on_error(exc)
            return problem_response(Kind.INTERNAL, "the learner failed to handle the request")

    return middleware
