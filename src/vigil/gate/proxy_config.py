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
    max_in_flight: int = 1024
    """Requests handled at once; beyond it the proxy answers 503 at once."""
    max_connections: int = 4096
    """Open client connections; more are closed as soon as they are accepted."""
    upstream_connections: int = 256
    keepalive_timeout: float = 75.0
    max_line_size: int = 8190
    max_field_size: int = 8190
    max_headers: int = 128
    max_head_size: int = 65536
    head_timeout: float = 10.0
    """Longest wait for a complete request head once it started."""
    shutdown_timeout: float = 10.0
    reuse_port: bool = False
