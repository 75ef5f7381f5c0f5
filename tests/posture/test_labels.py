"""NodeRestriction label rules: what a kubelet may set on its own Node."""

from __future__ import annotations

import pytest

from vigil.posture.labels import (
    is_kubelet_label,
    is_node_restriction_label,
    kubelet_may_set,
    label_namespace,
)


@pytest.mark.parametrize(
    ("key", "may_set"),
    [
        ("node-restriction.kubernetes.io/isolation", False),
        ("team.node-restriction.kubernetes.io/pool", False),
        ("node-role.kubernetes.io/control-plane", False),
        ("kubernetes.io/role", False),
        ("example.k8s.io/x", False),
        ("k8s.io/x", False),
        ("kubernetes.io/hostname", True),
        ("topology.kubernetes.io/zone", True),
        ("node.kubernetes.io/instance-type", True),
        ("node.kubernetes.io/anything", True),
        ("sub.kubelet.kubernetes.io/x", True),
        ("beta.kubernetes.io/os", True),
        ("example.com/pool", True),
        ("pool", True),
        ("isolation", True),
        ("notkubernetes.io/x", True),
    ],
)
def test_kubelet_may_set(key: str, may_set: bool) -> None:
    assert kubelet_may_set(key) is may_set


@pytest.mark.parametrize(
    ("key", "namespace"),
    [("a/b", "a"), ("plain", ""), ("a.b/c/d", "a.b")],
)
def test_label_namespace(key: str, namespace: str) -> None:
    assert label_namespace(key) == namespace


def test_node_restriction_and_kubelet_sets_are_disjoint() -> None:
    assert is_node_restriction_label("node-restriction.kubernetes.io/x")
    assert not is_node_restriction_label("xnode-restriction.kubernetes.io/x")
    assert is_kubelet_label("kubelet.kubernetes.io/x")
    assert not is_kubelet_label("node-restriction.kubernetes.io/x")
