"""What-if drains: kubectl's filters, evictions in rounds, replacements placed by the scheduler."""

from __future__ import annotations

import pytest

from tests.disruption.builders import node, owned, pdb, replica_set, running
from vigil.cluster import Cluster, ObjectMeta, Workload
from vigil.disruption.drain import DrainOptions, plan_drain, replacement_for
from vigil.disruption.eviction import EvictionPath
from vigil.scheduling import Scheduler, Snapshot
from vigil.scheduling.preemption import preemption_profile, preemption_registry


def scheduler(snap: Snapshot) -> Scheduler:
    return Scheduler(snap, [preemption_profile()], preemption_registry())


def web(i: int, node_name: str, *, ready: bool = True):  # type: ignore[no-untyped-def]
    return running(f"web-1-{i}", node=node_name, ready=ready)


def cluster(pods, pdbs=(), nodes=("n1", "n2", "n3"), replicas=3) -> Cluster:  # type: ignore[no-untyped-def]
    return Cluster(
        nodes=[node(n) for n in nodes],
        pods=pods,
        pdbs=list(pdbs),
        workloads=[replica_set(replicas=replicas)],
    )


def test_drain_completes_and_replacements_land_elsewhere() -> None:
    db = owned(running("db-0", owner=None, app="db"), "StatefulSet", "db")
    store = cluster([web(0, "n1"), web(1, "n2"), web(2, "n3"), db], [pdb(max_unavailable=1)])
    plan = plan_drain(store, "n1", scheduler)
    assert plan.complete
    assert plan.rounds == 1
    assert [(e.decision.pod, e.decision.path) for e in plan.evictions] == [
        ("shop/db-0", EvictionPath.NO_PDB),
        ("shop/web-1-0", EvictionPath.BUDGET_USED),
    ]
    db_repl, web_repl = (e.replacement for e in plan.evictions)
    assert db_repl is not None
    assert web_repl is not None
    assert db_repl.pod == "shop/db-0"
    assert web_repl.pod.startswith("shop/web-1-")
    assert {db_repl.node, web_repl.node} <= {"n2", "n3"}
    assert store.pods_on_node("n1") != []
    assert plan.summary() == (
        "drain of n1 completes: 2 evicted in 1 round(s), 2 replacement(s) scheduled, 0 blocked"
    )


def test_two_pods_of_one_budget_take_two_rounds() -> None:
    store = cluster([web(0, "n1"), web(1, "n1"), web(2, "n2")], [pdb(max_unavailable=1)])
    plan = plan_drain(store, "n1", scheduler)
    assert plan.complete
    assert [(e.round, e.decision.pod) for e in plan.evictions] == [
        (1, "shop/web-1-0"),
        (2, "shop/web-1-1"),
    ]


def test_budget_that_never_allows_blocks_with_upstreams_cause() -> None:
    store = cluster([web(0, "n1"), web(1, "n2"), web(2, "n3")], [pdb(min_available=3)])
    plan = plan_drain(store, "n1", scheduler)
    assert not plan.complete
    (blocked,) = plan.blocked
    assert blocked.as_dict()["causes"] == [
        {
            "reason": "DisruptionBudget",
            "message": "The disruption budget web needs 3 healthy pods and has 3 currently",
        }
    ]
    assert plan.summary().startswith("drain of n1 does not complete: 0 evicted in 1 round(s)")


def test_unschedulable_replacement_blocks_the_rest() -> None:
    big = [running(f"web-1-{i}", node="n1", cpu="3") for i in range(2)]
    store = cluster(big, [pdb(max_unavailable=1)], nodes=("n1", "n2"), replicas=2)
    store.add(running("filler", node="n2", owner=("ReplicaSet", "other"), app="other", cpu="2"))
    plan = plan_drain(store, "n1", scheduler)
    (first,) = plan.evictions
    assert first.replacement is not None
    assert first.replacement.node is None
    assert first.replacement.message.startswith("0/2 nodes are available:")
    assert [b.pod for b in plan.blocked] == ["shop/web-1-1"]
    assert plan.rounds == 2


def test_filter_errors_refuse_the_drain_like_kubectl() -> None:
    ds = owned(running("agent-x", owner=None), "DaemonSet", "agent")
    store = cluster([ds, running("bare", owner=None), web(0, "n1")])
    plan = plan_drain(store, "n1", scheduler)
    assert plan.errors == [
        "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): shop/agent-x",
        "cannot delete Pods that declare no controller (use --force to override): shop/bare",
    ]
    assert plan.evictions == []
    forced = plan_drain(store, "n1", scheduler, DrainOptions(ignore_daemonsets=True, force=True))
    assert forced.complete
    assert forced.warnings == [
        "ignoring DaemonSet-managed Pods: shop/agent-x",
        "deleting Pods that declare no controller: shop/bare",
    ]
    evicted = {e.decision.pod: e.replacement for e in forced.evictions}
    assert evicted["shop/bare"] is None


def test_always_allow_what_if_shows_what_it_changes() -> None:
    pods = [web(0, "n1", ready=False), web(1, "n2", ready=False), web(2, "n3")]
    store = cluster(pods, [pdb(min_available=2)])
    plain = plan_drain(store, "n1", scheduler)
    assert [b.pod for b in plain.blocked] == ["shop/web-1-0"]
    what_if = plan_drain(store, "n1", scheduler, DrainOptions(unhealthy_policy="AlwaysAllow"))
    (evicted,) = what_if.evictions
    assert evicted.decision.path is EvictionPath.UNHEALTHY_ALWAYS_ALLOW
    assert evicted.without_override is not None
    assert evicted.without_override.code == 429
    assert evicted.as_dict()["withoutOverride"]["code"] == 429


def test_replacements_keep_owner_and_statefulset_names() -> None:
    sts = owned(running("db-0", owner=None), "StatefulSet", "db")
    assert replacement_for(sts) is not None
    assert replacement_for(sts).name == "db-0"  # type: ignore[union-attr]
    rs = replacement_for(web(0, "n1"))
    assert rs is not None
    assert rs.name.startswith("web-1-")
    assert rs.name != "web-1-0"
    assert rs.spec.node_name == ""
    assert rs.metadata.controller() is not None
    assert replacement_for(running("bare", owner=None)) is None
    assert replacement_for(owned(running("ds", owner=None), "DaemonSet", "agent")) is None


def test_unknown_node() -> None:
    with pytest.raises(KeyError):
        plan_drain(cluster([]), "nope", scheduler)


def test_json_shape() -> None:
    store = cluster([web(0, "n1"), web(1, "n2"), web(2, "n3")], [pdb(max_unavailable=1)])
    data = plan_drain(store, "n1", scheduler).as_dict()
    assert set(data) == {
        "node",
        "complete",
        "errors",
        "warnings",
        "skipped",
        "rounds",
        "evictions",
        "blocked",
        "summary",
    }
    (eviction,) = data["evictions"]
    assert set(eviction) == {
        "round",
        "pod",
        "allowed",
        "code",
        "reason",
        "message",
        "causes",
        "pdb",
        "replacement",
    }


def test_daemonset_ownership_is_read_from_the_input_when_it_has_daemonsets() -> None:
    agent = owned(running("agent-x", owner=None), "DaemonSet", "agent")
    stray = owned(running("stray-x", owner=None), "DaemonSet", "gone")
    store = cluster([agent, stray, web(0, "n1")])
    assumed = plan_drain(store, "n1", scheduler, DrainOptions(ignore_daemonsets=True))
    assert assumed.complete
    assert assumed.warnings == ["ignoring DaemonSet-managed Pods: shop/agent-x, shop/stray-x"]
    store.add(Workload("DaemonSet", ObjectMeta("agent", "shop")))
    plan = plan_drain(store, "n1", scheduler, DrainOptions(ignore_daemonsets=True))
    assert plan.errors == ['cannot delete daemonsets.apps "gone" not found: shop/stray-x']
    forced = plan_drain(store, "n1", scheduler, DrainOptions(ignore_daemonsets=True, force=True))
    assert forced.warnings == ["ignoring DaemonSet-managed Pods: shop/agent-x"]
    evicted = {e.decision.pod: e.replacement for e in forced.evictions}
    assert set(evicted) == {"shop/stray-x", "shop/web-1-0"}
    assert evicted["shop/stray-x"] is None
