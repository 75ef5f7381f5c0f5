"""What a gate posts, read and checked before anything is stored.

A batch is read up to ``request_bytes`` (a ``Content-Length`` over it is refused before a byte
is read; a gzip body is inflated up to the same bound, so a small bomb is refused too), parsed
and validated in one pass against the wire schema (:mod:`vigil.learner.batch_decoder`, the
msgspec mirror of :class:`vigil.behavior.wire.ObservationBatch`), and
checked against the learner's own bounds: exchanges and alerts per batch, fields per exchange,
and the service named in the path. Only then is it stored, compressed, exactly as it will be
learned. A batch is identified by its ``Idempotency-Key`` header, or else by the digest of its
body, so a gate that retries after a lost answer never counts its observations twice.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zlib
from dataclasses import dataclass

import msgspec
from aiohttp import web

from vigil.behavior.wire import WireError
from vigil.learner.batch_decoder import BatchFast, decode_batch_fast
from vigil.learner.config import Bounds
from vigil.learner.problems import Kind, ProblemError
from vigil.learner.store import AlertRow

JSON_TYPES = frozenset({"application/json"})
IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
GZIP_MAGIC = b"\x1f\x8b"
STORED_LEVEL = 1
"""zlib level of stored bodies (fast; JSON of profiles shrinks several times)."""


def _too_large(detail: str) -> ProblemError:
    return ProblemError(Kind.TOO_LARGE, detail)


@dataclass(frozen=True, slots=True)
class Body:
    """A request body as received: its bytes and whether they are gzip."""

    data: bytes
    gzip: bool


async def read_body(request: web.Request, bound: int) -> Body:
    """The request body as sent (gzip or not), refused with 413 past ``bound`` bytes.

    A gzip body is inflated later (:func:`check_batch`, off the event loop), within the same
    bound.
    """
    length = request.content_length
    if length is not None and length > bound:
        raise _too_large(f"the body announces {length} bytes; the bound is {bound}")
    content_type = request.content_type
    if content_type not in JSON_TYPES:
        raise ProblemError(
            Kind.UNSUPPORTED_MEDIA_TYPE, f"expected application/json, got {content_type!r}"
        )
    coding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if coding not in {"", "identity", "gzip"}:
        raise ProblemError(
            Kind.UNSUPPORTED_MEDIA_TYPE, f"Content-Encoding {coding!r}: only gzip is accepted"
        )
    raw = bytearray()
    async for chunk in request.content.iter_chunked(1 << 16):
        raw += chunk
        if len(raw) > bound:
            raise _too_large(f"the body is over the bound of {bound} bytes")
    return Body(bytes(raw), coding == "gzip")


def inflate(data: bytes, bound: int) -> bytes:
    """A gzip body inflated to at most ``bound`` bytes (413 past it, 422 when corrupt)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, bound + 1)
    except zlib.error as exc:
        raise ProblemError(Kind.INVALID, f"the gzip body cannot be inflated: {exc}") from None
    if len(out) > bound or inflater.unconsumed_tail:
        raise _too_large(f"the inflated body is over the bound of {bound} bytes")
    if not inflater.eof:
        raise ProblemError(Kind.INVALID, "the gzip body is cut short")
    if inflater.unused_data:
        raise ProblemError(Kind.INVALID, "the gzip body has data after its end (one member only)")
    return out


@dataclass(frozen=True, slots=True)
class CheckedBatch:
    """A validated batch, ready to be stored."""

    batch_id: str
    gate: str
    count: int
    """Exchanges to learn."""
    stored: bytes
    """The batch as stored: its JSON, gzip-compressed (as the gate sent it, when it did)."""
    alerts: list[AlertRow]


def check_batch(
    posted: Body | bytes, service: str, bounds: Bounds, key: str | None
) -> CheckedBatch:
    """Validate a posted batch for ``service``; ProblemError (413, 422) says what is wrong.

    A gzip body is inflated within ``request_bytes`` and stored as it came; a plain one is
    compressed for storage.
    """
    if isinstance(posted, bytes):
        posted = Body(posted, False)
    body = inflate(posted.data, bounds.request_bytes) if posted.gzip else posted.data
    if key is not None and not _KEY.match(key):
        raise ProblemError(
            Kind.INVALID, f"{IDEMPOTENCY_HEADER} must be 8-128 characters of [A-Za-z0-9._:-]"
        )
    try:
        batch = decode_batch_fast(body)
    except WireError as exc:
        raise ProblemError(Kind.INVALID, f"invalid batch: {exc}") from None
    _within_bounds(batch, service, bounds)
    alerts = [
        AlertRow(
            request_id=alert.request_id,
            time=alert.time,
            route=alert.route,
            verdict=alert.verdict,
            data=msgspec.json.encode(alert),
        )
        for alert in batch.alerts
    ]
    return CheckedBatch(
        batch_id=key if key is not None else "sha256:" + hashlib.sha256(body).hexdigest()[:40],
        gate=batch.gate,
        count=len(batch.exchanges),
        stored=posted.data if posted.gzip else gzip.compress(body, STORED_LEVEL),
        alerts=alerts,
    )


def _within_bounds(batch: BatchFast, service: str, bounds: Bounds) -> None:
    if batch.service != service:
        raise ProblemError(
            Kind.INVALID, f"the batch is for service {batch.service!r}, posted to {service!r}"
        )
    if len(batch.exchanges) > bounds.observations_per_batch:
        raise _too_large(
            f"the batch holds {len(batch.exchanges)} observations; "
            f"the bound is {bounds.observations_per_batch}"
        )
    if len(batch.alerts) > bounds.alerts_per_batch:
        raise _too_large(
            f"the batch holds {len(batch.alerts)} alerts; the bound is {bounds.alerts_per_batch}"
        )
    limit = bounds.fields_per_observation
    for i, exchange in enumerate(batch.exchanges):
        count = len(exchange.fields) + (
            len(exchange.response.fields) if exchange.response is not None else 0
        )
        if count > limit:
            raise _too_large(f"exchanges.{i} has {count} fields; the bound is {limit}")


def stored_json(stored: bytes) -> bytes:
    """The JSON of a stored batch body."""
    return gzip.decompress(stored) if stored[:2] == GZIP_MAGIC else stored


def check_posted(args: tuple[Body, str, Bounds, str | None]) -> CheckedBatch:
    """:func:`check_batch` of one argument tuple (what a checking process receives)."""
    return check_batch(*args)
