"""A what-if ``kubectl drain``: which pods go, in what order, which are blocked and why, and
where the replacements their controllers create would be scheduled.

As kubectl does (``k8s.io/kubectl/pkg/drain``): the node is cordoned, then every pod on it goes
through kubectl's filters (`vigil.disruption.drain_filters`), and any error aborts the drain
before a single eviction.

The other pods are evicted through the Eviction API (`vigil.disruption.eviction`), in the order
the API lists them (namespace, then name). kubectl evicts them all at once and retries every
``429`` every five seconds; the plan models that in rounds: in each round every remaining pod
is tried in order against the PDB statuses (an allowed eviction uses its budget at once), the
evicted pods are deleted (graceful termination taken as immediate), the controllers of the
evicted pods (ReplicaSet, StatefulSet, Job) create replacements, which the scheduling engine
places with kube-scheduler's default profile and DefaultPreemption (the cordoned node excluded),
a bound replacement is taken as Running and Ready, and the disruption controller recomputes
the PDB statuses. The plan stops when no pod is left, or when a round evicts nothing: those pods
stay blocked, with the PDB and the reason, and kubectl would retry them until ``--timeout``.

``unhealthy_policy`` replaces every PDB's ``unhealthyPodEvictionPolicy`` (what if it were
``AlwaysAllow``?); each eviction that the PDB's own policy would have refused says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from vigil.cluster.cluster import Cluster
from vigil.cluster.decode import BOUND_WITHOUT_STATUS
from vigil.cluster.meta import ObjectMeta
from vigil.cluster.pod import Pod, PodStatus
from vigil.disruption.drain_filters import (
    DaemonSetLookup,
    FilterStatus,
    filter_pod,
    grouped,
)
from vigil.disruption.eviction import EvictionDecision
from vigil.disruption.ledger import BudgetLedger
from vigil.scheduling.preemption.execution import apply_preemption, preemption_of
from vigil.scheduling.scheduler import Scheduler, ScheduleResult
from vigil.scheduling.snapshot import Snapshot

RECREATING_KINDS = frozenset({"ReplicaSet", "StatefulSet", "Job", "ReplicationController"})
SCHEDULING_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class DrainOptions:
    """kubectl drain's flags that change the plan, and the what-if policy."""

    ignore_daemonsets: bool = False
    delete_emptydir_data: bool = False
    force: bool = False
    unhealthy_policy: str | None = None
    max_rounds: int = 10
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Replacement:
    """The pod a controller creates for an evicted one, and where it was scheduled."""

    pod: str
    node: str | None
    message: str
    nominated: str | None = None
    victims: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {
            "pod": self.pod,
            "node": self.node,
            "message": self.message,
            "nominatedNode": self.nominated,
            "victims": list(self.victims),
        }


@dataclass(frozen=True, slots=True)
class PlannedEviction:
    """One eviction of the plan: its round, the API's answer, and what replaced the pod."""

    round: int
    decision: EvictionDecision
    replacement: Replacement | None
    without_override: EvictionDecision | None = None
    """The answer under the PDB's own policy, when the what-if policy changed it."""

    def as_dict(self) -> dict[str, Any]:
        """JSON view: the `EvictionDecision` fields plus the round and the replacement."""
        out = {"round": self.round, **self.decision.as_dict()}
        out["replacement"] = None if self.replacement is None else self.replacement.as_dict()
        if self.without_override is not None:
            out["withoutOverride"] = self.without_override.as_dict()
        return out


@dataclass(slots=True)
class DrainPlan:
    """The whole what-if drain of one node."""

    node: str
    errors: list[str] = field(default_factory=list)
    """kubectl's filter errors: any one aborts the drain before the first eviction."""
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    evictions: list[PlannedEviction] = field(default_factory=list)
    blocked: list[EvictionDecision] = field(default_factory=list)
    rounds: int = 0

    @property
    def complete(self) -> bool:
        """Whether every pod that must go went."""
        return not self.errors and not self.blocked

    def summary(self) -> str:
        """One line: what happened to the node."""
        if self.errors:
            return f"drain of {self.node} refused: {len(self.errors)} filter error(s)"
        placed = sum(1 for e in self.evictions if e.replacement and e.replacement.node)
        text = (
            f"{len(self.evictions)} evicted in {self.rounds} round(s), {placed} replacement(s) "
            f"scheduled, {len(self.blocked)} blocked"
        )
        if self.blocked:
            return f"drain of {self.node} does not complete: {text}"
        return f"drain of {self.node} completes: {text}"

    def as_dict(self) -> dict[str, Any]:
        """The documented JSON object of ``vigil drain``."""
        return {
            "node": self.node,
            "complete": self.complete,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "skipped": list(self.skipped),
            "rounds": self.rounds,
            "evictions": [e.as_dict() for e in self.evictions],
            "blocked": [b.as_dict() for b in self.blocked],
            "summary": self.summary(),
        }


def _suffix(seed: str) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:5])


def replacement_for(pod: Pod, attempt: int = 0) -> Pod | None:
    """The pod the evicted pod's controller creates, not yet scheduled; None without one.

    A StatefulSet recreates the same name; a ReplicaSet or a Job a new ``<owner>-xxxxx``.
    """
    ref = pod.metadata.controller()
    if ref is None or ref.kind not in RECREATING_KINDS:
        return None
    name = (
        pod.name if ref.kind == "StatefulSet" else f"{ref.name}-{_suffix(f'{pod.key}/{attempt}')}"
    )
    meta = ObjectMeta(
        name=name,
        namespace=pod.namespace,
        labels=pod.metadata.labels,
        annotations=pod.metadata.annotations,
        owner_references=pod.metadata.owner_references,
    )
    return Pod(meta, replace(pod.spec, node_name=""), PodStatus())


class _Placer:
    """Schedules replacements into a snapshot of the working cluster, with preemption."""

    def __init__(self, work: Cluster, scheduler: Callable[[Snapshot], Scheduler]) -> None:
        self.work = work
        self.snapshot = Snapshot.from_cluster(work)
        self.scheduler = scheduler(self.snapshot)

    def remove(self, pod: Pod) -> None:
        if pod.spec.node_name:
            self.snapshot.remove_pod(pod, pod.spec.node_name)

    def place(self, pod: Pod) -> Replacement:
        victims: list[str] = []
        nominated: str | None = None
        current = pod
        result = None
        for _ in range(SCHEDULING_ATTEMPTS):
            result = self.scheduler.schedule_one(current)
            if result.scheduled:
                break
            retry = apply_preemption(self.scheduler, result)
            if retry is None:
                break
            nominated = retry.status.nominated_node_name
            for victim in _victims(result):
                victims.append(victim.key)
                self.work.delete(victim)
            current = retry
        assert result is not None
        if result.node_name is None:
            return Replacement(pod.key, None, result.message, nominated, tuple(victims))
        bound = replace(
            pod, spec=replace(pod.spec, node_name=result.node_name), status=BOUND_WITHOUT_STATUS
        )
        self.work.add(bound)
        return Replacement(pod.key, result.node_name, "", nominated, tuple(victims))


def _victims(result: ScheduleResult) -> list[Pod]:
    pre = preemption_of(result)
    return list(pre.victims) if pre is not None else []


def plan_drain(
    cluster: Cluster,
    node_name: str,
    scheduler: Callable[[Snapshot], Scheduler],
    options: DrainOptions | None = None,
) -> DrainPlan:
    """The what-if drain of ``node_name``; ``cluster`` is not changed.

    ``scheduler`` builds the scheduler that places replacements (the caller chooses profiles
    and seed). Raises KeyError when the node is not in the cluster.
    """
    options = options or DrainOptions()
    node = cluster.node(node_name)
    if node is None:
        raise KeyError(node_name)
    plan = DrainPlan(node_name)
    work = cluster.copy()
    work.add(replace(node, unschedulable=True))
    pods = sorted(work.pods_on_node(node_name), key=lambda p: (p.namespace, p.name))
    exists = daemon_set_lookup(cluster)
    filters = [filter_pod(p, options, exists) for p in pods]
    plan.errors = grouped(filters, FilterStatus.ERROR)
    plan.warnings = grouped(filters, FilterStatus.WARNING)
    plan.skipped = [f"{f.pod.key}: {f.message}" for f in filters if f.status is FilterStatus.SKIP]
    if plan.errors:
        return plan
    ledger = BudgetLedger(work, policy_override=options.unhealthy_policy)
    placer = _Placer(work, scheduler)
    remaining = [f.pod for f in filters if f.delete]
    last: dict[str, EvictionDecision] = {}
    for round_number in range(1, options.max_rounds + 1):
        plan.rounds = round_number
        evicted: list[tuple[Pod, EvictionDecision, EvictionDecision | None]] = []
        still: list[Pod] = []
        for pod in remaining:
            before = None
            if options.unhealthy_policy is not None:
                before = ledger.decide(pod, policy_override=pod_policy(ledger, pod))
            decision = ledger.evict(pod)
            if decision.allowed:
                placer.remove(pod)
                changed = before if before is not None and not before.allowed else None
                evicted.append((pod, decision, changed))
            else:
                last[pod.key] = decision
                still.append(pod)
        for pod, decision, changed in evicted:
            fresh = replacement_for(pod, round_number)
            placed = None
            if fresh is not None:
                placed = placer.place(fresh)
            plan.evictions.append(PlannedEviction(round_number, decision, placed, changed))
        ledger.sync()
        remaining = still
        if not remaining or not evicted:
            break
    plan.blocked = [last[p.key] for p in remaining]
    return plan


def daemon_set_lookup(cluster: Cluster) -> DaemonSetLookup | None:
    """Whether a DaemonSet exists, from the DaemonSets of the input; None when the input has
    none at all (an export of pods only cannot tell a missing DaemonSet from an unexported one)."""
    if not cluster.workloads_of_kind("DaemonSet"):
        return None

    def exists(namespace: str, name: str) -> bool:
        return cluster.workload("DaemonSet", namespace, name) is not None

    return exists


def pod_policy(ledger: BudgetLedger, pod: Pod) -> str | None:
    """The ``unhealthyPodEvictionPolicy`` of the PDB guarding the pod, as written (or None)."""
    pdbs = ledger.cluster.pdbs_for(pod)
    if len(pdbs) != 1:
        return None
    return pdbs[0].unhealthy_pod_eviction_policy or "IfHealthyBudget"
