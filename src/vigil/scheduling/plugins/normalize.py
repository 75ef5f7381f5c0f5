"""``helper.DefaultNormalizeScore``: scale scores to 0..100 by the maximum, optionally reversed."""

from __future__ import annotations

import numpy as np

from vigil.scheduling.interfaces import MAX_NODE_SCORE, NodeScore
from vigil.scheduling.nodetable import IntArray


def default_normalize_score(
    scores: list[NodeScore], *, reverse: bool, max_priority: int = MAX_NODE_SCORE
) -> None:
    """In place: ``s*max/maxScore`` (integer), reversed as ``max - s``; all zero stays zero
    (or becomes ``max`` when reversed)."""
    highest = max((s.score for s in scores), default=0)
    if highest == 0:
        if reverse:
            for s in scores:
                s.score = max_priority
        return
    for s in scores:
        value = max_priority * s.score // highest
        s.score = max_priority - value if reverse else value


def default_normalize_array(
    scores: IntArray, *, reverse: bool, max_priority: int = MAX_NODE_SCORE
) -> IntArray:
    """`default_normalize_score` over an array of raw scores (same integer arithmetic)."""
    highest = int(scores.max()) if scores.size else 0
    if highest == 0:
        return np.full(scores.shape, max_priority, dtype=np.int64) if reverse else scores
    value = max_priority * scores // highest
    return max_priority - value if reverse else value
