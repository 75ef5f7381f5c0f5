"""Samples: a learnable exchange reduced to what learning counts, with who showed it and when.

A gate judges an exchange, then hands it to learning as a sample: each field profiled once
(length, character classes, special characters, sequences, shape, run pattern, entropy, and the
value itself only when it is short enough to be an enum value and not a secret), the route's
typed path, content type and response, the client's digest and the time. The same sample feeds
local learning and is what a gate sends to the learner (:mod:`vigil.behavior.wire`), so
learning in one place and merging from many gates count exactly the same things.

Values of fields whose names say they hold secrets (``password``, ``token``, ``authorization``,
cookies...) are never kept: they could not become enum values anyway, and must not reach a
learner's store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vigil.behavior.values import profile_text
from vigil.http.body import BodyField
from vigil.inspection.observation import Observation

VALUE_LIMIT = 64
"""Longest value kept as a candidate enum value (longer values keep only their profile)."""

SECRET_WORDS = (
    "pass", "pwd", "secret", "token", "auth", "credential", "apikey", "api-key", "api_key",
    "session", "csrf", "otp",
)  # fmt: skip
"""Words in a field name that say its values are secret: they are never kept, only profiled."""


@dataclass(frozen=True, slots=True)
class FieldSample:
    """One field of one exchange, profiled."""

    path: str
    kind: str = "value"
    length: int = 0
    """Characters of the value, or the size of a container (object, array, upload)."""
    profiled: bool = True
    """False for containers: only their size is learned."""
    classes: int = 0
    flags: int = 0
    specials: str = ""
    sequences: tuple[str, ...] = ()
    shape: str = ""
    pattern: str | None = None
    """The run pattern, kept for request values of at most :data:`VALUE_LIMIT` characters."""
    value: str | None = None
    """The value itself, kept under the same bound unless the field's name says it is secret."""
    entropy: float | None = None
    """Bits per character, for values of 16 characters or more."""
    grammars: int = 0
    """The value grammars (:class:`~vigil.behavior.grammars.Grammar` bits) the value follows."""
    dangers: int = 0
    """The dangerous structures (:class:`~vigil.behavior.structure.Danger` bits) it contains."""


@dataclass(slots=True)
class ResponseSample:
    """The response of an exchange, profiled (values are never kept)."""

    status: int
    size: int = 0
    latency_ms: float = 0.0
    fields: list[FieldSample] = field(default_factory=list)


@dataclass(slots=True)
class ExchangeSample:
    """One learnable exchange as learning counts it."""

    route: str
    """``METHOD /typed/path`` (``GET /users/{int}``): the key statistics are kept under."""
    client: int
    """The client's digest (:func:`vigil.behavior.identity.client_digest`)."""
    time: float
    """Seconds since the epoch when the gate received the request."""
    content_type: str = ""
    fields: list[FieldSample] = field(default_factory=list)
    response: ResponseSample | None = None


def is_secret(path: str) -> bool:
    """True when a field's values must not be kept (its name says it holds a secret)."""
    if path.startswith("cookie."):
        return True
    lower = path.lower()
    return any(word in lower for word in SECRET_WORDS)


def sample_field(value: BodyField, response: bool = False) -> FieldSample:
    """Profile one field (the profile cache makes repeated values cheap)."""
    if value.size is not None:
        return FieldSample(value.path, value.kind, value.size, profiled=False)
    prof = profile_text(value.text)
    short = not response and prof.length <= VALUE_LIMIT
    return FieldSample(
        path=value.path,
        kind=value.kind,
        length=prof.length,
        classes=prof.classes,
        flags=value.flags,
        specials="".join(sorted(prof.specials)),
        sequences=tuple(sorted(prof.sequences)),
        shape=prof.shape,
        pattern=prof.pattern if short else None,
        value=value.text if short and not is_secret(value.path) else None,
        entropy=prof.entropy if prof.length >= 16 else None,
        grammars=prof.grammars,
        dangers=prof.dangers,
    )


def sample_exchange(
    key: str,
    request: Observation,
    response: Observation | None,
    client: int,
    time: float,
) -> ExchangeSample:
    """The sample of a judged, learnable exchange (``key`` is its ``METHOD /typed/path``)."""
    reply = None
    if response is not None:
        reply = ResponseSample(
            response.status,
            response.body_size,
            response.latency_ms,
            [sample_field(f, response=True) for f in response.fields],
        )
    return ExchangeSample(
        key,
        client,
        time,
        request.content_type,
        [sample_field(f) for f in request.fields],
        reply,
    )
