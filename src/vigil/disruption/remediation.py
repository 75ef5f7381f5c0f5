"""The remediation planner: what to do with pods the gates report as misused.

Per pod, the alerts of the last `RemediationPolicy.window_seconds` are scored with the gate's
severity weights (low 1, medium 3, high 6, critical 10). The score asks for an action:

* ``watch`` below `RemediationPolicy.quarantine_score`;
* ``quarantine`` from it: the pod gets the label `RemediationPolicy.quarantine_label`, which a
  NetworkPolicy uses to cut it off; it is kept for evidence (its controller does not replace it);
* ``evict-and-replace`` from `RemediationPolicy.evict_score`: the pod is evicted through the
  Eviction API and its controller creates a clean replacement (a pod without a controller is
  quarantined instead: nothing would replace it).

Both disruptions take a pod out of service, so both go through the same two limits, most
suspicious pods first:

* the PodDisruptionBudget, with the Eviction API's rules (`vigil.disruption.eviction`): a
  disruption the budget does not allow becomes ``watch``, and says which budget refused it,
  unless `RemediationPolicy.unhealthy_eviction` is set: pods marked unhealthy for security
  reasons are then disrupted as ``unhealthyPodEvictionPolicy: AlwaysAllow`` would evict them,
  and the plan says that the service goes below its budget;
* a rate bound per service (its top controller): at most
  `RemediationPolicy.max_disruptions` pods disrupted per `RemediationPolicy.disruption_window_seconds`,
  counting pods already quarantined, so an attacker who triggers alerts on every pod cannot make
  vigil empty the service.

Pure: the caller passes the alerts, the cluster and the time the plan is for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from vigil.cluster.cluster import Cluster
from vigil.cluster.pod import Pod, PodCondition
from vigil.disruption.eviction import ALWAYS_ALLOW, EvictionCode, EvictionDecision
from vigil.disruption.ledger import BudgetLedger
from vigil.disruption.pod_alerts import PodAlert

QUARANTINE_LABEL = "vigil.io/quarantine"
SECURITY_UNHEALTHY = PodCondition("Ready", "False", "VigilSecurity", "marked unhealthy by vigil")


class Action(StrEnum):
    """What the plan does with one pod."""

    WATCH = "watch"
    QUARANTINE = "quarantine"
    EVICT = "evict-and-replace"


@dataclass(frozen=True, slots=True)
class RemediationPolicy:
    """Thresholds and bounds of the planner (defaults documented in docs/disruption.md)."""

    window_seconds: int = 600
    quarantine_score: int = 6
    evict_score: int = 20
    max_disruptions: int = 1
    disruption_window_seconds: int = 3600
    unhealthy_eviction: bool = False
    quarantine_label: str = QUARANTINE_LABEL

    def wanted(self, score: int) -> Action:
        """The action a score asks for."""
        if score >= self.evict_score:
            return Action.EVICT
        if score >= self.quarantine_score:
            return Action.QUARANTINE
        return Action.WATCH


@dataclass(frozen=True, slots=True)
class PodPlan:
    """The decision for one pod, and why."""

    pod: str
    service: str
    action: Action
    wanted: Action
    score: int
    alerts: int
    reason: str
    pdb: str | None = None
    below_budget: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The documented JSON object of ``vigil remediate``."""
        return {
            "pod": self.pod,
            "service": self.service,
            "action": str(self.action),
            "wanted": str(self.wanted),
            "score": self.score,
            "alerts": self.alerts,
            "pdb": self.pdb,
            "belowBudget": self.below_budget,
            "reason": self.reason,
        }


@dataclass(slots=True)
class RemediationPlan:
    """Decisions for every pod with alerts in the window, most suspicious first."""

    now: datetime
    pods: list[PodPlan] = field(default_factory=list)
    unknown_pods: list[str] = field(default_factory=list)
    """Pods with alerts that are not in the cluster (gone, or misnamed by the log pipeline)."""

    def summary(self) -> str:
        """``2 evict-and-replace, 1 quarantine, 5 watch``."""
        counts = {a: sum(1 for p in self.pods if p.action is a) for a in Action}
        text = ", ".join(
            f"{counts[a]} {a}" for a in (Action.EVICT, Action.QUARANTINE, Action.WATCH)
        )
        below = sum(1 for p in self.pods if p.below_budget)
        if below:
            text += f" ({below} below their PodDisruptionBudget)"
        return text


def service_of(cluster: Cluster, pod: Pod) -> str:
    """The service a pod serves: its top controller (``Deployment shop/web``), else itself."""
    chain = cluster.owner_chain(pod.metadata)
    if chain:
        top = chain[-1]
        return f"{top.kind} {top.metadata.key}"
    ref = pod.metadata.controller()
    if ref is not None:
        return f"{ref.kind} {pod.namespace}/{ref.name}"
    return f"Pod {pod.key}"


@dataclass(slots=True)
class _Scored:
    pod: Pod
    score: int
    alerts: int
    latest: datetime


def _score(
    cluster: Cluster, alerts: Iterable[PodAlert], since: datetime, now: datetime
) -> tuple[list[_Scored], list[str]]:
    by_pod: dict[str, _Scored] = {}
    unknown: set[str] = set()
    for alert in alerts:
        if not since < alert.time <= now:
            continue
        pod = cluster.pod(alert.pod)
        if pod is None:
            unknown.add(alert.pod)
            continue
        entry = by_pod.setdefault(alert.pod, _Scored(pod, 0, 0, alert.time))
        entry.score += int(alert.severity)
        entry.alerts += 1
        entry.latest = max(entry.latest, alert.time)
    ranked = sorted(by_pod.values(), key=lambda s: (-s.score, -s.latest.timestamp(), s.pod.key))
    return ranked, sorted(unknown)


def _refusal(decision: EvictionDecision) -> str:
    if decision.code is EvictionCode.INTERNAL_ERROR:
        return f"the Eviction API would refuse it: {decision.message}"
    causes = "; ".join(c.message for c in decision.causes) or decision.message
    return f"{decision.pdb} allows no disruption now ({causes})"


class _Planner:
    def __init__(self, cluster: Cluster, policy: RemediationPolicy) -> None:
        self.cluster = cluster
        self.policy = policy
        self.ledger = BudgetLedger(cluster.copy())
        self.disrupted: dict[str, int] = {}
        for pod in cluster.pods:
            if pod.labels.get(policy.quarantine_label) == "true":
                key = service_of(cluster, pod)
                self.disrupted[key] = self.disrupted.get(key, 0) + 1

    def plan(self, s: _Scored) -> PodPlan:
        policy, pod = self.policy, s.pod
        service = service_of(self.cluster, pod)
        wanted = policy.wanted(s.score)

        def result(
            action: Action, reason: str, pdb: str | None = None, below: bool = False
        ) -> PodPlan:
            return PodPlan(pod.key, service, action, wanted, s.score, s.alerts, reason, pdb, below)

        window = f"{policy.window_seconds // 60}m"
        if wanted is Action.WATCH:
            reason = f"score {s.score} in the last {window} is below {policy.quarantine_score}"
            return result(Action.WATCH, reason)
        action = wanted
        note = ""
        if action is Action.EVICT and pod.metadata.controller() is None:
            action = Action.QUARANTINE
            note = "no controller would replace it, so it is quarantined instead; "
        if pod.labels.get(policy.quarantine_label) == "true" and action is Action.QUARANTINE:
            return result(action, f"{note}already quarantined")
        done = self.disrupted.get(service, 0)
        hours = policy.disruption_window_seconds / 3600
        if done >= policy.max_disruptions:
            return result(
                Action.WATCH,
                f"{note}{service} already has {done} pod(s) disrupted within {hours:g}h "
                f"(at most {policy.max_disruptions}): alerts on many pods cannot empty it",
            )
        decision = self.ledger.decide(pod)
        below = False
        if not decision.allowed:
            if not policy.unhealthy_eviction or decision.code is EvictionCode.INTERNAL_ERROR:
                return result(Action.WATCH, note + _refusal(decision), decision.pdb)
            marked = replace(pod, status=replace(pod.status, conditions=(SECURITY_UNHEALTHY,)))
            self.ledger.cluster.add(marked)
            forced = self.ledger.decide(marked, policy_override=ALWAYS_ALLOW)
            if not forced.allowed:
                return result(Action.WATCH, note + _refusal(forced), forced.pdb)
            note += (
                f"below its PodDisruptionBudget: {_refusal(decision)}; disrupted anyway as a pod "
                "marked unhealthy for security reasons, as unhealthyPodEvictionPolicy AlwaysAllow "
                "evicts it; "
            )
            decision, pod, below = forced, marked, True
        self.ledger.evict(pod)
        self.disrupted[service] = done + 1
        what = (
            "evicted; its controller creates a replacement"
            if action is Action.EVICT
            else (f"labelled {policy.quarantine_label}=true and cut off, kept for evidence")
        )
        return result(
            action, f"{note}score {s.score} in the last {window}: {what}", decision.pdb, below
        )


def window_start(now: datetime, seconds: int) -> datetime:
    """``now - seconds``, or the first representable time when that lies before it."""
    try:
        return now - timedelta(seconds=seconds)
    except OverflowError:
        return datetime.min.replace(tzinfo=now.tzinfo)


def plan_remediation(
    cluster: Cluster,
    alerts: Iterable[PodAlert],
    now: datetime,
    policy: RemediationPolicy | None = None,
) -> RemediationPlan:
    """Decide, for every pod with alerts in the window ending at ``now``, what to do."""
    policy = policy or RemediationPolicy()
    since = window_start(now, policy.window_seconds)
    ranked, unknown = _score(cluster, alerts, since, now)
    planner = _Planner(cluster, policy)
    return RemediationPlan(now, [planner.plan(s) for s in ranked], unknown)
