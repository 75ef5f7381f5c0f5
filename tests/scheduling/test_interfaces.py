"""PreFilterResult merge semantics and runtime protocol checks."""

from __future__ import annotations

from vigil.scheduling import FilterPlugin, PreFilterPlugin, PreFilterResult, ScorePlugin
from vigil.scheduling.plugins.node_name import NodeName
from vigil.scheduling.plugins.taint_toleration import TaintToleration


def test_merge() -> None:
    everything = PreFilterResult()
    ab = PreFilterResult(frozenset({"a", "b"}))
    bc = PreFilterResult(frozenset({"b", "c"}))
    assert everything.all_nodes()
    assert everything.merge(ab) == ab
    assert ab.merge(everything) == ab
    assert ab.merge(None) == ab
    assert ab.merge(bc) == PreFilterResult(frozenset({"b"}))


def test_plugins_satisfy_protocols() -> None:
    assert isinstance(NodeName(), FilterPlugin)
    assert not isinstance(NodeName(), ScorePlugin)
    assert not isinstance(NodeName(), PreFilterPlugin)
    assert isinstance(TaintToleration(), ScorePlugin)
