"""A request/response model independent of any server library.

Every adapter (reverse proxy, ASGI, WSGI, data-set readers) converts what it received into these
plain values, so the inspection core sees one shape and never a socket. Values are kept raw (as
received on the wire, percent-encoding included): normalisation is the profiler's job, because
the way a value was encoded is itself evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class BodyState(Enum):
    """How much of a body the adapter could hand to the core."""

    COMPLETE = "complete"
    """The whole body is in ``body``."""
    TRUNCATED = "truncated"
    """The body was longer than the configured bound; ``body`` holds its first bytes."""
    UNKNOWN_LENGTH = "unknown-length"
    """The length was not announced and reading stopped at the bound or was not attempted."""
    UNDECODABLE = "undecodable"
    """The body's ``Content-Encoding`` is not one the engine undoes, or its data is corrupt."""


class _HeaderLookup:
    """Header access shared by requests and responses (names are stored lower-case)."""

    __slots__ = ()
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key == lname:
                return value
        return None

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case; empty when absent."""
        raw = self.header("content-type") or ""
        return raw.split(";", 1)[0].strip().lower()


@dataclass(slots=True)
class Request(_HeaderLookup):
    """One HTTP request as seen by a gate.

    ``path`` and ``query`` are raw (still percent-encoded); ``headers`` keeps order and repeats,
    with lower-case names.
    """

    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    body_state: BodyState = BodyState.COMPLETE
    client: str = ""
    request_id: str = ""
    received_at: float = 0.0
    """Seconds since the epoch when the gate received the request (0 when unknown)."""


@dataclass(slots=True)
class Response(_HeaderLookup):
    """One HTTP response as seen by a gate, with the upstream's latency in milliseconds."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    body_state: BodyState = BodyState.COMPLETE
    latency_ms: float = 0.0


_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+-.")


def is_absolute_form(target: str) -> bool:
    """Whether a request target is in absolute form (RFC 9112 section 3.2.2): ``scheme://...``.

    Only a target that starts with a URI scheme qualifies; an origin-form target starts with
    ``/`` whatever its query holds (``/s?next=http://x`` is origin-form).
    """
    if target.startswith("/"):
        return False
    scheme, sep, _ = target.partition("://")
    return (
        bool(sep)
        and scheme[:1].isascii()
        and scheme[:1].isalpha()
        and all(c in _SCHEME_CHARS for c in scheme.lower())
    )


def split_target(target: str) -> tuple[str, str]:
    """Split a request target into raw path and raw query.

    Absolute-form targets (``http://host/p?q``) are reduced to their path, as a proxy receives
    them from clients that talk to it as a forward proxy; see :func:`is_absolute_form`.
    """
    if is_absolute_form(target):
        authority = target.index("://") + 3
        end = len(target)
        for mark in "/?#":
            found = target.find(mark, authority)
            if 0 <= found < end:
                end = found
        target = target[end:]
        if not target.startswith("/"):
            target = "/" + target
    fragment = target.find("#")
    if fragment >= 0:
        target = target[:fragment]
    path, _, query = target.partition("?")
    return path or "/", query
