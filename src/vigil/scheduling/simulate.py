"""Offline placement: schedule a loaded cluster's pending pods one cycle each, in queue order.

The queue order is PrioritySort's (higher priority first, then arrival, i.e. manifest order).
Pods already bound (``spec.nodeName``) are in the snapshot; pods with scheduling gates, terminal
pods and pods for other schedulers are left out. Each pod gets one attempt: unlike a live
scheduler, an unschedulable pod is not retried when later pods change the cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from vigil.cluster.cluster import Cluster
from vigil.cluster.pod import Pod
from vigil.scheduling.profile import Profile, default_profile
from vigil.scheduling.registry import Registry
from vigil.scheduling.scheduler import Scheduler, ScheduleResult
from vigil.scheduling.snapshot import Snapshot


def queue_order(pods: Iterable[Pod]) -> list[Pod]:
    """PrioritySort: higher priority first; stable, so equal priorities keep arrival order."""
    return sorted(pods, key=lambda p: -p.priority)


def pending_pods(pods: Iterable[Pod], scheduler_names: Iterable[str]) -> list[Pod]:
    """Pods the scheduler would queue: unbound, not terminal, not gated, for these schedulers."""
    names = set(scheduler_names)
    return [
        p
        for p in pods
        if not p.spec.node_name
        and not p.is_terminal
        and not p.is_terminating
        and not p.spec.scheduling_gates
        and p.spec.scheduler_name in names
    ]


@dataclass(slots=True)
class SimulationResult:
    """The result of each attempted pod, in attempt order, and the final snapshot."""

    results: list[ScheduleResult] = field(default_factory=list)
    snapshot: Snapshot = field(default_factory=lambda: Snapshot(()))

    def placements(self) -> dict[str, str | None]:
        """Pod key -> chosen node (None when pending)."""
        return {r.pod.key: r.node_name for r in self.results}

    def result(self, pod_key: str) -> ScheduleResult | None:
        """The result of one pod, by ``namespace/name``."""
        return next((r for r in self.results if r.pod.key == pod_key), None)


def schedule_cluster(
    cluster: Cluster,
    profiles: Sequence[Profile] | None = None,
    registry: Registry | None = None,
    *,
    seed: int = 0,
) -> SimulationResult:
    """Schedule every pending pod of ``cluster`` against its nodes and bound pods."""
    profiles = list(profiles or [default_profile()])
    snapshot = Snapshot.from_cluster(cluster)
    scheduler = Scheduler(snapshot, profiles, registry, seed=seed)
    for pod in cluster.pods:
        if not pod.spec.node_name and pod.status.nominated_node_name:
            scheduler.nominate(pod, pod.status.nominated_node_name)
    out = SimulationResult(snapshot=snapshot)
    pending = pending_pods(cluster.pods, (p.scheduler_name for p in profiles))
    for pod in queue_order(pending):
        out.results.append(scheduler.schedule_one(pod))
    return out
