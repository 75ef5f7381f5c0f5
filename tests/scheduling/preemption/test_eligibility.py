"""PodEligibleToPreemptOthers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.scheduling.builders import make_node, make_pod, snapshot
from tests.scheduling.preemption.helpers import conditions, policy
from vigil.cluster import Pod, PodCondition
from vigil.scheduling import Status
from vigil.scheduling.preemption.eligibility import (
    NOT_ELIGIBLE_NEVER,
    NOT_ELIGIBLE_TERMINATING,
    pod_eligible_to_preempt_others,
    pod_terminating_by_preemption,
)

PREEMPTED = PodCondition("DisruptionTarget", "True", "PreemptionByScheduler")
EVICTED = PodCondition("DisruptionTarget", "True", "EvictionByEvictionAPI")


def on_n1(name: str, priority: int, *conds: PodCondition, terminating: bool = True) -> Pod:
    b = make_pod(name).priority(priority).node("n1")
    if terminating:
        b = b.terminating()
    return conditions(b.obj(), *conds)


@dataclass
class Case:
    id: str
    pod: Pod
    existing: list[Pod]
    nominated_status: Status
    eligible: bool
    message: str = ""


NOMINATED = make_pod("p").priority(100).nominated("n1").obj()

CASES = [
    Case("plain pod", make_pod("p").priority(100).obj(), [], Status(), True),
    Case(
        "preemptionPolicy Never",
        policy(make_pod("p").priority(100).obj(), "Never"),
        [],
        Status(),
        False,
        NOT_ELIGIBLE_NEVER,
    ),
    Case(
        "PreemptLowerPriority",
        policy(make_pod("p").priority(100).obj(), "PreemptLowerPriority"),
        [],
        Status(),
        True,
    ),
    Case(
        "nominated, a lower-priority victim is terminating by preemption",
        NOMINATED,
        [on_n1("v", 1, PREEMPTED)],
        Status.unschedulable("Insufficient cpu"),
        False,
        NOT_ELIGIBLE_TERMINATING,
    ),
    Case(
        "nominated, but the nominated node is now UnschedulableAndUnresolvable",
        NOMINATED,
        [on_n1("v", 1, PREEMPTED)],
        Status.unresolvable("node(s) had untolerated taint {k: v}"),
        True,
    ),
    Case(
        "terminating for another reason (eviction)",
        NOMINATED,
        [on_n1("v", 1, EVICTED)],
        Status.unschedulable("Insufficient cpu"),
        True,
    ),
    Case(
        "DisruptionTarget without a deletion timestamp",
        NOMINATED,
        [on_n1("v", 1, PREEMPTED, terminating=False)],
        Status.unschedulable("Insufficient cpu"),
        True,
    ),
    Case(
        "the terminating pod has a higher priority",
        NOMINATED,
        [on_n1("v", 500, PREEMPTED)],
        Status.unschedulable("Insufficient cpu"),
        True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_pod_eligible_to_preempt_others(case: Case) -> None:
    snap = snapshot([make_node("n1").obj()], case.existing)
    assert pod_eligible_to_preempt_others(case.pod, snap, case.nominated_status) == (
        case.eligible,
        case.message,
    )


def test_pod_terminating_by_preemption() -> None:
    assert pod_terminating_by_preemption(on_n1("v", 1, PREEMPTED))
    assert not pod_terminating_by_preemption(
        on_n1("v", 1, PodCondition("DisruptionTarget", "False", "PreemptionByScheduler"))
    )
    assert not pod_terminating_by_preemption(on_n1("v", 1))
