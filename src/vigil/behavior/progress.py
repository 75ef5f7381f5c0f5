"""Learning progress per route: how far each route is from being learned and judged in full.

A route goes through three states: it is *gathering* support (fewer than K clients in W windows
showed it: it is not in the policy and only content checks judge it), then *young* (published,
but learned from fewer than ``min_route_samples`` requests: only high-severity alerts count), then
*ready*. ``vigil policy show`` prints this, and gates and the learner export it as metrics. Pure:
computed from the statistics, the policy and the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import Policy
from vigil.behavior.statistics import Statistics
from vigil.behavior.support import RouteSupport


class Readiness(StrEnum):
    """Where a route stands in learning."""

    GATHERING = "gathering"
    """Too few clients or windows showed it: not in the policy yet."""
    YOUNG = "young"
    """In the policy, learned from too few requests: only high-severity alerts count."""
    READY = "ready"
    """Learned: every alert counts toward blocking."""


@dataclass(frozen=True, slots=True)
class RouteProgress:
    """Learning progress of one route."""

    route: str
    samples: int
    """Requests counted since the route was first seen (never decayed)."""
    clients: int
    """Distinct clients seen, counted up to the threshold K."""
    windows: int
    """Distinct time windows seen, counted up to the threshold W."""
    state: Readiness
    reason: str
    """What the route still needs, in words (``needs 2 more clients``), or ``ready``."""

    @property
    def ready(self) -> bool:
        """True when every alert on the route counts toward blocking."""
        return self.state is Readiness.READY


def _plural(count: int, word: str) -> str:
    return f"{count} more {word}{'' if count == 1 else 's'}"


def route_progress(
    key: str,
    support: RouteSupport | None,
    policy: Policy,
    settings: LearnSettings,
) -> RouteProgress:
    """The progress of route ``key`` (``support`` None: nothing pending in the statistics)."""
    limits = settings.thresholds
    published = policy.routes.get(key)
    samples = support.samples if support is not None else 0
    if published is not None:
        samples = max(samples, published.samples)
    if support is not None:
        clients, windows = support.route.distinct(limits)
    else:
        clients, windows = (limits.clients, limits.windows) if published else (0, 0)
    if published is None:
        needs = []
        if clients < limits.clients:
            needs.append(_plural(limits.clients - clients, "client"))
        if windows < limits.windows:
            needs.append(_plural(limits.windows - windows, "window"))
        reason = "needs " + " and ".join(needs) if needs else "published at the next learning run"
        return RouteProgress(key, samples, clients, windows, Readiness.GATHERING, reason)
    if published.block_score is None and samples < settings.min_route_samples:
        reason = f"needs {_plural(settings.min_route_samples - samples, 'sample')}"
        return RouteProgress(key, samples, clients, windows, Readiness.YOUNG, reason)
    return RouteProgress(key, samples, clients, windows, Readiness.READY, "ready")


def learning_progress(
    statistics: Statistics, policy: Policy, settings: LearnSettings
) -> list[RouteProgress]:
    """The progress of every route in the statistics or the policy, sorted by route."""
    keys = sorted(set(statistics.routes) | set(policy.routes))
    return [route_progress(k, statistics.support.get(k), policy, settings) for k in keys]
