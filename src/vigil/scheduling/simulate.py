"""Offline placement: schedule a loaded cluster's pending pods one cycle each, in queue order.

The queue order is PrioritySort's: higher priority first, then earlier creation timestamp (a
pod without one counts as created last), then name and namespace. Pods already bound
(``spec.nodeName``) are in the snapshot; pods with scheduling gates, terminal pods and pods for
other schedulers are left out. Each pod gets one attempt: unlike a live scheduler, an
unschedulable pod is not retried when later pods change the cluster. The exception is a pod
whose PostFilter (DefaultPreemption) chose victims: the victims are deleted at once (the
simulator models their graceful termination as immediate), the pod gets its
``nominatedNodeName`` and goes back into the queue, so it normally binds on its next attempt.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC

from vigil.cluster.cluster import Cluster
from vigil.cluster.pod import Pod
from vigil.scheduling.preemption.execution import apply_preemption
from vigil.scheduling.profile import Profile, default_profile
from vigil.scheduling.registry import Registry
from vigil.scheduling.scheduler import Scheduler, ScheduleResult
from vigil.scheduling.snapshot import Snapshot

MAX_ATTEMPTS = 5
"""Cycles per pod: the first, plus retries after preemptions that nominated it."""


def queue_key(pod: Pod) -> tuple[int, float, str, str]:
    """PrioritySort's order as a key: priority desc, creation timestamp, name, namespace."""
    created = pod.metadata.creation_timestamp
    if created is None:
        when = math.inf
    else:
        when = (created if created.tzinfo else created.replace(tzinfo=UTC)).timestamp()
    return (-pod.priority, when, pod.name, pod.namespace)


def queue_order(pods: Iterable[Pod]) -> list[Pod]:
    """The pods in scheduling-queue order (`queue_key`)."""
    return sorted(pods, key=queue_key)


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
        """The last attempt of one pod, by ``namespace/name``."""
        return next((r for r in reversed(self.results) if r.pod.key == pod_key), None)

    def attempts(self, pod_key: str) -> list[ScheduleResult]:
        """Every attempt of one pod, in order (more than one after a preemption)."""
        return [r for r in self.results if r.pod.key == pod_key]


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
    queue = [(queue_key(p), i, p) for i, p in enumerate(pending)]
    heapq.heapify(queue)
    attempts: dict[str, int] = {}
    while queue:
        _, i, pod = heapq.heappop(queue)
        result = scheduler.schedule_one(pod)
        out.results.append(result)
        attempts[pod.key] = attempts.get(pod.key, 0) + 1
        retry = apply_preemption(scheduler, result)
        if retry is not None and attempts[pod.key] < MAX_ATTEMPTS:
            heapq.heappush(queue, (queue_key(retry), i, retry))
    return out
