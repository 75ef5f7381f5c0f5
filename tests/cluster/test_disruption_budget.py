"""PDB status as the disruption controller computes it: every rule of disruption.go, table-driven."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.scheduling.builders import make_pod, sel
from vigil.cluster import (
    Cluster,
    LabelSelector,
    ObjectMeta,
    OwnerReference,
    Pod,
    PodCondition,
    PodDisruptionBudget,
    PodDisruptionBudgetStatus,
    PodStatus,
    Workload,
)
from vigil.cluster.disruption_budget import (
    BudgetReason,
    budget_statuses,
    compute_status,
    controller_lookup,
    desired_healthy,
    recorded_status,
    scale_owner,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
DEPLOYMENT = Workload("Deployment", ObjectMeta("web", "shop", uid="d"), replicas=4)
RS = Workload(
    "ReplicaSet",
    ObjectMeta(
        "web-1",
        "shop",
        uid="r",
        owner_references=(OwnerReference("apps/v1", "Deployment", "web", "d", True),),
    ),
    replicas=4,
)
STS = Workload("StatefulSet", ObjectMeta("db", "shop"), replicas=3)


def pod(
    name: str,
    *,
    ready: bool = True,
    owner: tuple[str, str] | None = ("ReplicaSet", "web-1"),
    app: str = "web",
    terminating: bool = False,
) -> Pod:
    b = make_pod(name, "shop").labels(app=app).node("n1")
    if owner is not None:
        b = b.owner(*owner)
    if terminating:
        b = b.terminating()
    p = b.obj()
    cond = PodCondition("Ready", "True" if ready else "False")
    return replace(p, status=PodStatus("Running", (cond,)))


def budget(
    *,
    min_available: int | str | None = None,
    max_unavailable: int | str | None = None,
    selector: LabelSelector | None = None,
    disrupted: dict[str, datetime | None] | None = None,
) -> PodDisruptionBudget:
    status = None if disrupted is None else PodDisruptionBudgetStatus(disrupted_pods=disrupted)
    return PodDisruptionBudget(
        ObjectMeta("pdb", "shop"),
        sel(app="web") if selector is None else selector,
        min_available,
        max_unavailable,
        None,
        status,
    )


def status_of(pdb: PodDisruptionBudget, pods: list[Pod], now: datetime | None = None):  # type: ignore[no-untyped-def]
    cluster = Cluster(workloads=[DEPLOYMENT, RS, STS], pods=pods)
    return compute_status(pdb, pods, controller_lookup(cluster), now=now)


def web(n: int, *, unready: int = 0) -> list[Pod]:
    return [pod(f"web-{i}", ready=i >= unready) for i in range(n)]


@pytest.mark.parametrize(
    ("pdb", "pods", "expected"),
    [
        pytest.param(budget(min_available=2), web(3), (3, 3, 2, 1), id="minAvailable int"),
        pytest.param(budget(min_available=3), web(3), (3, 3, 3, 0), id="minAvailable all"),
        pytest.param(budget(min_available=5), web(3), (3, 3, 5, 0), id="minAvailable above"),
        pytest.param(
            budget(min_available=2), web(3, unready=1), (3, 2, 2, 0), id="not Ready unhealthy"
        ),
        pytest.param(budget(max_unavailable=1), web(4), (4, 4, 3, 1), id="maxUnavailable int"),
        pytest.param(
            budget(max_unavailable="30%"), web(4), (4, 4, 2, 2), id="30% of 4 rounds up to 2"
        ),
        pytest.param(
            budget(min_available="34%"), web(3), (4, 3, 2, 1), id="34% of 4 scale rounds up"
        ),
        pytest.param(
            budget(max_unavailable="100%"), web(4), (4, 4, 0, 4), id="maxUnavailable 100%"
        ),
        pytest.param(budget(max_unavailable=0), web(4), (4, 4, 4, 0), id="maxUnavailable 0"),
        pytest.param(budget(min_available=0), [], (0, 0, 0, 0), id="no pods expects nothing"),
        pytest.param(
            budget(min_available=1, selector=LabelSelector()),
            [*web(2), pod("db-0", owner=("StatefulSet", "db"), app="db")],
            (3, 3, 1, 2),
            id="empty selector selects the namespace",
        ),
        pytest.param(budget(min_available=0, selector=None), web(2), (2, 2, 0, 2), id="app=web"),
    ],
)
def test_status_arithmetic(
    pdb: PodDisruptionBudget, pods: list[Pod], expected: tuple[int, int, int, int]
) -> None:
    st = status_of(pdb, pods)
    assert (st.expected_pods, st.current_healthy, st.desired_healthy, st.disruptions_allowed) == (
        expected
    )
    assert st.reason is (
        BudgetReason.SUFFICIENT_PODS if expected[3] > 0 else BudgetReason.INSUFFICIENT_PODS
    )


@pytest.mark.parametrize(
    ("max_unavailable", "scale", "desired"),
    [("30%", 7, 4), ("30%", 3, 2), ("34%", 3, 1), ("50%", 5, 2), ("1%", 100, 99)],
)
def test_percentages_round_up(max_unavailable: str, scale: int, desired: int) -> None:
    deployment = replace(DEPLOYMENT, replicas=scale)
    pods = web(scale)
    cluster = Cluster(workloads=[deployment, RS], pods=pods)
    st = compute_status(budget(max_unavailable=max_unavailable), pods, controller_lookup(cluster))
    assert st.desired_healthy == desired


def test_null_selector_selects_nothing() -> None:
    pdb = replace(budget(min_available=1), selector=None)
    st = status_of(pdb, web(2))
    assert (st.expected_pods, st.current_healthy, st.selected) == (0, 0, ())


def test_terminating_and_recently_disrupted_pods_are_not_healthy() -> None:
    pods = [*web(3), pod("web-9", terminating=True)]
    recent = budget(min_available=1, disrupted={"web-0": NOW - timedelta(seconds=30)})
    old = budget(min_available=1, disrupted={"web-0": NOW - timedelta(minutes=5)})
    assert status_of(recent, pods, NOW).current_healthy == 2
    assert status_of(old, pods, NOW).current_healthy == 3
    assert status_of(old, pods).current_healthy == 2


def test_unknown_controller_fails_the_sync_safely() -> None:
    orphan = pod("web-x", owner=("ReplicaSet", "gone"))
    st = status_of(budget(max_unavailable=1), [*web(2), orphan])
    assert st.reason is BudgetReason.SYNC_FAILED
    assert st.message == 'found no controllers for pod "web-x"'
    assert st.disruptions_allowed == 0


def test_unmanaged_pods_are_skipped_for_the_scale() -> None:
    bare = pod("bare", owner=None)
    st = status_of(budget(max_unavailable=1), [*web(4), bare])
    assert st.unmanaged == ("bare",)
    assert (st.expected_pods, st.current_healthy, st.disruptions_allowed) == (4, 5, 2)


def test_scale_owner_follows_replica_set_to_deployment() -> None:
    cluster = Cluster(workloads=[DEPLOYMENT, RS, STS])
    assert scale_owner(cluster, pod("a")) is DEPLOYMENT
    assert scale_owner(Cluster(workloads=[RS]), pod("a")) is RS
    assert scale_owner(cluster, pod("db-0", owner=("StatefulSet", "db"))) is STS
    assert scale_owner(cluster, pod("x", owner=None)) is None


def test_replication_controllers_scale_and_daemonsets_have_none() -> None:
    rc = Workload("ReplicationController", ObjectMeta("legacy", "shop"), replicas=2)
    ds = Workload("DaemonSet", ObjectMeta("agent", "shop"))
    cluster = Cluster(workloads=[rc, ds])
    assert scale_owner(cluster, pod("legacy-1", owner=("ReplicationController", "legacy"))) is rc
    pods = [pod(f"legacy-{i}", owner=("ReplicationController", "legacy")) for i in range(2)]
    st = compute_status(budget(max_unavailable=1), pods, controller_lookup(cluster))
    assert (st.expected_pods, st.desired_healthy, st.disruptions_allowed) == (2, 1, 1)
    agent = pod("agent-1", owner=("DaemonSet", "agent"))
    st = compute_status(budget(max_unavailable=1), [agent], controller_lookup(cluster))
    assert (st.reason, st.message) == (
        BudgetReason.SYNC_FAILED,
        'found no controllers for pod "agent-1"',
    )


def test_budget_statuses_of_a_store_and_recorded_status() -> None:
    recorded = replace(
        budget(min_available=1),
        status=PodDisruptionBudgetStatus(1, 3, 2, 3, observed_generation=4),
    )
    cluster = Cluster(workloads=[DEPLOYMENT, RS], pods=web(3), pdbs=[recorded])
    (st,) = budget_statuses(cluster)
    assert (st.key, st.disruptions_allowed) == ("shop/pdb", 2)
    rec = recorded_status(recorded)
    assert rec is not None
    assert (rec.disruptions_allowed, rec.current_healthy, rec.observed_generation) == (1, 3, 4)
    assert recorded_status(budget(min_available=1)) is None
    assert st.as_recorded().disruptions_allowed == 2


@pytest.mark.parametrize(
    ("min_available", "max_unavailable", "expected", "desired"),
    [
        (2, None, 5, 2),
        ("50%", None, 5, 3),
        (None, 1, 5, 4),
        (None, "30%", 5, 3),
        (None, 7, 5, 0),
        (None, None, 5, 0),
    ],
)
def test_desired_healthy(
    min_available: int | str | None, max_unavailable: int | str | None, expected: int, desired: int
) -> None:
    pdb = budget(min_available=min_available, max_unavailable=max_unavailable)
    assert desired_healthy(pdb, expected) == desired


def test_selection_of_template_labels_is_the_pods_selection() -> None:
    pdb = budget(min_available=1)
    assert pdb.selects_labels("shop", {"app": "web"})
    assert not pdb.selects_labels("other", {"app": "web"})
    assert not replace(pdb, selector=None).selects_labels("shop", {"app": "web"})


def test_disrupted_pods_at_the_deletion_timeout_and_of_terminating_pods() -> None:
    """``buildDisruptedPodMap`` keeps an entry until ``when + DeletionTimeout`` is before now and
    drops the entries of terminating pods; ``countHealthyPods`` skips a pod only while
    ``when + DeletionTimeout`` is after now (pkg/controller/disruption/disruption.go)."""
    at_timeout = NOW - timedelta(minutes=2)
    pods = [*web(3), pod("web-9", terminating=True)]
    st = status_of(
        budget(min_available=1, disrupted={"web-0": at_timeout, "web-9": NOW}), pods, NOW
    )
    assert dict(st.disrupted_pods) == {"web-0": at_timeout}
    assert st.current_healthy == 3


def test_sync_failure_keeps_the_recorded_status_with_no_disruption() -> None:
    """``failSafe``: on a sync error only ``disruptionsAllowed`` (0) and the condition change;
    the other fields and ``observedGeneration`` stay as recorded (disruption.go)."""
    orphan = pod("web-x", owner=("ReplicaSet", "gone"))
    recorded = PodDisruptionBudgetStatus(2, 3, 1, 3, observed_generation=1)
    pdb = replace(
        budget(max_unavailable=1),
        metadata=ObjectMeta("pdb", "shop", generation=2),
        status=recorded,
    )
    st = status_of(pdb, [*web(2), orphan])
    assert st.reason is BudgetReason.SYNC_FAILED
    assert (st.expected_pods, st.current_healthy, st.desired_healthy) == (3, 3, 1)
    assert (st.disruptions_allowed, st.observed_generation) == (0, 1)
    fresh = status_of(budget(max_unavailable=1), [*web(2), orphan])
    assert (fresh.expected_pods, fresh.current_healthy, fresh.observed_generation) == (0, 0, 0)
