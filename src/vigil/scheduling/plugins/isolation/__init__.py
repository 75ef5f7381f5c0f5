"""The Isolation plugin (vigil's, not upstream's): risk tiers kept apart on nodes.

* `tiers`: the memo of risk profiles of the pods a scheduler meets;
* `plugin`: the Filter and Score plugin with upstream-style reasons;
* `with_isolation` / `isolation_registry`: enable it in a profile and a registry.
"""

from __future__ import annotations

from dataclasses import replace

from vigil.posture.risk import RiskContext
from vigil.scheduling.plugins import default_registry
from vigil.scheduling.plugins.isolation import plugin
from vigil.scheduling.plugins.isolation.plugin import NAME, Isolation
from vigil.scheduling.plugins.isolation.tiers import TierBook
from vigil.scheduling.profile import NODE_AFFINITY, Profile
from vigil.scheduling.registry import Registry

SCORE_WEIGHT = 2


def isolation_registry(base: Registry | None = None) -> Registry:
    """``base`` (default: `default_registry`) plus Isolation."""
    return (base if base is not None else default_registry()).merge(Registry({NAME: plugin.new}))


def _after(points: tuple[str, ...], anchor: str) -> tuple[str, ...]:
    if NAME in points:
        return points
    if anchor in points:
        i = points.index(anchor) + 1
        return (*points[:i], NAME, *points[i:])
    return (*points, NAME)


def with_isolation(profile: Profile, context: RiskContext, weight: int = SCORE_WEIGHT) -> Profile:
    """The profile with Isolation at PreFilter, Filter (right after NodeAffinity), PreScore and
    Score (with ``weight``), its args carrying ``context``."""
    score = (
        profile.score
        if any(n == NAME for n, _ in profile.score)
        else (*profile.score, (NAME, weight))
    )
    return replace(
        profile,
        pre_filter=_after(profile.pre_filter, NODE_AFFINITY),
        filter=_after(profile.filter, NODE_AFFINITY),
        pre_score=_after(profile.pre_score, NODE_AFFINITY),
        score=score,
        plugin_args={**profile.plugin_args, NAME: {"context": context}},
    )


__all__ = ["NAME", "SCORE_WEIGHT", "Isolation", "TierBook", "isolation_registry", "with_isolation"]
