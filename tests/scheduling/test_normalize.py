"""DefaultNormalizeScore and the min-max normalisation of InterPodAffinity."""

from __future__ import annotations

import pytest

from vigil.scheduling import NodeScore
from vigil.scheduling.plugins.interpod_scoring import normalize_min_max
from vigil.scheduling.plugins.normalize import default_normalize_score


@pytest.mark.parametrize(
    ("raw", "reverse", "expected"),
    [
        ([2, 4, 11], False, [18, 36, 100]),
        ([0, 0], False, [0, 0]),
        ([0, 0], True, [100, 100]),
        ([0, 1, 2], True, [100, 50, 0]),
        ([3, 3], True, [0, 0]),
    ],
)
def test_default_normalize(raw: list[int], reverse: bool, expected: list[int]) -> None:
    scores = [NodeScore(str(i), s) for i, s in enumerate(raw)]
    default_normalize_score(scores, reverse=reverse)
    assert [s.score for s in scores] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([-5, 0, 10], [0, 33, 100]),
        ([4, 4], [0, 0]),
        ([-3, -1], [0, 100]),
        ([1, 2, 3], [0, 50, 100]),
    ],
)
def test_min_max(raw: list[int], expected: list[int]) -> None:
    scores = [NodeScore(str(i), s) for i, s in enumerate(raw)]
    normalize_min_max(scores)
    assert [s.score for s in scores] == expected
