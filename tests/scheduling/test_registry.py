"""Registry: name -> factory, duplicates and unknown names are errors."""

from __future__ import annotations

import pytest

from tests.scheduling.fakes import FakePlugin, registry_of
from vigil.scheduling import DuplicatePluginError, Registry, UnknownPluginError, default_registry


def test_duplicate_registration_fails() -> None:
    registry = registry_of(FakePlugin("A"))
    with pytest.raises(DuplicatePluginError, match="a plugin named A already exists"):
        registry.register("A", lambda args, handle: FakePlugin("A"))
    with pytest.raises(DuplicatePluginError):
        registry.merge(registry_of(FakePlugin("A")))


def test_unknown_plugin() -> None:
    with pytest.raises(UnknownPluginError):
        Registry().factory("Nope")


def test_default_registry_has_the_in_tree_plugins() -> None:
    assert sorted(default_registry()) == [
        "InterPodAffinity",
        "NodeAffinity",
        "NodeName",
        "NodePorts",
        "NodeResourcesBalancedAllocation",
        "NodeResourcesFit",
        "NodeUnschedulable",
        "PodTopologySpread",
        "TaintToleration",
    ]
    merged = default_registry().merge(registry_of(FakePlugin("Custom")))
    assert "Custom" in merged
