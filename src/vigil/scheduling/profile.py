"""Scheduling profiles: which plugins run at each extension point, with what weights and args.

`default_profile` mirrors kube-scheduler's default ``KubeSchedulerConfiguration`` (v1) for the
plugins vigil implements, in upstream order, with upstream Score weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.cluster.pod import DEFAULT_SCHEDULER_NAME


@dataclass(frozen=True, slots=True)
class Profile:
    """One scheduler profile; plugins run in the listed order at each point."""

    scheduler_name: str = DEFAULT_SCHEDULER_NAME
    pre_filter: tuple[str, ...] = ()
    filter: tuple[str, ...] = ()
    post_filter: tuple[str, ...] = ()
    pre_score: tuple[str, ...] = ()
    score: tuple[tuple[str, int], ...] = ()
    plugin_args: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    percentage_of_nodes_to_score: int | None = None
    """None uses the scheduler-wide setting (0 = adaptive, as upstream)."""

    def plugin_names(self) -> list[str]:
        """Every plugin enabled at any point, in first-seen order."""
        names: list[str] = []
        for point in (self.pre_filter, self.filter, self.post_filter, self.pre_score):
            names.extend(n for n in point if n not in names)
        names.extend(n for n, _ in self.score if n not in names)
        return names

    def without(self, *plugins: str) -> Profile:
        """The same profile with these plugins disabled at every point."""
        drop = set(plugins)
        return Profile(
            scheduler_name=self.scheduler_name,
            pre_filter=tuple(n for n in self.pre_filter if n not in drop),
            filter=tuple(n for n in self.filter if n not in drop),
            post_filter=tuple(n for n in self.post_filter if n not in drop),
            pre_score=tuple(n for n in self.pre_score if n not in drop),
            score=tuple((n, w) for n, w in self.score if n not in drop),
            plugin_args=self.plugin_args,
            percentage_of_nodes_to_score=self.percentage_of_nodes_to_score,
        )


NODE_UNSCHEDULABLE = "NodeUnschedulable"
NODE_NAME = "NodeName"
TAINT_TOLERATION = "TaintToleration"
NODE_AFFINITY = "NodeAffinity"
NODE_PORTS = "NodePorts"
NODE_RESOURCES_FIT = "NodeResourcesFit"
POD_TOPOLOGY_SPREAD = "PodTopologySpread"
INTER_POD_AFFINITY = "InterPodAffinity"
DEFAULT_PREEMPTION = "DefaultPreemption"
NODE_RESOURCES_BALANCED_ALLOCATION = "NodeResourcesBalancedAllocation"


def default_profile(scheduler_name: str = DEFAULT_SCHEDULER_NAME) -> Profile:
    """The upstream default plugins vigil implements (volume, DRA and ImageLocality omitted).

    DefaultPreemption is not included here; the preemption package adds it to PostFilter.
    """
    return Profile(
        scheduler_name=scheduler_name,
        pre_filter=(
            NODE_AFFINITY,
            NODE_PORTS,
            NODE_RESOURCES_FIT,
            POD_TOPOLOGY_SPREAD,
            INTER_POD_AFFINITY,
        ),
        filter=(
            NODE_UNSCHEDULABLE,
            NODE_NAME,
            TAINT_TOLERATION,
            NODE_AFFINITY,
            NODE_PORTS,
            NODE_RESOURCES_FIT,
            POD_TOPOLOGY_SPREAD,
            INTER_POD_AFFINITY,
        ),
        pre_score=(
            TAINT_TOLERATION,
            NODE_AFFINITY,
            NODE_RESOURCES_FIT,
            POD_TOPOLOGY_SPREAD,
            INTER_POD_AFFINITY,
            NODE_RESOURCES_BALANCED_ALLOCATION,
        ),
        score=(
            (TAINT_TOLERATION, 3),
            (NODE_AFFINITY, 2),
            (NODE_RESOURCES_FIT, 1),
            (POD_TOPOLOGY_SPREAD, 2),
            (INTER_POD_AFFINITY, 2),
            (NODE_RESOURCES_BALANCED_ALLOCATION, 1),
        ),
    )
