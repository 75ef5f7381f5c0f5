"""Automatic promotion learn -> detect -> enforce, per route, once learning went quiet."""

from __future__ import annotations

import random

import pytest

from vigil.behavior.allow import set_route_mode
from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.promotion import HOUR, PromotionSettings, promote, promotions

from .builders import RequestBuilder, feed, train

T = 1_700_000_000.0


def learned(samples: int = 2000) -> Engine:
    engine = Engine()
    train(engine, samples)
    engine.learn(now=T)
    return engine


def test_a_route_learned_and_quiet_long_enough_moves_to_detect() -> None:
    engine = learned()
    settings = PromotionSettings()
    assert promotions(engine.policy, settings, T + 23 * HOUR) == []
    (due,) = promotions(engine.policy, settings, T + 25 * HOUR)
    assert (due.route, due.before, due.after) == ("GET /users", Mode.LEARN, Mode.DETECT)
    assert "2000 samples" in due.reason
    policy = promote(engine.policy, [due], T + 25 * HOUR)
    assert policy.mode_of("GET /users") is Mode.DETECT
    assert policy.routes["GET /users"].mode_since == T + 25 * HOUR


def test_novelty_restarts_the_quiet_period() -> None:
    engine = learned()
    rng = random.Random(2)
    digits = [
        RequestBuilder().get("/users").query(username=f"u{rng.randint(1, 99)}").headers().build()
        for _ in range(60)
    ]
    feed(engine, digits, start=3000)
    policy = engine.learn(now=T + 20 * HOUR)
    assert policy.routes["GET /users"].changed_at == T + 20 * HOUR
    assert promotions(policy, PromotionSettings(), T + 25 * HOUR) == []


def test_relearning_without_a_change_keeps_the_stamp() -> None:
    engine = learned()
    train(engine, 200, seed=11)
    policy = engine.learn(now=T + 5 * HOUR)
    assert policy.routes["GET /users"].changed_at == T


@pytest.mark.parametrize(
    ("settings", "samples", "promoted"),
    [
        pytest.param(PromotionSettings(), 2000, False, id="enforce-off-by-default"),
        pytest.param(PromotionSettings(enforce=True), 2000, False, id="too-few-samples"),
        pytest.param(PromotionSettings(enforce=True, enforce_samples=1000), 2000, True,
                     id="enforce-on"),
    ],
)  # fmt: skip
def test_detect_to_enforce_is_off_unless_asked_for(
    settings: PromotionSettings, samples: int, promoted: bool
) -> None:
    engine = learned(samples)
    now = T + 30 * HOUR
    policy = promote(engine.policy, promotions(engine.policy, settings, now), now)
    assert policy.mode_of("GET /users") is Mode.DETECT
    later = now + 80 * HOUR
    due = promotions(policy, settings, later)
    assert bool(due) is promoted
    if promoted:
        assert promote(policy, due, later).mode_of("GET /users") is Mode.ENFORCE


def test_a_would_be_block_restarts_the_detect_period() -> None:
    settings = PromotionSettings(enforce=True, enforce_samples=1000)
    engine = learned()
    now = T + 30 * HOUR
    policy = promote(engine.policy, promotions(engine.policy, settings, now), now)
    later = now + 80 * HOUR
    assert promotions(policy, settings, later, {"GET /users": later - HOUR}) == []


def test_an_operator_mode_is_never_promoted_over() -> None:
    engine = learned()
    policy = set_route_mode(engine.policy, "GET /users", Mode.LEARN)
    assert promotions(policy, PromotionSettings(), T + 100 * HOUR) == []


def test_routes_learned_without_a_time_are_left_alone() -> None:
    engine = Engine()
    train(engine, 2000)
    engine.learn()
    assert promotions(engine.policy, PromotionSettings(), T + 100 * HOUR) == []
