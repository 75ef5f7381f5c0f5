"""The plugin registry: plugin names to factories (``runtime.Registry``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from vigil.scheduling.interfaces import Handle, Plugin

PluginFactory = Callable[[Mapping[str, Any], Handle], Plugin]
"""Builds a plugin from its args (from the profile) and the framework handle."""


class DuplicatePluginError(ValueError):
    """A plugin name was registered twice."""


class UnknownPluginError(KeyError):
    """A profile names a plugin that is not registered."""


class Registry:
    """Plugin name -> factory; registering a name twice is an error."""

    __slots__ = ("_factories",)

    def __init__(self, factories: Mapping[str, PluginFactory] | None = None) -> None:
        self._factories: dict[str, PluginFactory] = {}
        for name, factory in (factories or {}).items():
            self.register(name, factory)

    def register(self, name: str, factory: PluginFactory) -> None:
        """Add a factory; raises `DuplicatePluginError` if the name exists."""
        if name in self._factories:
            raise DuplicatePluginError(f"a plugin named {name} already exists")
        self._factories[name] = factory

    def merge(self, other: Registry) -> Registry:
        """A new registry with the factories of both (duplicates are an error)."""
        merged = Registry(self._factories)
        for name in other:
            merged.register(name, other.factory(name))
        return merged

    def factory(self, name: str) -> PluginFactory:
        """The factory of a plugin; raises `UnknownPluginError`."""
        try:
            return self._factories[name]
        except KeyError:
            raise UnknownPluginError(f"plugin {name!r} is not registered") from None

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)
