"""Automatic promotion of routes: learn -> detect -> enforce, once learning has gone quiet.

A route is promoted from ``learn`` to ``detect`` once it is ready (enough samples) and its learned
criteria have not changed for a while; from ``detect`` to ``enforce`` (off by default: an operator
turns it on) after more samples and a longer quiet period without a would-be block. A route
whose mode the operator set is never promoted: the operator's decision stands. The mode set here
goes into the learned layer (``RoutePolicy.mode``, with ``mode_since``), so it shows in diffs and
an operator can override it. Pure: the caller passes the time, and the times of the last
would-be blocks it saw (a learner gets them with the gates' alerts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from vigil.behavior.decision import Mode
from vigil.behavior.policy import Policy, RoutePolicy

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class PromotionSettings:
    """When routes are promoted (each route on its own)."""

    detect: bool = True
    """Promote ``learn`` -> ``detect``."""
    detect_samples: int = 1000
    """...once the route was learned from this many requests..."""
    detect_quiet_hours: float = 24.0
    """...and its criteria have not changed for this long."""
    enforce: bool = False
    """Promote ``detect`` -> ``enforce`` (off by default: blocking is the operator's call)."""
    enforce_samples: int = 5000
    enforce_quiet_hours: float = 72.0
    """...after this long in detect mode without a change of criteria or a would-be block."""


_DEFAULTS = PromotionSettings()


class PromotionConfig(BaseModel):
    """The ``promotion:`` section of a learner's or a gate's config file (validated)."""

    model_config = ConfigDict(extra="forbid")

    detect: bool = _DEFAULTS.detect
    """Promote learn -> detect once a route is learned and quiet."""
    detect_samples: int = Field(_DEFAULTS.detect_samples, ge=1)
    detect_quiet_hours: float = Field(_DEFAULTS.detect_quiet_hours, ge=0)
    enforce: bool = _DEFAULTS.enforce
    """Promote detect -> enforce (off by default: blocking is the operator's call)."""
    enforce_samples: int = Field(_DEFAULTS.enforce_samples, ge=1)
    enforce_quiet_hours: float = Field(_DEFAULTS.enforce_quiet_hours, ge=0)

    def settings(self) -> PromotionSettings:
        """The same values as the pure settings :func:`promotions` takes."""
        return PromotionSettings(**self.model_dump())


@dataclass(frozen=True, slots=True)
class Promotion:
    """One route moved to a stricter mode, and why."""

    route: str
    before: Mode
    after: Mode
    reason: str


def promotions(
    policy: Policy,
    settings: PromotionSettings,
    now: float,
    last_would_block: Mapping[str, float] | None = None,
) -> list[Promotion]:
    """The routes of ``policy`` due for promotion at ``now`` (seconds since the epoch)."""
    blocks = last_would_block or {}
    due: list[Promotion] = []
    for key, route in sorted(policy.routes.items()):
        decision = policy.operator.routes.get(key)
        if decision is not None and decision.mode is not None:
            continue
        mode = policy.mode_of(key)
        quiet_since = max(route.changed_at or 0.0, route.mode_since or 0.0)
        if route.changed_at is None:
            continue
        if mode is Mode.LEARN and settings.detect:
            quiet = (now - quiet_since) / HOUR
            if route.samples >= settings.detect_samples and quiet >= settings.detect_quiet_hours:
                due.append(
                    Promotion(key, mode, Mode.DETECT, _why(route, quiet, settings.detect_samples))
                )
        elif mode is Mode.DETECT and settings.enforce:
            quiet = (now - max(quiet_since, blocks.get(key, 0.0))) / HOUR
            if route.samples >= settings.enforce_samples and quiet >= settings.enforce_quiet_hours:
                due.append(
                    Promotion(key, mode, Mode.ENFORCE, _why(route, quiet, settings.enforce_samples))
                )
    return due


def _why(route: RoutePolicy, quiet: float, samples: int) -> str:
    return f"{route.samples} samples (>= {samples}), quiet for {quiet:.1f} h"


def promote(policy: Policy, due: list[Promotion], now: float) -> Policy:
    """``policy`` with each promotion applied to its learned layer."""
    if not due:
        return policy
    routes = dict(policy.routes)
    for promotion in due:
        route = routes.get(promotion.route)
        if route is not None:
            routes[promotion.route] = route.model_copy(
                update={"mode": promotion.after, "mode_since": now}
            )
    return policy.model_copy(update={"routes": routes})
