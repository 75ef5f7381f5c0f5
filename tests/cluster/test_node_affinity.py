"""RequiredNodeAffinity: nodeSelector ANDed with required node affinity."""

from __future__ import annotations

import pytest

from tests.scheduling.builders import make_node, make_pod, req, term
from vigil.cluster import Node, Pod
from vigil.cluster.node_affinity import RequiredNodeAffinity

NODE = make_node("n1").labels(disk="ssd", zone="a").obj()


@pytest.mark.parametrize(
    ("pod", "expected"),
    [
        (make_pod("p").obj(), True),
        (make_pod("p").node_selector(disk="ssd").obj(), True),
        (make_pod("p").node_selector(disk="hdd").obj(), False),
        (make_pod("p").node_selector(disk="ssd", gpu="yes").obj(), False),
        (make_pod("p").required_node_terms(term(req("zone", "In", "a"))).obj(), True),
        (
            make_pod("p")
            .node_selector(disk="hdd")
            .required_node_terms(term(req("zone", "In", "a")))
            .obj(),
            False,
        ),
        (make_pod("p").required_node_terms().obj(), False),
        (make_pod("p").required_node_terms(term()).obj(), False),
        (
            make_pod("p")
            .required_node_terms(term(fields=[req("metadata.name", "In", "n1")]))
            .obj(),
            True,
        ),
    ],
)
def test_required_node_affinity(pod: Pod, expected: bool) -> None:
    assert RequiredNodeAffinity.of(pod).matches(NODE) is expected


def test_node_without_labels_passes_not_in() -> None:
    bare: Node = make_node("bare").without_label("kubernetes.io/hostname").obj()
    pod = make_pod("p").required_node_terms(term(req("zone", "NotIn", "a"))).obj()
    assert RequiredNodeAffinity.of(pod).matches(bare)
