"""``helper.DefaultNormalizeScore``: scale scores to 0..100 by the maximum, optionally reversed."""

from __future__ import annotations

from vigil.scheduling.interfaces import MAX_NODE_SCORE, NodeScore


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
