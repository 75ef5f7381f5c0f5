"""Decisions: one rule turns alerts and a mode into a verdict."""

from __future__ import annotations

import pytest

from vigil.behavior.alerts import Alert, Severity
from vigil.behavior.decision import (
    DEFAULT_BLOCK_SCORE,
    Decision,
    Mode,
    Verdict,
    decide,
    score_of,
    verdict_for,
)


def alerts(*severities: Severity) -> list[Alert]:
    return [
        Alert(f"V10{i}", "GET /x", f"query.f{i}", "e", "s", sev) for i, sev in enumerate(severities)
    ]


L, M, H, C = Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL


@pytest.mark.parametrize(
    ("severities", "mode", "verdict"),
    [
        pytest.param((), Mode.ENFORCE, Verdict.ALLOW, id="clean-enforce"),
        pytest.param((), Mode.LEARN, Verdict.ALLOW, id="clean-learn"),
        pytest.param((L,), Mode.ENFORCE, Verdict.ALERT, id="one-low-alerts"),
        pytest.param((L, L), Mode.ENFORCE, Verdict.ALERT, id="two-low-alert"),
        pytest.param((L, L, L), Mode.ENFORCE, Verdict.BLOCK, id="three-low-block"),
        pytest.param((M,), Mode.ENFORCE, Verdict.BLOCK, id="medium-blocks"),
        pytest.param((H,), Mode.ENFORCE, Verdict.BLOCK, id="high-blocks"),
        pytest.param((C,), Mode.ENFORCE, Verdict.BLOCK, id="critical-blocks"),
        pytest.param((H,), Mode.DETECT, Verdict.WOULD_BLOCK, id="detect-would-block"),
        pytest.param((L,), Mode.DETECT, Verdict.ALERT, id="detect-low-alerts"),
        pytest.param((C, H), Mode.LEARN, Verdict.ALERT, id="learn-never-blocks"),
    ],
)
def test_verdict_under_each_mode(
    severities: tuple[Severity, ...], mode: Mode, verdict: Verdict
) -> None:
    decision = decide("GET /x", alerts(*severities), mode)
    assert decision.verdict is verdict
    assert decision.blocked is (verdict is Verdict.BLOCK)
    assert decision.score == sum(int(s) for s in severities)


@pytest.mark.parametrize(
    ("score", "block_score", "verdict"),
    [
        pytest.param(5, 6, Verdict.ALERT, id="below"),
        pytest.param(6, 6, Verdict.BLOCK, id="at"),
        pytest.param(7, 6, Verdict.BLOCK, id="above"),
        pytest.param(1, 1, Verdict.BLOCK, id="strict-route"),
    ],
)
def test_block_score_threshold_is_inclusive(score: int, block_score: int, verdict: Verdict) -> None:
    assert verdict_for(score, 1, Mode.ENFORCE, block_score) is verdict


def test_no_alerts_allow_whatever_the_score() -> None:
    assert verdict_for(100, 0, Mode.ENFORCE, 1) is Verdict.ALLOW


def test_default_block_score_is_one_medium() -> None:
    assert int(Severity.MEDIUM) == DEFAULT_BLOCK_SCORE


def test_only_block_blocks() -> None:
    assert [v for v in Verdict if v.blocks] == [Verdict.BLOCK]


def test_score_of_sums_weights() -> None:
    assert score_of(alerts(L, M, H, C)) == 20
    assert score_of([]) == 0


def test_reason_is_the_worst_alerts() -> None:
    found = alerts(L, H, M)
    decision = decide("GET /x", found, Mode.DETECT)
    assert decision.reason == found[1].reason
    assert decide("GET /x", [], Mode.DETECT).reason == ""


def test_decide_freezes_alerts_and_keeps_the_observation_out_of_equality() -> None:
    found = alerts(M)
    first = decide("GET /x", found, Mode.ENFORCE, observation=object())
    found.append(found[0])
    assert first.alerts == tuple(found[:1])
    second = decide("GET /x", found[:1], Mode.ENFORCE, observation=object())
    assert first == second
    assert isinstance(first, Decision)
    assert first.route == "GET /x"
    assert first.mode is Mode.ENFORCE


def test_mode_wire_names() -> None:
    assert [m.value for m in Mode] == ["learn", "detect", "enforce"]
    assert [v.value for v in Verdict] == ["allow", "alert", "would-block", "block"]


@pytest.mark.parametrize(
    ("mode", "verdict"),
    [
        pytest.param(Mode.LEARN, Verdict.BLOCK, id="learn-blocks"),
        pytest.param(Mode.ENFORCE, Verdict.BLOCK, id="enforce-blocks"),
        pytest.param(Mode.DETECT, Verdict.WOULD_BLOCK, id="detect-would-block"),
    ],
)
def test_an_enforced_alert_blocks_whatever_the_score(mode: Mode, verdict: Verdict) -> None:
    rule = Alert("V200", "POST /login", "form.username", "e", "s", L, enforced=True)
    decision = decide("POST /login", [rule], mode, block_score=100)
    assert decision.score == 1
    assert decision.verdict is verdict


def test_an_enforced_alert_below_the_counted_severity_still_blocks() -> None:
    rule = Alert("V200", "GET /x", "query.q", "e", "s", L, enforced=True)
    decision = decide("GET /x", [rule], Mode.ENFORCE, counted=H)
    assert decision.score == 0
    assert decision.blocked
