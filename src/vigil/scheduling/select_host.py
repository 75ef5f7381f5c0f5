"""Choosing among the best-scored nodes (``selectHost``) with a seeded, recorded tie-break.

Upstream picks uniformly at random among tied nodes by reservoir sampling. vigil does the same
with a seeded generator, so runs are reproducible, and records the tie so reports can say that
the choice among those nodes was arbitrary.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TieBreak:
    """Several nodes shared the best total score; ``chosen`` was drawn among ``candidates``."""

    candidates: tuple[str, ...]
    chosen: str
    score: int


def select_host(
    nodes: Sequence[str], totals: Mapping[str, int], rng: random.Random
) -> tuple[str, TieBreak | None]:
    """The node with the highest total; ties are broken by reservoir sampling with ``rng``."""
    if not nodes:
        raise ValueError("empty priorityList")
    best = max(totals[n] for n in nodes)
    return draw_among([n for n in nodes if totals[n] == best], best, rng)


def draw_among(tied: Sequence[str], best: int, rng: random.Random) -> tuple[str, TieBreak | None]:
    """Reservoir sampling over the nodes that share the best total, as upstream draws them."""
    chosen = tied[0]
    for count, name in enumerate(tied[1:], start=2):
        if rng.randrange(count) == 0:
            chosen = name
    if len(tied) == 1:
        return chosen, None
    return chosen, TieBreak(tuple(tied), chosen, best)
