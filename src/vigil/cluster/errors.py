"""Errors raised while reading Kubernetes manifests, and how values are quoted in them.

A manifest error must tell an operator, on one line, which file, which object and which field is
wrong, so the loader wraps the field-level `FieldError` raised by decoders into a `ManifestError`.
Values quoted in a message come from untrusted files: `quote` bounds them, so a hostile value can
neither flood a terminal nor hide the rest of the line.
"""

from __future__ import annotations

import json
from typing import Any

QUOTE_LIMIT = 60
"""Characters of a value's repr kept in an error message."""


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """A value as an error message shows it, cut to ``limit`` characters.

    Strings are double-quoted with control characters escaped (as Go's ``%q`` shows them in
    Kubernetes' messages), other scalars as written. Containers are not rendered at all (a
    decoded alias bomb would take gigabytes): a mapping or a list is named by its size.
    """
    if isinstance(value, dict):
        return f"an object with {len(value)} key(s)"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item(s)"
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


class FieldError(ValueError):
    """A field of one object is invalid; ``path`` is the JSON-path-like field location."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class ManifestError(ValueError):
    """An object of a manifest file is invalid.

    ``str()`` is one line: ``<file>: <object>: <field>: <message>``, where object is
    ``Kind namespace/name`` (or ``document N`` when the object has no usable name).
    """

    def __init__(self, source: str, obj: str, path: str, message: str) -> None:
        parts = [p for p in (source, obj, path, message) if p]
        super().__init__(": ".join(parts).replace("\n", " "))
        self.source = source
        self.obj = obj
        self.path = path
        self.message = message
