"""NodeUnschedulable filter: cordoned nodes and the unschedulable toleration."""

from __future__ import annotations

import pytest

from tests.scheduling.builders import filter_statuses, make_node, make_pod, snapshot
from vigil.cluster import Pod
from vigil.scheduling import Code

REASON = "node(s) were unschedulable"


@pytest.mark.parametrize(
    ("pod", "cordoned", "expected"),
    [
        (make_pod("p").obj(), False, ""),
        (make_pod("p").obj(), True, REASON),
        (
            make_pod("p")
            .toleration("node.kubernetes.io/unschedulable", effect="NoSchedule", operator="Exists")
            .obj(),
            True,
            "",
        ),
        (make_pod("p").toleration(operator="Exists").obj(), True, ""),
        (
            make_pod("p")
            .toleration("node.kubernetes.io/unschedulable", effect="NoExecute", operator="Exists")
            .obj(),
            True,
            REASON,
        ),
        (
            make_pod("p")
            .toleration("node.kubernetes.io/unschedulable", value="x", effect="NoSchedule")
            .obj(),
            True,
            REASON,
        ),
    ],
)
def test_node_unschedulable(pod: Pod, cordoned: bool, expected: str) -> None:
    node = make_node("n1").unschedulable().obj() if cordoned else make_node("n1").obj()
    status = filter_statuses("NodeUnschedulable", pod, snapshot([node]))["n1"]
    assert status.message() == expected
    if expected:
        assert status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
