"""What a service's gates receive: the learned layer, promoted, with the operator's decisions.

A learning run produces the learned layer (:func:`~vigil.behavior.learn.learn_policy`); this
module turns it into the published policy without any I/O: routes due for promotion move to
a stricter mode in the learned layer (:mod:`vigil.behavior.promotion`: learn -> detect by
default, detect -> enforce only when configured), then every stored operator decision is applied
in the order it was made (:func:`~vigil.behavior.allow.apply_decision`), so learning never
overwrites a decision. The learning progress of every route is computed beside it
(:mod:`vigil.behavior.progress`) for ``GET /routes`` and the metrics; routes still gathering
support are listed up to :data:`UNPUBLISHED_LISTED` (their names come from clients).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from vigil.behavior.allow import apply_decision
from vigil.behavior.learn import LearnSettings
from vigil.behavior.operator import OperatorLayer, RouteDecision
from vigil.behavior.policy import Policy
from vigil.behavior.progress import Readiness, learning_progress
from vigil.behavior.promotion import Promotion, PromotionSettings, promote, promotions
from vigil.behavior.statistics import Statistics

UNPUBLISHED_LISTED = 100
"""Routes still gathering support named in the progress document (the rest are counted)."""


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """One operator decision as the store keeps it."""

    id: int
    route: str
    decision: RouteDecision


def stored_decision(decision_id: int, data: bytes) -> StoredDecision:
    """A decision read back from the store (validated again)."""
    document = orjson.loads(data)
    return StoredDecision(
        decision_id, str(document["route"]), RouteDecision.model_validate(document["decision"])
    )


def with_decisions(learned: Policy, decisions: Iterable[StoredDecision]) -> Policy:
    """The learned layer with every decision applied in order (its own operator layer dropped)."""
    policy = learned.model_copy(update={"operator": OperatorLayer()})
    for stored in decisions:
        policy = apply_decision(policy, stored.route, stored.decision)
    return policy


@dataclass(frozen=True, slots=True)
class Composed:
    """The published policy of a run, the learned layer it came from, and what happened."""

    published: Policy
    learned: Policy
    """The learned layer, promotions included (stored to learn the next run from)."""
    promoted: tuple[Promotion, ...]
    progress: dict[str, Any]


def compose(
    learned: Policy,
    decisions: list[StoredDecision],
    *,
    service: str,
    statistics: Statistics,
    settings: LearnSettings,
    promotion: PromotionSettings,
    now: float,
    last_would_block: Mapping[str, float],
) -> Composed:
    """Promote, apply the decisions, and compute the progress of one service's policy."""
    learned = learned.model_copy(update={"service": service})
    candidate = with_decisions(learned, decisions)
    due = promotions(candidate, promotion, now, last_would_block)
    if due:
        learned = promote(learned, due, now)
        candidate = with_decisions(learned, decisions)
    routes: dict[str, dict[str, Any]] = {}
    gathering: list[str] = []
    for progress in learning_progress(statistics, candidate, settings):
        if progress.state is Readiness.GATHERING:
            gathering.append(progress.route)
            continue
        routes[progress.route] = {
            "samples": progress.samples,
            "clients": progress.clients,
            "windows": progress.windows,
            "state": progress.state.value,
            "ready": progress.ready,
            "reason": progress.reason,
        }
    document = {
        "routes": routes,
        "gathering": len(gathering),
        "unpublished": gathering[:UNPUBLISHED_LISTED],
        "thresholds": {"clients": settings.min_clients, "windows": settings.min_windows},
    }
    return Composed(candidate, learned, tuple(due), document)
