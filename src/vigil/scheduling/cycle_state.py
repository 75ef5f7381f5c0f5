"""Per-cycle plugin state (``framework.CycleState``).

PreFilter and PreScore compute per-pod data once and Filter/Score read it for every node.
Preemption evaluates hypothetical node states, so the state can be cloned; values that are
mutated by PreFilter extensions implement `StateData.clone`.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")


@runtime_checkable
class StateData(Protocol):
    """A value stored in the cycle state that knows how to copy itself."""

    def clone(self) -> Any:
        """A copy that can be mutated without affecting this one."""


class CycleState:
    """Key-value store shared by the plugins of one scheduling cycle."""

    __slots__ = ("_data", "skip_filter_plugins", "skip_score_plugins")

    def __init__(self) -> None:
        self._data: dict[str, object] = {}
        self.skip_filter_plugins: set[str] = set()
        self.skip_score_plugins: set[str] = set()

    def write(self, key: str, value: object) -> None:
        """Store ``value`` under ``key``."""
        self._data[key] = value

    def read(self, key: str, kind: type[T]) -> T | None:
        """The value under ``key`` if it is of type ``kind``, else None."""
        value = self._data.get(key)
        return value if isinstance(value, kind) else None

    def clone(self) -> CycleState:
        """A copy whose `StateData` values are cloned and whose other values are shared."""
        copy = CycleState()
        copy._data = {
            k: v.clone() if isinstance(v, StateData) else v for k, v in self._data.items()
        }
        copy.skip_filter_plugins = set(self.skip_filter_plugins)
        copy.skip_score_plugins = set(self.skip_score_plugins)
        return copy
