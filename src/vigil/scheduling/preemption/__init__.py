"""Preemption (DefaultPreemption) with upstream semantics, one concept per module.

* `eligibility`: may the pod preempt at all (preemptionPolicy, terminating victims);
* `pdb`: PodDisruptionBudget budgets and which victims violate them;
* `victims`: the dry run on one node with the reprieve order;
* `candidates`: which nodes are tried, how many, from which offset;
* `selection`: the node choice criteria;
* `default_preemption`: the PostFilter plugin and its `PreemptionResult`;
* `execution`: applying a preemption in the simulator.

DefaultPreemption is not in `default_registry` / `default_profile`; use `preemption_registry`
and `with_preemption` (or `preemption_profile`) to enable it, as kube-scheduler's default
profile does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from vigil.scheduling.plugins import default_registry
from vigil.scheduling.preemption import default_preemption
from vigil.scheduling.preemption.candidates import Candidate, DryRun, num_candidates
from vigil.scheduling.preemption.default_preemption import (
    PREEMPTION_NOT_HELPFUL,
    DefaultPreemption,
    PreemptionResult,
)
from vigil.scheduling.preemption.execution import apply_preemption, preemption_of
from vigil.scheduling.preemption.selection import CRITERIA, NodeChoice
from vigil.scheduling.preemption.victims import NO_VICTIMS, Victims
from vigil.scheduling.profile import DEFAULT_PREEMPTION, Profile, default_profile
from vigil.scheduling.registry import Registry


def preemption_registry(base: Registry | None = None) -> Registry:
    """``base`` (default: `default_registry`) plus DefaultPreemption."""
    extra = Registry({DEFAULT_PREEMPTION: default_preemption.new})
    return (base if base is not None else default_registry()).merge(extra)


def with_preemption(profile: Profile, args: Mapping[str, Any] | None = None) -> Profile:
    """The profile with DefaultPreemption at PostFilter (and its args, if given)."""
    post_filter = profile.post_filter
    if DEFAULT_PREEMPTION not in post_filter:
        post_filter = (*post_filter, DEFAULT_PREEMPTION)
    plugin_args = dict(profile.plugin_args)
    if args is not None:
        plugin_args[DEFAULT_PREEMPTION] = dict(args)
    return replace(profile, post_filter=post_filter, plugin_args=plugin_args)


def preemption_profile(*, seed: int = 0) -> Profile:
    """kube-scheduler's default profile (as far as vigil implements it), preemption included."""
    return with_preemption(default_profile(), {"seed": seed})


__all__ = [
    "CRITERIA",
    "NO_VICTIMS",
    "PREEMPTION_NOT_HELPFUL",
    "Candidate",
    "DefaultPreemption",
    "DryRun",
    "NodeChoice",
    "PreemptionResult",
    "Victims",
    "apply_preemption",
    "num_candidates",
    "preemption_of",
    "preemption_profile",
    "preemption_registry",
    "with_preemption",
]
