"""Eviction API decisions, rule by rule, as eviction.go makes them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.disruption.builders import budget, pdb, running
from vigil.cluster import LabelSelector
from vigil.disruption.eviction import (
    MULTIPLE_PDBS_MESSAGE,
    TOO_MANY_REQUESTS_MESSAGE,
    EvictionCode,
    EvictionPath,
    decide_eviction,
)

WEB = pdb("web", min_available=2)
ALWAYS = pdb("web", max_unavailable=1, policy="AlwaysAllow")
STALE = pdb("web", min_available=2, generation=2)


def terminating():  # type: ignore[no-untyped-def]
    from tests.scheduling.builders import make_pod

    return replace(running("p"), metadata=make_pod("p", "shop").terminating().obj().metadata)


@pytest.mark.parametrize(
    ("pod", "pdbs", "status", "code", "path"),
    [
        pytest.param(
            running("p", phase="Pending"), [WEB], None, 200, EvictionPath.PDB_IGNORED, id="pending"
        ),
        pytest.param(
            running("p", phase="Succeeded"),
            [WEB],
            None,
            200,
            EvictionPath.PDB_IGNORED,
            id="succeeded",
        ),
        pytest.param(
            running("p", phase="Failed"), [WEB], None, 200, EvictionPath.PDB_IGNORED, id="failed"
        ),
        pytest.param(terminating(), [WEB], None, 200, EvictionPath.PDB_IGNORED, id="being deleted"),
        pytest.param(running("p"), [], None, 200, EvictionPath.NO_PDB, id="no pdb"),
        pytest.param(
            running("p"), [WEB, ALWAYS], None, 500, EvictionPath.MULTIPLE_PDBS, id="two pdbs"
        ),
        pytest.param(
            running("p"),
            [WEB],
            budget(WEB, allowed=1, healthy=3, desired=2),
            200,
            EvictionPath.BUDGET_USED,
            id="ready, budget left",
        ),
        pytest.param(
            running("p"),
            [WEB],
            budget(WEB, allowed=0, healthy=2, desired=2),
            429,
            EvictionPath.NO_BUDGET,
            id="ready, no budget",
        ),
        pytest.param(
            running("p", ready=False),
            [WEB],
            budget(WEB, allowed=1, healthy=3, desired=2),
            200,
            EvictionPath.UNHEALTHY_BUDGET_MET,
            id="unready, IfHealthyBudget met",
        ),
        pytest.param(
            running("p", ready=False),
            [WEB],
            budget(WEB, allowed=0, healthy=1, desired=2),
            429,
            EvictionPath.NO_BUDGET,
            id="unready, IfHealthyBudget not met",
        ),
        pytest.param(
            running("p", ready=False),
            [pdb(min_available=0)],
            budget(pdb(min_available=0), allowed=0, healthy=0, desired=0, expected=0),
            429,
            EvictionPath.NO_BUDGET,
            id="unready, desiredHealthy 0 falls through",
        ),
        pytest.param(
            running("p", ready=False),
            [ALWAYS],
            budget(ALWAYS, allowed=0, healthy=0, desired=2),
            200,
            EvictionPath.UNHEALTHY_ALWAYS_ALLOW,
            id="unready, AlwaysAllow",
        ),
        pytest.param(
            running("p"),
            [ALWAYS],
            budget(ALWAYS, allowed=0, healthy=2, desired=2),
            429,
            EvictionPath.NO_BUDGET,
            id="ready, AlwaysAllow does not help",
        ),
        pytest.param(
            running("p"),
            [STALE],
            budget(STALE, allowed=3, healthy=5, desired=2, observed=1),
            429,
            EvictionPath.STATUS_NOT_OBSERVED,
            id="stale status",
        ),
        pytest.param(
            running("p", ready=False),
            [STALE],
            budget(STALE, allowed=0, healthy=3, desired=2, observed=1),
            200,
            EvictionPath.UNHEALTHY_BUDGET_MET,
            id="stale status, unready pod, budget met",
        ),
        pytest.param(
            running("p"),
            [WEB],
            budget(WEB, allowed=-1, healthy=1, desired=2),
            403,
            EvictionPath.NEGATIVE_BUDGET,
            id="negative budget",
        ),
        pytest.param(
            running("p"),
            [WEB],
            budget(WEB, allowed=1, healthy=3, desired=2, disrupted=2001),
            403,
            EvictionPath.TOO_MANY_DISRUPTED,
            id="too many disrupted pods",
        ),
        pytest.param(
            running("p"),
            [WEB],
            budget(WEB, allowed=1, healthy=3, desired=2, disrupted=2000),
            200,
            EvictionPath.BUDGET_USED,
            id="2000 disrupted pods is still fine",
        ),
    ],
)
def test_decision_rules(pod, pdbs, status, code: int, path: EvictionPath) -> None:  # type: ignore[no-untyped-def]
    decision = decide_eviction(pod, pdbs, status)
    assert (int(decision.code), decision.path) == (code, path)
    assert decision.allowed is (code == 200)


def test_429_message_and_cause_are_upstreams() -> None:
    decision = decide_eviction(running("p"), [WEB], budget(WEB, allowed=0, healthy=2, desired=2))
    assert decision.as_dict() == {
        "pod": "shop/p",
        "allowed": False,
        "code": 429,
        "reason": "TooManyRequests",
        "message": TOO_MANY_REQUESTS_MESSAGE,
        "causes": [
            {
                "reason": "DisruptionBudget",
                "message": "The disruption budget web needs 2 healthy pods and has 2 currently",
            }
        ],
        "pdb": "shop/web",
    }


def test_stale_status_cause() -> None:
    decision = decide_eviction(
        running("p"), [STALE], budget(STALE, allowed=3, healthy=5, desired=2, observed=1)
    )
    assert [c.message for c in decision.causes] == [
        "The disruption budget web is still being processed by the server."
    ]


def test_500_and_403_messages() -> None:
    two = decide_eviction(running("p"), [WEB, ALWAYS], None)
    assert (two.message, two.reason.value, two.pdb, two.guarding) == (
        MULTIPLE_PDBS_MESSAGE,
        "InternalError",
        None,
        ("shop/web", "shop/web"),
    )
    negative = decide_eviction(running("p"), [WEB], budget(WEB, allowed=-1, healthy=1, desired=2))
    assert negative.message == (
        'poddisruptionbudget.policy "web" is forbidden: pdb disruptions allowed is negative'
    )
    assert negative.code is EvictionCode.FORBIDDEN


def test_policy_override_and_missing_status() -> None:
    pod = running("p", ready=False)
    status = budget(WEB, allowed=0, healthy=1, desired=2)
    assert not decide_eviction(pod, [WEB], status).allowed
    overridden = decide_eviction(pod, [WEB], status, policy_override="AlwaysAllow")
    assert overridden.allowed
    assert overridden.policy == "AlwaysAllow"
    with pytest.raises(ValueError, match="status of PodDisruptionBudget shop/web is needed"):
        decide_eviction(running("p"), [WEB], None)


def test_empty_selector_pdb_is_not_passed_by_the_store() -> None:
    from vigil.cluster import Cluster

    everything = pdb("all", selector=LabelSelector(), min_available=1)
    store = Cluster(pods=[running("p")], pdbs=[everything])
    assert store.pdbs_for(running("p")) == []


def _no_ready_condition(phase: str):  # type: ignore[no-untyped-def]
    pod = running("p", phase=phase)
    return replace(pod, status=replace(pod.status, conditions=()))


@pytest.mark.parametrize(
    ("pod", "status", "code", "path"),
    [
        pytest.param(
            running("p", phase="Unknown"),
            budget(WEB, allowed=0, healthy=2, desired=2),
            429,
            EvictionPath.NO_BUDGET,
            id="phase Unknown consults the PDB",
        ),
        pytest.param(
            running("p", phase=""),
            budget(WEB, allowed=0, healthy=2, desired=2),
            429,
            EvictionPath.NO_BUDGET,
            id="no phase consults the PDB",
        ),
        pytest.param(
            _no_ready_condition("Running"),
            budget(WEB, allowed=0, healthy=2, desired=2),
            200,
            EvictionPath.UNHEALTHY_BUDGET_MET,
            id="no Ready condition is unhealthy",
        ),
        pytest.param(
            _no_ready_condition("Pending"),
            budget(WEB, allowed=0, healthy=0, desired=2),
            200,
            EvictionPath.PDB_IGNORED,
            id="not yet running: PDB ignored",
        ),
        pytest.param(
            running("p", ready=False),
            budget(WEB, allowed=0, healthy=3, desired=2, observed=0),
            200,
            EvictionPath.UNHEALTHY_BUDGET_MET,
            id="unhealthy, healthy above desired, no budget left",
        ),
        pytest.param(
            running("p", ready=False),
            budget(WEB, allowed=-1, healthy=1, desired=2),
            403,
            EvictionPath.NEGATIVE_BUDGET,
            id="unhealthy below desired reaches checkAndDecrement",
        ),
    ],
)
def test_phases_and_readiness(pod, status, code: int, path: EvictionPath) -> None:  # type: ignore[no-untyped-def]
    """``canIgnorePDB`` ignores only Pending, Succeeded, Failed and deleting pods; readiness is
    ``podutil.IsPodReady`` (a missing condition is not Ready), the unhealthy shortcut compares
    the recorded currentHealthy and desiredHealthy
    (pkg/registry/core/pod/storage/eviction.go, Create and canIgnorePDB)."""
    decision = decide_eviction(pod, [WEB], status)
    assert (int(decision.code), decision.path) == (code, path)


def test_seed_example_always_allow_with_max_unavailable_one() -> None:
    """The issue's example: ``maxUnavailable: 1``, AlwaysAllow, ``app: nginx``: a not-Ready pod
    is deleted without using the budget even when no disruption is left; a Ready one gets the
    429 with the budget's numbers (eviction.go)."""
    nginx = pdb("nginx", max_unavailable=1, policy="AlwaysAllow")
    status = budget(nginx, allowed=0, healthy=2, desired=2)
    assert decide_eviction(running("a", ready=False), [nginx], status).allowed
    refused = decide_eviction(running("b"), [nginx], status)
    assert [c.message for c in refused.causes] == [
        "The disruption budget nginx needs 2 healthy pods and has 2 currently"
    ]
