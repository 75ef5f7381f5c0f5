"""Checking batches in processes: results and refusals cross back intact; threads too."""

from __future__ import annotations

import asyncio

import pytest

from tests.learner.builders import batch
from vigil.learner.checkers import BatchCheckers
from vigil.learner.config import Bounds
from vigil.learner.ingest import Body
from vigil.learner.problems import Kind, ProblemError


@pytest.mark.parametrize("processes", [0, 2])
async def test_a_batch_is_checked_and_a_bad_one_refused_with_its_problem(processes: int) -> None:
    checkers = BatchCheckers(processes, timeout=60)
    try:
        checked = await checkers.check(Body(batch(count=3), False), "users", Bounds(), None)
        assert checked.count == 3
        with pytest.raises(ProblemError) as caught:
            await checkers.check(
                Body(batch(count=3), False), "users", Bounds(observations_per_batch=2), None
            )
        assert caught.value.kind is Kind.TOO_LARGE
        assert caught.value.status == 413
        assert "holds 3 observations" in caught.value.detail
    finally:
        await checkers.close()


async def test_checks_run_side_by_side() -> None:
    checkers = BatchCheckers(2, timeout=60)
    try:
        results = await asyncio.gather(
            *(
                checkers.check(Body(batch(count=i + 1), False), "users", Bounds(), None)
                for i in range(6)
            )
        )
        assert [r.count for r in results] == [1, 2, 3, 4, 5, 6]
    finally:
        await checkers.close()
