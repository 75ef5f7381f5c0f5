"""The remediation planner: thresholds, PDBs, the per-service bound, and saying why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.disruption.builders import pdb, replica_set, running
from vigil.cluster import Cluster
from vigil.disruption.pod_alerts import PodAlert, Severity
from vigil.disruption.remediation import Action, RemediationPolicy, plan_remediation

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def alerts(pod: str, *severities: Severity, minutes_ago: int = 1) -> list[PodAlert]:
    when = NOW - timedelta(minutes=minutes_ago)
    return [PodAlert(pod, when, s) for s in severities]


def store(*pdbs, pods=None) -> Cluster:  # type: ignore[no-untyped-def]
    web = pods if pods is not None else [running(f"web-{i}", node=f"n{i}") for i in range(4)]
    return Cluster(pods=web, pdbs=list(pdbs), workloads=[replica_set(replicas=len(web))])


def by_pod(plan):  # type: ignore[no-untyped-def]
    return {p.pod: p for p in plan.pods}


def test_scores_ask_for_actions() -> None:
    feed = (
        alerts("shop/web-0", Severity.LOW)
        + alerts("shop/web-1", Severity.HIGH)
        + alerts("shop/web-2", Severity.CRITICAL, Severity.CRITICAL)
    )
    policy = RemediationPolicy(max_disruptions=5)
    plan = by_pod(plan_remediation(store(pdb(max_unavailable=2)), feed, NOW, policy))
    assert plan["shop/web-0"].action is Action.WATCH
    assert plan["shop/web-0"].reason == "score 1 in the last 10m is below 6"
    assert plan["shop/web-1"].action is Action.QUARANTINE
    assert plan["shop/web-1"].reason.endswith(
        "labelled vigil.io/quarantine=true and cut off, kept for evidence"
    )
    assert plan["shop/web-2"].action is Action.EVICT
    assert plan["shop/web-2"].pdb == "shop/web"


def test_alerts_on_every_pod_cannot_empty_the_service() -> None:
    feed = [
        a for i in range(4) for a in alerts(f"shop/web-{i}", Severity.CRITICAL, Severity.CRITICAL)
    ]
    plan = plan_remediation(store(pdb(max_unavailable=4)), feed, NOW)
    actions = [p.action for p in plan.pods]
    assert actions.count(Action.EVICT) == 1
    assert actions.count(Action.WATCH) == 3
    bounded = [p for p in plan.pods if p.action is Action.WATCH]
    assert all(
        "ReplicaSet shop/web-1 already has 1 pod(s) disrupted within 1h" in p.reason
        for p in bounded
    )
    assert plan.summary() == "1 evict-and-replace, 0 quarantine, 3 watch"


def test_never_below_the_budget_unless_the_policy_says_so() -> None:
    feed = alerts("shop/web-0", Severity.CRITICAL, Severity.CRITICAL)
    tight = store(pdb(min_available=4))
    (refused,) = plan_remediation(tight, feed, NOW).pods
    assert refused.action is Action.WATCH
    assert refused.wanted is Action.EVICT
    assert refused.reason == (
        "shop/web allows no disruption now (The disruption budget web needs 4 healthy pods and "
        "has 4 currently)"
    )
    policy = RemediationPolicy(unhealthy_eviction=True)
    (forced,) = plan_remediation(tight, feed, NOW, policy).pods
    assert forced.action is Action.EVICT
    assert forced.below_budget
    assert "below its PodDisruptionBudget" in forced.reason
    assert "unhealthyPodEvictionPolicy AlwaysAllow" in forced.reason


def test_pods_without_controller_are_quarantined_not_evicted() -> None:
    bare = running("bare", owner=None)
    plan = plan_remediation(
        store(pods=[bare]), alerts("shop/bare", Severity.CRITICAL, Severity.CRITICAL), NOW
    )
    (only,) = plan.pods
    assert (only.action, only.service) == (Action.QUARANTINE, "Pod shop/bare")
    assert only.reason.startswith("no controller would replace it, so it is quarantined instead")


def test_window_quarantined_pods_and_unknown_pods() -> None:
    quarantined = running("web-0")
    quarantined = replace(
        quarantined,
        metadata=replace(
            quarantined.metadata, labels={**quarantined.labels, "vigil.io/quarantine": "true"}
        ),
    )
    pods = [quarantined, running("web-1"), running("web-2")]
    feed = (
        alerts("shop/web-0", Severity.HIGH)
        + alerts("shop/web-1", Severity.HIGH)
        + alerts("shop/web-2", Severity.CRITICAL, minutes_ago=30)
        + alerts("shop/gone", Severity.HIGH)
    )
    plan = plan_remediation(store(pdb(max_unavailable=3), pods=pods), feed, NOW)
    result = by_pod(plan)
    assert result["shop/web-0"].reason == "already quarantined"
    assert result["shop/web-1"].action is Action.WATCH
    assert "already has 1 pod(s) disrupted" in result["shop/web-1"].reason
    assert "shop/web-2" not in result
    assert plan.unknown_pods == ["shop/gone"]
    as_json = result["shop/web-1"].as_dict()
    assert set(as_json) == {
        "pod",
        "service",
        "action",
        "wanted",
        "score",
        "alerts",
        "pdb",
        "belowBudget",
        "reason",
    }


def test_a_window_reaching_before_the_first_representable_time_starts_there() -> None:
    """Alert times come from log lines: ``0001-01-01`` must not overflow the window."""
    first = datetime.min.replace(tzinfo=UTC) + timedelta(seconds=1)
    feed = [PodAlert("shop/web-0", first, Severity.CRITICAL)] * 2
    plan = by_pod(plan_remediation(store(pdb(max_unavailable=2)), feed, first))
    assert plan["shop/web-0"].action is Action.EVICT
    policy = RemediationPolicy(window_seconds=10**15)
    assert by_pod(plan_remediation(store(), feed, NOW, policy))["shop/web-0"].score == 20
