"""What the reverse proxy needs to start: its upstream URL, checked, and its bounds.

Kept apart from :mod:`vigil.gate.proxy` so the command line and the worker processes can
validate and pass settings around without importing the proxy's machinery. Every bound is
documented, with its default, in docs/gate.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from yarl import URL


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
    min_body_rate: float = 1024.0
    """Bytes/s a request body must keep up once its grace is used up (0: no minimum)."""
    body_rate_grace: float = 5.0
    """Seconds a request body may lag behind ``min_body_rate``."""
    max_in_flight: int = 1024
    """Requests handled at once; beyond it the proxy answers 503 at once."""
    max_client_in_flight: int = 64
    """Requests handled at once for one client (peer address, IPv6 by /64); beyond it 429
    (0: no cap)."""
    max_receiving: int | None = None
    """Requests handled at once whose body is still arriving (None: half of
    ``max_in_flight``; 0: no cap); beyond it 503 for a request with a body."""
    refusal_hold: float = 1.0
    """Seconds a connection is not read after a 429 or 503 answer (its ``Retry-After``)."""
    max_connections: int = 4096
    """Open client connections; beyond it the oldest idle one is closed to make room, or the
    new one when none is idle."""
    max_client_connections: int = 256
    """Open connections of one client; beyond it that client's oldest idle one is closed, or
    the new one (0: no cap)."""
    upstream_connections: int = 256
    route_concurrency: int | None = None
    """Upstream exchanges of one route at once (None: a quarter of ``upstream_connections``;
    0: no cap)."""
    route_queue: int | None = None
    """Requests of one route waiting for one of its upstream shares, each at most
    ``connect_timeout`` (None: as many as ``route_concurrency``); beyond it 503 at once."""
    keepalive_timeout: float = 75.0
    send_timeout: float = 60.0
    """Longest time a client may take no byte of a full send buffer (not read its answer)."""
    max_line_size: int = 8190
    max_field_size: int = 8190
    max_headers: int = 128
    max_head_size: int = 65536
    head_timeout: float = 10.0
    """Longest wait for a complete request head once it started."""
    first_byte_timeout: float = 10.0
    """Longest wait, from the accept, for the first byte of a connection's first request."""
    shutdown_timeout: float = 10.0
    reuse_port: bool = False

    def route_shares(self) -> tuple[int, int] | None:
        """Each route's upstream share and queue, or None when routes are not capped."""
        if self.route_concurrency == 0:
            return None
        limit = self.route_concurrency or max(1, self.upstream_connections // 4)
        queue = limit if self.route_queue is None else self.route_queue
        return limit, queue
