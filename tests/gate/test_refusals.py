"""Refusal reasons: each has an answer rule, and the counter reports every reason."""

from __future__ import annotations

from vigil.gate.answers import problem
from vigil.gate.refusals import ANSWERS, Refusal, Refusals


def test_every_reason_has_an_answer_rule_naming_a_known_problem() -> None:
    assert set(ANSWERS) == set(Refusal)
    for kind in ANSWERS.values():
        if kind is not None:
            assert problem(kind, "id").status >= 400


def test_the_counter_reports_every_reason_from_the_start() -> None:
    refusals = Refusals()
    refusals.count(Refusal.BODY_RATE)
    refusals.count(Refusal.BODY_RATE)
    refusals.count(Refusal.CONNECTIONS)
    counts = refusals.snapshot()
    assert set(counts) == {reason.value for reason in Refusal}
    assert counts["body-rate"] == 2
    assert counts["connections"] == 1
    assert counts["in-flight"] == 0
