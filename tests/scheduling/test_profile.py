"""Profiles: the upstream default plugin order and weights."""

from __future__ import annotations

from vigil.scheduling import default_profile


def test_default_profile_matches_upstream_order_and_weights() -> None:
    p = default_profile()
    assert p.scheduler_name == "default-scheduler"
    assert p.filter == (
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "PodTopologySpread",
        "InterPodAffinity",
    )
    assert p.pre_filter == (
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "PodTopologySpread",
        "InterPodAffinity",
    )
    assert dict(p.score) == {
        "TaintToleration": 3,
        "NodeAffinity": 2,
        "NodeResourcesFit": 1,
        "PodTopologySpread": 2,
        "InterPodAffinity": 2,
        "NodeResourcesBalancedAllocation": 1,
    }
    assert p.post_filter == ()


def test_without_removes_a_plugin_everywhere() -> None:
    p = default_profile().without("NodeAffinity", "InterPodAffinity")
    assert "NodeAffinity" not in p.plugin_names()
    assert "InterPodAffinity" not in dict(p.score)
    assert p.filter[0] == "NodeUnschedulable"
