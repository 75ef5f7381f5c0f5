"""Errors raised while reading Kubernetes manifests.

A manifest error must tell an operator, on one line, which file, which object and which field is
wrong, so the loader wraps the field-level `FieldError` raised by decoders into a `ManifestError`.
"""

from __future__ import annotations


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
        super().__init__(": ".join(parts))
        self.source = source
        self.obj = obj
        self.path = path
        self.message = message
