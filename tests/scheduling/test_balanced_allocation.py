"""NodeResourcesBalancedAllocation: standard deviation of requested fractions."""

from __future__ import annotations

import pytest

from tests.scheduling.builders import make_node, make_pod, plugin_scores, snapshot
from vigil.scheduling.plugins.resource_allocation import balanced_score

NODES = [
    make_node("n1").capacity(cpu="4", memory="10000").obj(),
    make_node("n2").capacity(cpu="6", memory="10000").obj(),
]


def test_balanced_scores() -> None:
    pod = make_pod("p").req(cpu="3", memory="5000").obj()
    assert plugin_scores("NodeResourcesBalancedAllocation", pod, snapshot(NODES)) == {
        "n1": 87,
        "n2": 100,
    }


def test_uses_actual_requests_of_existing_pods() -> None:
    existing = make_pod("e").req(cpu="1").node("n1").obj()
    best_effort_existing = make_pod("be").node("n2").obj()
    pod = make_pod("p").req(cpu="1", memory="5000").obj()
    scores = plugin_scores(
        "NodeResourcesBalancedAllocation", pod, snapshot(NODES, [existing, best_effort_existing])
    )
    assert scores == {"n1": 100, "n2": int((1 - abs(1 / 6 - 0.5) / 2) * 100)}


def test_best_effort_pods_skip_scoring() -> None:
    assert (
        plugin_scores("NodeResourcesBalancedAllocation", make_pod("p").obj(), snapshot(NODES))
        is None
    )


@pytest.mark.parametrize(
    ("requested", "allocatable", "expected"),
    [
        ([3, 5], [4, 10], 87),
        ([5, 5], [10, 10], 100),
        ([20, 5], [10, 10], 75),
        ([1, 0], [10, 0], 100),
        ([1, 2, 3], [10, 10, 10], int((1 - ((0.01 + 0 + 0.01) / 3) ** 0.5) * 100)),
    ],
)
def test_balanced_score_function(
    requested: list[int], allocatable: list[int], expected: int
) -> None:
    assert balanced_score(requested, allocatable) == expected
