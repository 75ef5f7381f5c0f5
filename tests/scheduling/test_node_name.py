"""NodeName filter."""

from __future__ import annotations

import pytest

from tests.scheduling.builders import filter_statuses, make_node, make_pod, snapshot
from vigil.scheduling import Code


@pytest.mark.parametrize(
    ("node_name", "expected"),
    [
        ("", {"n1": "", "n2": ""}),
        ("n1", {"n1": "", "n2": "node(s) didn't match the requested node name"}),
    ],
)
def test_node_name(node_name: str, expected: dict[str, str]) -> None:
    snap = snapshot([make_node("n1").obj(), make_node("n2").obj()])
    pod = make_pod("p").node(node_name).obj() if node_name else make_pod("p").obj()
    statuses = filter_statuses("NodeName", pod, snap)
    assert {n: s.message() for n, s in statuses.items()} == expected
    if node_name:
        assert statuses["n2"].code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
        assert statuses["n2"].plugin == "NodeName"
