"""What every versioned vigil document shares: its api version, bounded types, its errors.

Observation batches (:mod:`vigil.behavior.wire`) and statistics snapshots
(:mod:`vigil.behavior.snapshot`) cross process boundaries and outlive processes. Both carry
``apiVersion``, ``kind`` and ``schema`` (the document's version, raised on any incompatible
change), are validated by pydantic v2 before use, refuse unknown fields and schema versions, and
fail with a :class:`WireError` that names the first bad field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

API_VERSION: Literal["vigil.dev/v1"] = "vigil.dev/v1"

MAX_NAME = 1024
"""Characters of a field path, route key or content type."""

Count = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
"""A non-negative, finite count."""
Name = Annotated[str, Field(max_length=MAX_NAME)]
Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
"""A client digest: 64 bits as 16 lower-case hex digits."""


class WireError(ValueError):
    """A document that cannot be read; the message names the field and the problem."""


class DocumentModel(BaseModel):
    """Base of every document model: unknown fields refused, values frozen."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def digest_text(digest: int) -> str:
    """A client digest as written in documents."""
    return f"{digest:016x}"


def route_keys(value: dict[str, object]) -> None:
    """Raise ValueError unless every key reads ``METHOD /path``."""
    for key in value:
        method, _, path = key.partition(" ")
        if not method.isupper() or not path.startswith("/"):
            raise ValueError(f"route key {key!r} must read 'METHOD /path'")


def first_error(exc: ValidationError) -> str:
    """The first validation error as ``where: problem`` (``exchanges.3.time: ...``)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top)"
    return f"{where}: {first['msg']}"
