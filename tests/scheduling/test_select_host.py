"""selectHost: highest total wins; ties are drawn with a seeded generator and recorded."""

from __future__ import annotations

import random

import pytest

from vigil.scheduling import TieBreak, select_host


def test_highest_total_wins_without_tie() -> None:
    assert select_host(["a", "b", "c"], {"a": 1, "b": 7, "c": 3}, random.Random(0)) == ("b", None)


def test_ties_are_recorded_and_reproducible() -> None:
    totals = {"a": 5, "b": 5, "c": 1, "d": 5}
    chosen, tie = select_host(["a", "b", "c", "d"], totals, random.Random(42))
    assert tie == TieBreak(("a", "b", "d"), chosen, 5)
    assert select_host(["a", "b", "c", "d"], totals, random.Random(42))[0] == chosen


def test_tie_break_reaches_every_tied_node() -> None:
    rng = random.Random(1)
    seen = {select_host(["a", "b", "c"], {"a": 1, "b": 1, "c": 1}, rng)[0] for _ in range(200)}
    assert seen == {"a", "b", "c"}


def test_empty_list_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        select_host([], {}, random.Random(0))
