"""Offline placement: schedule a loaded cluster's pending pods one cycle each, in queue order.

The queue order is PrioritySort's: higher priority first, then earlier creation timestamp (a
pod without one counts as created last), then name and namespace. Pods already bound
(``spec.nodeName``) are in the snapshot. Pods left out on purpose are listed with the reason
(`SkippedPod`): pods for a scheduler name no profile serves, pods with scheduling gates,
unbound pods being deleted, and pods bound to a node that is not in the input. Terminal pods
are neither scheduled nor listed.

Each pod gets one attempt: unlike a live scheduler, an unschedulable pod is not retried when
later pods change the cluster. The exception is a pod whose PostFilter (DefaultPreemption)
chose victims: the victims are deleted at once (the simulator models their graceful
termination as immediate), the pod gets its ``nominatedNodeName`` and goes back into the
queue, so it normally binds on its next attempt.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from enum import StrEnum

from vigil.cluster.cluster import Cluster
from vigil.cluster.pod import Pod
from vigil.scheduling.preemption.execution import apply_preemption, preemption_of
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


class SkipReason(StrEnum):
    """Why a pod of the input was not queued."""

    OTHER_SCHEDULER = "OtherScheduler"
    SCHEDULING_GATED = "SchedulingGated"
    TERMINATING = "Terminating"
    NODE_NOT_IN_INPUT = "NodeNotInInput"


@dataclass(frozen=True, slots=True)
class SkippedPod:
    """A pod left out of the run, with a stable reason code and a sentence."""

    pod: str
    reason: SkipReason
    message: str


def skipped_pods(
    pods: Iterable[Pod], scheduler_names: Iterable[str], node_names: Iterable[str]
) -> list[SkippedPod]:
    """The pods `pending_pods` leaves out on purpose (terminal pods are not listed)."""
    names = set(scheduler_names)
    nodes = set(node_names)
    out = []
    for p in pods:
        if p.is_terminal:
            continue
        if p.spec.node_name:
            if p.spec.node_name not in nodes:
                out.append(
                    SkippedPod(
                        p.key,
                        SkipReason.NODE_NOT_IN_INPUT,
                        f"bound to node {p.spec.node_name}, which is not in the input: its "
                        "requests count nowhere",
                    )
                )
            continue
        if p.is_terminating:
            out.append(SkippedPod(p.key, SkipReason.TERMINATING, "being deleted"))
        elif p.spec.scheduling_gates:
            gates = ", ".join(p.spec.scheduling_gates)
            out.append(
                SkippedPod(p.key, SkipReason.SCHEDULING_GATED, f"has scheduling gates: {gates}")
            )
        elif p.spec.scheduler_name not in names:
            out.append(
                SkippedPod(
                    p.key,
                    SkipReason.OTHER_SCHEDULER,
                    f"schedulerName {p.spec.scheduler_name} is served by no profile of this run",
                )
            )
    return out


@dataclass(slots=True)
class PodOutcome:
    """Every attempt of one queued pod, and what it ends with."""

    key: str
    attempts: list[ScheduleResult] = field(default_factory=list)

    @property
    def last(self) -> ScheduleResult:
        """The final attempt."""
        return self.attempts[-1]

    @property
    def nominated_node(self) -> str | None:
        """The ``nominatedNodeName`` the pod ends with: set by a preemption that chose a node,
        cleared by one that could not help, kept (from the input) when preemption was not
        eligible or did not run, as ``handleSchedulingFailure`` does."""
        nominated: str | None = self.attempts[0].pod.status.nominated_node_name or None
        for attempt in self.attempts:
            pre = preemption_of(attempt)
            if pre is not None:
                nominated = pre.nominated_node_name or None
        return nominated

    @property
    def victims(self) -> list[str]:
        """Pods preempted for this pod, over all attempts."""
        out: list[str] = []
        for attempt in self.attempts:
            pre = preemption_of(attempt)
            if pre is not None and pre.nominated_node_name:
                out.extend(v.key for v in pre.victims)
        return out


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts of a run: pods bound, left pending, preempted (deleted), and left out."""

    bound: int
    pending: int
    preempted: int
    skipped: int

    def line(self) -> str:
        """``3 bound, 1 pending, 1 preempted, 2 skipped``."""
        return (
            f"{self.bound} bound, {self.pending} pending, {self.preempted} preempted, "
            f"{self.skipped} skipped"
        )


@dataclass(slots=True)
class SimulationResult:
    """The result of each attempted pod, in attempt order, the final snapshot, and the pods
    left out of the run."""

    results: list[ScheduleResult] = field(default_factory=list)
    snapshot: Snapshot = field(default_factory=lambda: Snapshot(()))
    skipped: list[SkippedPod] = field(default_factory=list)

    def outcomes(self) -> list[PodOutcome]:
        """One outcome per queued pod, in the order of their first attempt."""
        by_key: dict[str, PodOutcome] = {}
        for result in self.results:
            by_key.setdefault(result.pod.key, PodOutcome(result.pod.key)).attempts.append(result)
        return list(by_key.values())

    def summary(self) -> Summary:
        """The counts of the run."""
        outcomes = self.outcomes()
        bound = sum(1 for o in outcomes if o.last.scheduled)
        preempted = sum(len(o.victims) for o in outcomes)
        return Summary(bound, len(outcomes) - bound, preempted, len(self.skipped))

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
    percentage_of_nodes_to_score: int = 0,
) -> SimulationResult:
    """Schedule every pending pod of ``cluster`` against its nodes and bound pods."""
    profiles = list(profiles or [default_profile()])
    snapshot = Snapshot.from_cluster(cluster)
    scheduler = Scheduler(
        snapshot,
        profiles,
        registry,
        seed=seed,
        percentage_of_nodes_to_score=percentage_of_nodes_to_score,
    )
    for pod in cluster.pods:
        if not pod.spec.node_name and pod.status.nominated_node_name:
            scheduler.nominate(pod, pod.status.nominated_node_name)
    names = [p.scheduler_name for p in profiles]
    out = SimulationResult(
        snapshot=snapshot,
        skipped=skipped_pods(cluster.pods, names, (n.name for n in cluster.nodes)),
    )
    pending = pending_pods(cluster.pods, names)
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
