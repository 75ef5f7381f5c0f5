"""Request ids and the gate's own answers (RFC 9457 problem+json), shared by every adapter.

An answer the gate makes itself (a block, an upstream failure, a protocol error) is a problem
document that names its kind and carries the request id, and nothing else: its detail text is
generic on purpose, so clients learn that and when they were refused, never why, and the
policy cannot be probed through the gate's answers. Request ids come from the client's
``x-request-id`` when it is well-formed, else from ``os.urandom`` drawn in batches.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import orjson

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
PROBLEM_TYPE = "https://vigil.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True, slots=True)
class Problem:
    """A ready-to-send RFC 9457 problem answer: status, headers and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


_PROBLEMS: dict[str, tuple[int, str, str]] = {
    "request-blocked": (403, "Request blocked", "The request was refused by the security gate."),
    "response-blocked": (
        502,
        "Response blocked",
        "The upstream answer was withheld by the security gate.",
    ),
    "upstream-unavailable": (
        502,
        "Upstream unavailable",
        "The upstream service could not be reached.",
    ),
    "upstream-timeout": (504, "Upstream timeout", "The upstream service did not answer in time."),
    "overloaded": (503, "Gate overloaded", "Too many requests are in progress; retry later."),
    "too-many-requests": (
        429,
        "Too many requests",
        "This client has too many requests in progress; retry later.",
    ),
    "route-busy": (
        503,
        "Route busy",
        "Too many requests to this resource are in progress; retry later.",
    ),
    "body-timeout": (408, "Request body timeout", "The request body was not received in time."),
    "bad-request": (400, "Bad request", "The request could not be forwarded."),
    "ambiguous-request": (
        400,
        "Ambiguous request",
        "The request can be read in more than one way; the gate does not forward it.",
    ),
    "malformed-request": (400, "Malformed request", "The request is not valid HTTP/1.1."),
    "not-implemented": (
        501,
        "Not implemented",
        "The request uses a transfer coding the gate does not implement.",
    ),
    "request-too-large": (
        431,
        "Request header fields too large",
        "The request line or a header exceeds the gate's bounds.",
    ),
    "internal-error": (500, "Internal error", "The gate failed to handle the request."),
}


RETRY_STATUSES = frozenset({429, 503})
"""Statuses that tell the client to come back: they carry ``Retry-After``."""

RETRY_AFTER = "1"
"""Seconds a refused client is asked to wait (RFC 9110 ``Retry-After``)."""


def problem(kind: str, request_id: str) -> Problem:
    """The problem+json answer of ``kind`` (e.g. ``request-blocked``), carrying the request id.

    The detail text is generic on purpose: clients learn that and when they were refused, never
    why, so the policy cannot be probed through the gate's answers.
    """
    status, title, detail = _PROBLEMS[kind]
    body = orjson.dumps(
        {
            "type": PROBLEM_TYPE + kind,
            "title": title,
            "status": status,
            "detail": detail,
            "request_id": request_id,
        }
    )
    headers: tuple[tuple[str, str], ...] = (
        ("content-type", PROBLEM_CONTENT_TYPE),
        ("cache-control", "no-store"),
        (REQUEST_ID_HEADER, request_id),
    )
    if status in RETRY_STATUSES:
        headers = (*headers, ("retry-after", RETRY_AFTER))
    return Problem(status, headers, body)


ID_BATCH = 256
"""Request ids drawn from one ``os.urandom`` call; the unused ones are dropped in a forked child."""

_ids: list[str] = []


def _forget_ids() -> None:
    _ids.clear()


os.register_at_fork(after_in_child=_forget_ids)


def new_request_id() -> str:
    """A fresh id: 32 hex digits from ``os.urandom``, drawn in batches (one syscall per batch)."""
    try:
        return _ids.pop()
    except IndexError:
        pool = os.urandom(16 * ID_BATCH).hex()
        _ids.extend(pool[i : i + 32] for i in range(32, len(pool), 32))
        return pool[:32]


def request_id_of(incoming: str | None) -> str:
    """The client's ``x-request-id`` when well-formed (1-128 safe characters), else a new one."""
    if incoming is not None and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return new_request_id()
