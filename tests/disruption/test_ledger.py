"""A sequence of evictions: budgets used at once, recomputed when the controller syncs."""

from __future__ import annotations

from tests.disruption.builders import pdb, replica_set, running
from vigil.cluster import Cluster, PodDisruptionBudgetStatus
from vigil.disruption.eviction import EvictionPath
from vigil.disruption.ledger import BudgetLedger


def _store(*pdbs, ready=(True, True, True)):  # type: ignore[no-untyped-def]
    pods = [running(f"web-{i}", ready=r) for i, r in enumerate(ready)]
    return Cluster(pods=pods, pdbs=list(pdbs), workloads=[replica_set(replicas=len(ready))])


def test_budget_is_used_by_the_first_eviction() -> None:
    ledger = BudgetLedger(_store(pdb(max_unavailable=1)))
    pods = ledger.cluster.pods
    first, second = ledger.evict(pods[0]), ledger.evict(pods[1])
    assert (first.allowed, first.path) == (True, EvictionPath.BUDGET_USED)
    assert (second.allowed, second.path) == (False, EvictionPath.NO_BUDGET)
    assert [p.name for p in ledger.cluster.pods] == ["web-1", "web-2"]
    ledger.sync()
    status = ledger.status(ledger.cluster.pdbs[0])
    assert (status.current_healthy, status.desired_healthy, status.disruptions_allowed) == (2, 2, 0)


def test_recorded_status_is_read_until_the_first_sync() -> None:
    recorded = pdb(max_unavailable=1, status=PodDisruptionBudgetStatus(disruptions_allowed=0))
    ledger = BudgetLedger(_store(recorded))
    assert not ledger.evict(ledger.cluster.pods[0]).allowed
    ledger.sync()
    assert ledger.evict(ledger.cluster.pods[0]).allowed


def test_unready_pods_leave_without_using_the_budget() -> None:
    ledger = BudgetLedger(_store(pdb(min_available=1), ready=(True, True, False)))
    decision = ledger.evict(ledger.cluster.pods[2])
    assert decision.path is EvictionPath.UNHEALTHY_BUDGET_MET
    assert not decision.uses_budget
    assert ledger.status(ledger.cluster.pdbs[0]).disruptions_allowed == 1


def test_policy_override() -> None:
    store = _store(pdb(min_available=3), ready=(True, True, False))
    assert not BudgetLedger(store.copy()).evict(store.pods[2]).allowed
    ledger = BudgetLedger(store.copy(), policy_override="AlwaysAllow")
    assert ledger.evict(store.pods[2]).path is EvictionPath.UNHEALTHY_ALWAYS_ALLOW
