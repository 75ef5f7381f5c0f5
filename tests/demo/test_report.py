"""The demo's table and reasons."""

from __future__ import annotations

from vigil.demo.report import Outcome, reason_of, render_table
from vigil.demo.traffic import attacks, controls


def test_the_reason_is_the_most_severe_alert() -> None:
    alerts = [
        {"code": "V110", "name": "unknown-field", "field": "query.x", "expected": "a known field",
         "seen": "x", "severity": "medium"},
        {"code": "V104", "name": "length-out-of-range", "field": "query.username",
         "expected": "length 1..13", "seen": "5000", "severity": "high"},
    ]  # fmt: skip
    assert reason_of(alerts) == (
        "[high] length-out-of-range query.username: expected length 1..13, seen 5000 (+1 more)"
    )
    assert reason_of([]) == ""


def test_table_marks_failures_and_names_the_gate() -> None:
    attack, control = attacks()[1], controls()[0]
    outcomes = [
        Outcome(control, 200, False, None, "", "200: 1 user", gate="a"),
        Outcome(attack, 200, False, None, "", "200: ALL 50 users dumped", gate="b"),
    ]
    table = render_table(outcomes)
    assert "benign controls:" in table
    assert "attacks:" in table
    lines = table.splitlines()
    assert any(line.startswith("ok") and "ALLOWED 200 via a" in line for line in lines)
    assert any(line.startswith("FAIL") and attack.label in line for line in lines)
    assert not outcomes[1].as_expected
    assert outcomes[0].as_expected
    assert Outcome(control, 403, True, "r", "x", "").as_expected is False
    assert Outcome(attack, 403, True, "r", "x", "").verdict == "BLOCKED 403"
