"""Property: no sequence of evictions the engine allows takes a service with an IfHealthyBudget
PDB below its desiredHealthy (and a service already below it loses no healthy pod)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.disruption.builders import pdb, replica_set, running
from vigil.cluster import Cluster, PodDisruptionBudget
from vigil.cluster.disruption_budget import compute_status, controller_lookup, is_healthy
from vigil.disruption.ledger import BudgetLedger


@st.composite
def budgets(draw: st.DrawFn, replicas: int) -> PodDisruptionBudget:
    kind = draw(st.sampled_from(["minInt", "minPct", "maxInt", "maxPct"]))
    policy = draw(st.sampled_from([None, "IfHealthyBudget"]))
    if kind == "minInt":
        return pdb(min_available=draw(st.integers(0, replicas + 1)), policy=policy)
    if kind == "maxInt":
        return pdb(max_unavailable=draw(st.integers(0, replicas)), policy=policy)
    pct = f"{draw(st.integers(0, 100))}%"
    if kind == "minPct":
        return pdb(min_available=pct, policy=policy)
    return pdb(max_unavailable=pct, policy=policy)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Cluster, list[tuple[str, int]]]:
    replicas = draw(st.integers(1, 8))
    ready = draw(st.lists(st.booleans(), min_size=replicas, max_size=replicas))
    pods = [running(f"web-{i}", ready=r, node=f"n{i % 3}") for i, r in enumerate(ready)]
    store = Cluster(
        pods=pods, pdbs=[draw(budgets(replicas))], workloads=[replica_set(replicas=replicas)]
    )
    steps = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("evict"), st.integers(0, replicas - 1)),
                st.tuples(st.just("sync"), st.just(0)),
            ),
            max_size=20,
        )
    )
    return store, steps


def _healthy(store: Cluster) -> int:
    return sum(1 for p in store.pods if is_healthy(p))


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_allowed_evictions_never_break_an_if_healthy_budget(
    scenario: tuple[Cluster, list[tuple[str, int]]],
) -> None:
    store, steps = scenario
    (budget,) = store.pdbs
    desired = compute_status(budget, store.pods, controller_lookup(store)).desired_healthy
    ledger = BudgetLedger(store)
    started_above = _healthy(store) >= desired
    for op, index in steps:
        if op == "sync":
            ledger.sync()
            continue
        alive = [p for p in ledger.cluster.pods if p.name == f"web-{index}"]
        if not alive:
            continue
        before = _healthy(ledger.cluster)
        decision = ledger.evict(alive[0])
        after = _healthy(ledger.cluster)
        if started_above:
            assert after >= desired, (decision, before, after, desired)
        else:
            assert after == before, (decision, before, after, desired)
