"""Composing the published policy: decisions in order, promotion, progress; all pure."""

from __future__ import annotations

from vigil.behavior.decision import Mode
from vigil.behavior.learn import LearnSettings
from vigil.behavior.operator import FieldAllowance, FieldDecision, RouteDecision
from vigil.behavior.policy import Policy, RoutePolicy
from vigil.behavior.promotion import PromotionSettings
from vigil.learner.compose import StoredDecision, compose, stored_decision, with_decisions

NOW = 1_700_000_000.0
SETTINGS = LearnSettings(min_clients=3, min_windows=2, window_seconds=60)


def learned(samples: int = 2000, changed_at: float | None = NOW - 48 * 3600) -> Policy:
    return Policy(routes={"GET /users": RoutePolicy(samples=samples, changed_at=changed_at)})


def test_decisions_apply_in_order_and_replace_any_stale_operator_layer() -> None:
    stale = with_decisions(learned(), [StoredDecision(1, "GET /a", RouteDecision(allow=True))])
    decisions = [
        StoredDecision(2, "GET /users", RouteDecision(mode=Mode.DETECT)),
        StoredDecision(3, "GET /users", RouteDecision(mode=Mode.ENFORCE)),
        StoredDecision(
            4,
            "GET /users",
            RouteDecision(fields={"query.q": FieldDecision(allow=FieldAllowance(specials="'"))}),
        ),
    ]
    policy = with_decisions(stale, decisions)
    assert set(policy.operator.routes) == {"GET /users"}
    assert policy.mode_of("GET /users") is Mode.ENFORCE
    assert policy.operator.routes["GET /users"].fields["query.q"].allow is not None


def test_a_quiet_ready_route_is_promoted_to_detect_unless_the_operator_set_its_mode() -> None:
    statistics = SETTINGS.statistics()
    composed = compose(
        learned(),
        [],
        service="users",
        statistics=statistics,
        settings=SETTINGS,
        promotion=PromotionSettings(),
        now=NOW,
        last_would_block={},
    )
    assert composed.published.service == "users"
    assert composed.learned.routes["GET /users"].mode is Mode.DETECT
    assert [p.after for p in composed.promoted] == [Mode.DETECT]
    decided = compose(
        learned(),
        [StoredDecision(1, "GET /users", RouteDecision(mode=Mode.LEARN))],
        service="users",
        statistics=statistics,
        settings=SETTINGS,
        promotion=PromotionSettings(),
        now=NOW,
        last_would_block={},
    )
    assert decided.promoted == ()
    assert decided.published.mode_of("GET /users") is Mode.LEARN


def test_progress_names_published_routes_and_counts_the_rest() -> None:
    from tests.learner.builders import sample

    statistics = SETTINGS.statistics()
    for client in range(1, 3):
        statistics.add(sample("GET /scan/x", client=client, time=NOW))
    composed = compose(
        learned(samples=5, changed_at=None),
        [],
        service="users",
        statistics=statistics,
        settings=SETTINGS,
        promotion=PromotionSettings(),
        now=NOW,
        last_would_block={},
    )
    progress = composed.progress
    assert progress["routes"]["GET /users"]["state"] == "young"
    assert progress["routes"]["GET /users"]["ready"] is False
    assert progress["gathering"] == 1
    assert progress["unpublished"] == ["GET /scan/x"]
    assert progress["thresholds"] == {"clients": 3, "windows": 2}


def test_a_stored_decision_is_validated_again() -> None:
    stored = stored_decision(7, b'{"route": "GET /a", "decision": {"allow": true}}')
    assert stored == StoredDecision(7, "GET /a", RouteDecision(allow=True))
