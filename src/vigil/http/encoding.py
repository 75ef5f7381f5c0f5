"""Content-Encoding undone for inspection, within a bound: gzip and deflate.

A body sent with ``Content-Encoding: gzip`` is, to a profiler that reads the bytes as they are,
noise: the injection inside it would pass unseen while the service decompresses and runs it.
So the engine inspects what the service will read. Decoding is bounded like everything else
here: at most ``limit`` decoded bytes are produced whatever the compression ratio (a
decompression bomb yields ``complete=False`` after ``limit`` bytes, never a large buffer), at
most :data:`MAX_CODINGS` codings are undone, and every gzip member is read (up to
:data:`MAX_GZIP_MEMBERS`), because hiding a payload in a second member is an evasion. Codings this module cannot undo (``br``,
``zstd``, unknown names) and corrupt data come back as an ``error``: the engine then applies
the policy's rule for bodies it cannot inspect, so an encoding is never a silent bypass.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

MAX_CODINGS = 3
"""Codings undone for one body (``gzip, deflate`` is two); more is an error."""

MAX_GZIP_MEMBERS = 16
"""Concatenated gzip members decoded (a service's gunzip reads them all); more is incomplete."""

DECODABLE = frozenset({"gzip", "x-gzip", "deflate", "identity"})
"""Content codings this module undoes (``identity`` is no coding)."""

_GZIP_WBITS = 16 + zlib.MAX_WBITS


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded body: its bytes (at most the limit), whether it is whole, or why it failed."""

    body: bytes
    complete: bool = True
    error: str = ""


def codings(content_encoding: str) -> list[str]:
    """The codings of a ``Content-Encoding`` value in the order they were applied."""
    return [c.strip().lower() for c in content_encoding.split(",") if c.strip()]


def _inflate(data: bytes, wbits: int, limit: int) -> tuple[bytes, bool]:
    engine = zlib.decompressobj(wbits)
    out = engine.decompress(data, limit + 1)
    whole = engine.eof and not engine.unconsumed_tail and len(out) <= limit
    return out[:limit], whole


def _gunzip(data: bytes, limit: int) -> tuple[bytes, bool]:
    out = bytearray()
    for _ in range(MAX_GZIP_MEMBERS):
        engine = zlib.decompressobj(_GZIP_WBITS)
        out += engine.decompress(data, limit + 1 - len(out))
        if len(out) > limit or engine.unconsumed_tail or not engine.eof:
            return bytes(out[:limit]), False
        data = engine.unused_data
        if not data:
            return bytes(out), True
    return bytes(out), False


def _undo(coding: str, data: bytes, limit: int) -> tuple[bytes, bool]:
    if coding in {"gzip", "x-gzip"}:
        return _gunzip(data, limit)
    try:
        return _inflate(data, zlib.MAX_WBITS, limit)
    except zlib.error:
        return _inflate(data, -zlib.MAX_WBITS, limit)


def decode_content(body: bytes, content_encoding: str, limit: int) -> Decoded:
    """Undo ``content_encoding`` on ``body``, producing at most ``limit`` bytes.

    ``complete`` is False when the decoded body is longer than ``limit`` or its compressed
    stream ends early; ``error`` names an unsupported coding or corrupt data.
    """
    applied = [c for c in codings(content_encoding) if c != "identity"]
    if not applied:
        return Decoded(body)
    if len(applied) > MAX_CODINGS:
        return Decoded(b"", False, f"more than {MAX_CODINGS} content codings")
    unsupported = [c for c in applied if c not in DECODABLE]
    if unsupported:
        return Decoded(b"", False, f"unsupported content coding {unsupported[0][:32]!r}")
    data, whole = body, True
    for coding in reversed(applied):
        try:
            data, step_whole = _undo(coding, data, limit)
        except zlib.error:
            return Decoded(b"", False, f"invalid {coding} data")
        whole = whole and step_whole
        if not whole:
            break
    return Decoded(data, whole)
