"""Typed, path-aware access to one decoded YAML object.

Decoders read manifests through `Fields` so that every type error carries the exact field path
(``spec.containers[0].resources.requests.cpu``) that the final `ManifestError` reports. The path
is only built when an error needs it: a nested `Fields` keeps its parent and its key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any

from vigil.cluster.errors import FieldError, quote
from vigil.cluster.quantity import QuantityError, parse_quantity

KEY_LIMIT = 80
"""Characters of a map key kept in a field path (keys come from the file, like values)."""


def _join(path: str, key: str) -> str:
    if len(key) > KEY_LIMIT:
        key = f"{key[:KEY_LIMIT]}...({len(key)} characters)"
    return f"{path}.{key}" if path else key


class Fields:
    """A mapping read at a known path; getters validate types and raise `FieldError`."""

    __slots__ = ("_key", "_parent", "_path", "data")

    def __init__(
        self,
        data: Mapping[str, Any],
        path: str = "",
        *,
        parent: Fields | None = None,
        key: str = "",
    ) -> None:
        self.data = data
        self._path: str | None = path if parent is None else None
        self._parent = parent
        self._key = key

    @property
    def path(self) -> str:
        """Where this object is (``spec.containers[0]``)."""
        if self._path is None:
            assert self._parent is not None
            self._path = _join(self._parent.path, self._key)
        return self._path

    def at(self, key: str) -> str:
        """The path of ``key`` below this object."""
        return _join(self.path, key)

    def child(self, key: str, data: Mapping[str, Any]) -> Fields:
        """The object ``data`` found at ``key`` (``items[3]`` for a list item)."""
        return Fields(data, parent=self, key=key)

    def has(self, key: str) -> bool:
        """Whether the key is present and not null."""
        return self.data.get(key) is not None

    def error(self, key: str, message: str) -> FieldError:
        """A `FieldError` located at ``key``."""
        return FieldError(self.at(key), message)

    def string(self, key: str, default: str = "") -> str:
        """A string field."""
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {quote(value)}")
        return value

    def required_str(self, key: str) -> str:
        """A string field that must be present and non-empty."""
        value = self.string(key)
        if not value:
            raise self.error(key, "required")
        return value

    def opt_str(self, key: str) -> str | None:
        """A string field, None when absent."""
        return self.string(key) if self.has(key) else None

    def opt_int(self, key: str) -> int | None:
        """An integer field, None when absent."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {quote(value)}")
        if not -(2**63) <= value < 2**63:
            raise self.error(key, f"{value} does not fit a 64-bit integer")
        return value

    def opt_int32(self, key: str) -> int | None:
        """An ``int32`` field (priorities, replicas), None when absent; a value the API
        server's decoder could not hold is an error."""
        value = self.opt_int(key)
        if value is not None and not -(2**31) <= value < 2**31:
            raise self.error(key, f"{value} does not fit a 32-bit integer")
        return value

    def integer(self, key: str, default: int = 0) -> int:
        """An integer field."""
        value = self.opt_int(key)
        return default if value is None else value

    def boolean(self, key: str, default: bool = False) -> bool:
        """A boolean field."""
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"expected a boolean, got {quote(value)}")
        return value

    def int_or_str(self, key: str) -> int | str | None:
        """An IntOrString field (``3`` or ``"30%"``)."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.error(key, f"expected an integer or a percentage, got {quote(value)}")
        if isinstance(value, int) and not -(2**31) <= value < 2**31:
            raise self.error(key, f"{value} does not fit a 32-bit integer")
        digits = value[:-1] if isinstance(value, str) else ""
        if isinstance(value, str) and not (
            value.endswith("%") and digits.isascii() and digits.isdigit()
        ):
            raise self.error(
                key, f"invalid value {quote(value)}: expected an integer or a percentage"
            )
        return value

    def time(self, key: str) -> datetime | None:
        """An RFC 3339 timestamp field."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value
        if not isinstance(value, str):
            raise self.error(key, f"expected a timestamp, got {quote(value)}")
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.error(key, f"invalid timestamp {quote(value)}") from None

    def obj(self, key: str) -> Fields | None:
        """A nested object, None when absent."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict | Mapping):
            raise self.error(key, f"expected an object, got {type(value).__name__}")
        return Fields(value, parent=self, key=key)

    def objs(self, key: str) -> list[Fields]:
        """A list of objects (empty when absent)."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"expected a list, got {type(value).__name__}")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict | Mapping):
                raise FieldError(f"{self.at(key)}[{i}]", "expected an object")
            out.append(Fields(item, parent=self, key=f"{key}[{i}]"))
        return out

    def strs(self, key: str) -> tuple[str, ...]:
        """A list of strings (empty when absent)."""
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.error(key, f"expected a list, got {type(value).__name__}")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise FieldError(f"{self.at(key)}[{i}]", f"expected a string, got {quote(item)}")
        return tuple(value)

    def str_map(self, key: str) -> dict[str, str]:
        """A string-to-string map such as labels (empty when absent)."""
        sub = self.obj(key)
        if sub is None:
            return {}
        for k, v in sub.data.items():
            if not isinstance(v, str):
                raise FieldError(sub.at(str(k)), f"expected a string, got {quote(v)}")
        return {str(k): v for k, v in sub.data.items()}

    def quantities(self, key: str) -> dict[str, Fraction]:
        """A resource list (``requests``, ``allocatable``) parsed into exact quantities."""
        sub = self.obj(key)
        if sub is None:
            return {}
        out: dict[str, Fraction] = {}
        for name, raw in sub.data.items():
            try:
                out[str(name)] = parse_quantity(raw)
            except (QuantityError, TypeError):
                raise FieldError(sub.at(str(name)), f"invalid quantity {quote(raw)}") from None
        return out
