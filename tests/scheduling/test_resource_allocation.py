"""Scoring strategies of the resource allocation scorer."""

from __future__ import annotations

import pytest

from vigil.scheduling.plugins.resource_allocation import (
    DEFAULT_RESOURCES,
    ResourceSpec,
    least_allocated,
    least_requested_score,
    most_allocated,
    most_requested_score,
    parse_resources,
)


@pytest.mark.parametrize(
    ("requested", "capacity", "least", "most"),
    [(3000, 4000, 25, 75), (5000, 10000, 50, 50), (5, 4, 0, 100), (0, 4, 100, 0), (1, 0, 0, 0)],
)
def test_per_resource_scores(requested: int, capacity: int, least: int, most: int) -> None:
    assert least_requested_score(requested, capacity) == least
    assert most_requested_score(requested, capacity) == most


def test_weighted_mean_skips_zero_capacity() -> None:
    resources = (
        ResourceSpec("cpu", 1),
        ResourceSpec("memory", 1),
        ResourceSpec("example.com/gpu", 5),
    )
    assert least_allocated(resources)([3000, 5000, 0], [4000, 10000, 0]) == 37
    assert most_allocated(resources)([3000, 5000, 0], [4000, 10000, 0]) == 62
    assert least_allocated(resources)([0, 0, 0], [0, 0, 0]) == 0
    assert (
        least_allocated((ResourceSpec("cpu", 3), ResourceSpec("memory", 1)))(
            [1000, 0], [4000, 4000]
        )
        == (75 * 3 + 100) // 4
    )


def test_parse_resources() -> None:
    assert parse_resources(None, DEFAULT_RESOURCES) == DEFAULT_RESOURCES
    assert parse_resources([{"name": "cpu", "weight": 2}], DEFAULT_RESOURCES) == (
        ResourceSpec("cpu", 2),
    )
    with pytest.raises(TypeError):
        parse_resources("cpu", DEFAULT_RESOURCES)
