"""PDB budgets: status first, else computed as the disruption controller does; violations."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.scheduling.builders import make_pod, sel
from tests.scheduling.preemption.helpers import conditions, pdb
from vigil.cluster import (
    ObjectMeta,
    OwnerReference,
    Pod,
    PodCondition,
    PodDisruptionBudget,
    Workload,
)
from vigil.scheduling import PodInfo
from vigil.scheduling.preemption.pdb import (
    compute_disruptions_allowed,
    filter_pods_with_pdb_violation,
    is_healthy,
    pdb_budgets,
)

READY = PodCondition("Ready", "True")
NOT_READY = PodCondition("Ready", "False")

DEPLOYMENT = Workload("Deployment", ObjectMeta("web", "default"), replicas=4)
RS = Workload(
    "ReplicaSet",
    ObjectMeta(
        "web-abc",
        "default",
        owner_references=(OwnerReference("apps/v1", "Deployment", "web", controller=True),),
    ),
    replicas=4,
)
STS = Workload("StatefulSet", ObjectMeta("db", "default"), replicas=3)
WORKLOADS = [DEPLOYMENT, RS, STS]


def web(i: int, *, ready: bool = True, bound: bool = True) -> Pod:
    b = make_pod(f"web-{i}").labels(app="web").owner("ReplicaSet", "web-abc")
    if not bound:
        return b.obj()
    return conditions(b.node("n1").obj(), READY if ready else NOT_READY)


def bare(i: int) -> Pod:
    return make_pod(f"bare-{i}").labels(app="web").node("n1").obj()


@pytest.mark.parametrize(
    ("budget", "pods", "expected"),
    [
        pytest.param(
            pdb("b", min_available=2, selector=sel(app="web")),
            [web(i) for i in range(3)],
            1,
            id="minAvailable int",
        ),
        pytest.param(
            pdb("b", min_available=3, selector=sel(app="web")),
            [web(i) for i in range(3)],
            0,
            id="minAvailable equal to healthy",
        ),
        pytest.param(
            pdb("b", min_available=1, selector=sel(app="web")),
            [web(0), web(1, ready=False)],
            0,
            id="not Ready is unhealthy",
        ),
        pytest.param(
            pdb("b", min_available=1, selector=sel(app="web")),
            [web(0), web(1, bound=False)],
            0,
            id="pending pod is unhealthy",
        ),
        pytest.param(
            pdb("b", min_available=0, selector=sel(app="web")),
            [bare(0), bare(1)],
            0,
            id="bound pods without a Ready condition are not healthy",
        ),
        pytest.param(
            pdb("b", min_available="50%", selector=sel(app="web")),
            [web(i) for i in range(4)],
            2,
            id="minAvailable percent of the Deployment scale",
        ),
        pytest.param(
            pdb("b", min_available="30%", selector=sel(app="web")),
            [web(i) for i in range(4)],
            2,
            id="percentages round up (30% of 4 is 2)",
        ),
        pytest.param(
            pdb("b", max_unavailable=1, selector=sel(app="web")),
            [web(i) for i in range(4)],
            1,
            id="maxUnavailable int",
        ),
        pytest.param(
            pdb("b", max_unavailable=1, selector=sel(app="web")),
            [web(i) for i in range(3)],
            0,
            id="maxUnavailable with a missing replica",
        ),
        pytest.param(
            pdb("b", max_unavailable="25%", selector=sel(app="web")),
            [web(i) for i in range(4)],
            1,
            id="maxUnavailable percent",
        ),
        pytest.param(
            pdb("b", max_unavailable=1, selector=sel(app="web")),
            [bare(0), bare(1)],
            0,
            id="unmanaged pods: expected 0",
        ),
        pytest.param(
            pdb("b", max_unavailable=1, selector=sel()),
            [web(i) for i in range(4)],
            1,
            id="empty selector selects the namespace",
        ),
        pytest.param(
            pdb("b", max_unavailable=1),
            [web(i) for i in range(4)],
            0,
            id="null selector selects nothing",
        ),
        pytest.param(
            pdb("b", selector=sel(app="web")), [web(i) for i in range(4)], 0, id="neither field set"
        ),
        pytest.param(
            pdb("b", min_available=1, selector=sel(app="web"), namespace="x"),
            [web(0), web(1)],
            0,
            id="other namespace",
        ),
    ],
)
def test_compute_disruptions_allowed(
    budget: PodDisruptionBudget, pods: list[Pod], expected: int
) -> None:
    assert compute_disruptions_allowed(budget, pods, WORKLOADS) == expected


def test_unknown_controller_fails_safe_to_zero() -> None:
    pods = [
        replace(
            web(0),
            metadata=replace(
                web(0).metadata,
                owner_references=(
                    OwnerReference("v1", "ReplicationController", "rc", controller=True),
                ),
            ),
        )
    ]
    assert (
        compute_disruptions_allowed(
            pdb("b", max_unavailable=1, selector=sel(app="web")), pods, WORKLOADS
        )
        == 0
    )


def test_terminating_and_disrupted_pods_are_not_healthy() -> None:
    terminating = conditions(make_pod("t").labels(app="web").node("n1").terminating().obj(), READY)
    assert not is_healthy(terminating)
    budget = pdb("b", min_available=1, selector=sel(app="web"), disrupted=["web-0"])
    budget = replace(budget, status=None)
    assert compute_disruptions_allowed(budget, [web(0), web(1)], WORKLOADS) == 1


def test_status_wins_over_computation() -> None:
    budgets = pdb_budgets(
        [pdb("s", 5, selector=sel(app="web")), pdb("c", min_available=1, selector=sel(app="web"))],
        [web(0), web(1)],
        WORKLOADS,
    )
    assert [(b.name, b.disruptions_allowed, b.from_status) for b in budgets] == [
        ("s", 5, True),
        ("c", 1, False),
    ]


@pytest.mark.parametrize(
    ("pods", "budgets", "violating"),
    [
        pytest.param(
            ["a", "b", "c"],
            [pdb("p", 1, selector=sel(app="web"))],
            ["b", "c"],
            id="budget used in order",
        ),
        pytest.param(
            ["a", "b"], [pdb("p", 2, selector=sel(app="web"))], [], id="budget large enough"
        ),
        pytest.param(
            ["a"],
            [pdb("p", 0, selector=sel(app="web")), pdb("q", 5, selector=sel(app="web"))],
            ["a"],
            id="any exhausted PDB violates",
        ),
        pytest.param(["a"], [pdb("p", 0, selector=None)], [], id="null selector matches nothing"),
        pytest.param(
            ["a"],
            [pdb("p", 0, selector=sel(app="web"), disrupted=["a"])],
            [],
            id="already disrupted",
        ),
    ],
)
def test_filter_pods_with_pdb_violation(
    pods: list[str], budgets: list[PodDisruptionBudget], violating: list[str]
) -> None:
    infos = [PodInfo.of(make_pod(n).labels(app="web").obj()) for n in pods]
    bad, good = filter_pods_with_pdb_violation(infos, pdb_budgets(budgets, []))
    assert [i.pod.name for i in bad] == violating
    assert [i.pod.name for i in good] == [n for n in pods if n not in violating]


def test_unlabeled_pods_match_no_pdb() -> None:
    infos = [PodInfo.of(make_pod("bare").obj())]
    bad, _ = filter_pods_with_pdb_violation(infos, pdb_budgets([pdb("p", 0, selector=sel())], []))
    assert bad == []
