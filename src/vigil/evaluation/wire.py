"""Requests as the bytes every compared system receives, and read back as the gate reads them.

A comparison is only fair when every system judges the same bytes. :func:`to_wire` writes a
:class:`~vigil.http.model.Request` as one HTTP/1.1 message (the bytes sent to ModSecurity by
``benchmarks/crs_compare.py``), and :func:`from_wire` reads those bytes back with the parser
the gate's listener uses (httptools, URL and headers as Latin-1), so vigil judges exactly what
CRS was sent, in ``vigil eval --compare`` as in the benchmark.

Strings of a request read from a capture hold one character per byte (Latin-1) and go back to
the same bytes; a string holding a character beyond Latin-1 (a request written by hand) is sent
as UTF-8, as an HTTP client sends text. ``Content-Length`` is recomputed from the body and
``Transfer-Encoding`` dropped (bodies are held de-chunked); every other header is kept, in
order, ``Connection`` included; ``Host`` is added when the request has none.
"""

from __future__ import annotations

from vigil.evaluation.rawhttp import CaptureError, parse_request
from vigil.http.model import Request

RECOMPUTED = frozenset({"content-length", "transfer-encoding"})
"""Headers :func:`to_wire` writes itself instead of copying."""
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
"""Methods that announce a length even when their body is empty."""


def _bytes(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def to_wire(request: Request) -> bytes:
    """``request`` as the bytes of one HTTP/1.1 message."""
    target = request.path + ("?" + request.query if request.query else "")
    lines = [_bytes(f"{request.method} {target} HTTP/1.1")]
    has_host = False
    for name, value in request.headers:
        if name in RECOMPUTED:
            continue
        has_host = has_host or name == "host"
        lines.append(_bytes(f"{name}: {value}"))
    if not has_host:
        lines.append(b"host: localhost")
    if request.body or request.method in BODY_METHODS:
        lines.append(b"content-length: %d" % len(request.body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + request.body


def from_wire(raw: bytes) -> Request | None:
    """The request the gate's parser reads from ``raw``; None when it refuses the bytes (the
    gate answers 400 before inspecting)."""
    try:
        return parse_request(raw)
    except CaptureError:
        return None
