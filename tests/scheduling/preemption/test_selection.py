"""pickOneNodeForPreemption: each criterion decides on its own, in order."""

from __future__ import annotations

import pytest

from tests.scheduling.preemption.helpers import victim
from vigil.scheduling.preemption.candidates import Candidate
from vigil.scheduling.preemption.selection import (
    CRITERIA,
    FIRST_CANDIDATE,
    ONLY_CANDIDATE,
    pick_one_node_for_preemption,
)
from vigil.scheduling.preemption.victims import Victims

INT32_MIN = -(2**31)


def cand(node: str, *victims: tuple[int, int], violations: int = 0) -> Candidate:
    """Victims given as (priority, start minute), most important first."""
    pods = tuple(victim(f"{node}-{i}", p, node, start=s) for i, (p, s) in enumerate(victims))
    return Candidate(node, Victims(pods, violations))


@pytest.mark.parametrize(
    ("candidates", "chosen", "criterion"),
    [
        pytest.param(
            [cand("n1", (1, 0), violations=1), cand("n2", (50, 0), (40, 0))],
            "n2",
            CRITERIA[0],
            id="fewest PDB violations beats lower priorities",
        ),
        pytest.param(
            [cand("n1", (5, 0)), cand("n2", (3, 0), (3, 0), (3, 0))],
            "n2",
            CRITERIA[1],
            id="lowest highest-victim priority beats fewer victims",
        ),
        pytest.param(
            [cand("n1", (3, 0), (2, 0)), cand("n2", (3, 0), (1, 0))],
            "n2",
            CRITERIA[2],
            id="smallest sum of priorities",
        ),
        pytest.param(
            [cand("n1", (-5, 0), (-5, 0)), cand("n2", (-5, 0))],
            "n2",
            CRITERIA[2],
            id="sum is shifted by MaxInt32+1 so negative priorities do not favour more victims",
        ),
        pytest.param(
            [cand("n1", (7, 0), (INT32_MIN, 0)), cand("n2", (7, 0))],
            "n2",
            CRITERIA[3],
            id="fewest victims when the shifted sums are equal",
        ),
        pytest.param(
            [cand("n1", (7, 0)), cand("n2", (7, 30))],
            "n2",
            CRITERIA[4],
            id="latest start time",
        ),
        pytest.param(
            [cand("n1", (5, 60), (5, 0)), cand("n2", (5, 20), (5, 10))],
            "n2",
            CRITERIA[4],
            id="start time is the earliest among the highest-priority victims",
        ),
        pytest.param(
            [cand("n1", (5, 0), (1, 0)), cand("n2", (5, 30), (1, 0))],
            "n2",
            CRITERIA[4],
            id="start time ignores lower-priority victims",
        ),
        pytest.param([cand("n1", (1, 0))], "n1", ONLY_CANDIDATE, id="single candidate"),
    ],
)
def test_pick_one_node(candidates: list[Candidate], chosen: str, criterion: str) -> None:
    choice = pick_one_node_for_preemption(candidates)
    assert choice is not None
    assert (choice.node_name, choice.decided_by) == (chosen, criterion)
    assert choice.tied == ()


def test_full_tie_takes_the_first_and_records_it() -> None:
    candidates = [cand("n3", (1, 0)), cand("n1", (1, 0)), cand("n2", (2, 0))]
    choice = pick_one_node_for_preemption(candidates)
    assert choice is not None
    assert (choice.node_name, choice.decided_by, choice.tied) == (
        "n3",
        FIRST_CANDIDATE,
        ("n3", "n1"),
    )


def test_no_candidates() -> None:
    assert pick_one_node_for_preemption([]) is None
