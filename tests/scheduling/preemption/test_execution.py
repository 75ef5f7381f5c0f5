"""Applying a preemption in the simulator, and the simulator's retry of the preemptor."""

from __future__ import annotations

from tests.scheduling.builders import make_node, make_pod, snapshot
from tests.scheduling.preemption.helpers import created, preempting_scheduler, preemptor, victim
from vigil.cluster import Cluster
from vigil.scheduling import queue_order, schedule_cluster
from vigil.scheduling.preemption import (
    apply_preemption,
    preemption_of,
    preemption_profile,
    preemption_registry,
)


def test_apply_deletes_victims_and_returns_the_nominated_pod() -> None:
    snap = snapshot([make_node("n1").capacity(cpu="2").obj()], [victim("a", 1), victim("b", 2)])
    scheduler = preempting_scheduler(snap)
    pod = preemptor(cpu="2")
    result = scheduler.schedule_one(pod)
    retry = apply_preemption(scheduler, result)
    assert retry is not None
    assert retry.status.nominated_node_name == "n1"
    assert [i.pod.name for i in snap.node_infos[0].pods] == []
    fwk = scheduler.frameworks["default-scheduler"]
    assert [i.pod.key for i in fwk.nominated["n1"]] == ["default/p"]
    again = scheduler.schedule_one(retry)
    assert again.node_name == "n1"
    assert fwk.nominated["n1"] == []


def test_apply_clears_lower_priority_nominations_on_that_node() -> None:
    snap = snapshot([make_node("n1").capacity(cpu="1").obj()], [victim("a", 1)])
    scheduler = preempting_scheduler(snap)
    scheduler.nominate(make_pod("lower").priority(50).obj(), "n1")
    scheduler.nominate(make_pod("higher").priority(500).req(cpu="0").obj(), "n1")
    result = scheduler.schedule_one(preemptor())
    assert apply_preemption(scheduler, result) is not None
    names = [i.pod.name for i in scheduler.frameworks["default-scheduler"].nominated["n1"]]
    assert names == ["higher", "p"]


def test_failed_preemption_clears_the_nomination() -> None:
    snap = snapshot([make_node("n1").capacity(cpu="1").obj()], [victim("a", 500)])
    scheduler = preempting_scheduler(snap)
    pod = make_pod("p").req(cpu="1").priority(100).nominated("n1").obj()
    scheduler.nominate(pod, "n1")
    result = scheduler.schedule_one(pod)
    pre = preemption_of(result)
    assert pre is not None
    assert pre.nominated_node_name == ""
    assert apply_preemption(scheduler, result) is None
    assert scheduler.frameworks["default-scheduler"].nominated["n1"] == []


def test_nothing_to_apply_without_preemption() -> None:
    snap = snapshot([make_node("n1").capacity(cpu="1").obj()])
    scheduler = preempting_scheduler(snap)
    result = scheduler.schedule_one(preemptor())
    assert result.scheduled
    assert apply_preemption(scheduler, result) is None


def test_simulation_retries_the_preemptor_until_it_binds() -> None:
    cluster = Cluster(
        nodes=[make_node("n1").capacity(cpu="2").obj()],
        pods=[
            victim("a", 1),
            victim("b", 2),
            make_pod("small").req(cpu="1").priority(0).obj(),
            preemptor(cpu="2"),
        ],
    )
    sim = schedule_cluster(cluster, [preemption_profile()], preemption_registry())
    assert [r.pod.name for r in sim.results] == ["p", "p", "small"]
    assert [r.node_name for r in sim.attempts("default/p")] == [None, "n1"]
    last = sim.result("default/p")
    assert last is not None
    assert last.pod.status.nominated_node_name == "n1"
    assert sim.placements() == {"default/p": "n1", "default/small": None}
    assert sorted(i.pod.name for i in sim.snapshot.node_infos[0].pods) == ["p"]


def test_queue_order_priority_then_creation_then_name() -> None:
    pods = [
        created(make_pod("late").priority(1).obj(), 9),
        make_pod("no-timestamp").priority(1).obj(),
        created(make_pod("b-early").priority(1).obj(), 1),
        created(make_pod("a-early").priority(1).obj(), 1),
        created(make_pod("high").priority(5).obj(), 50),
    ]
    assert [p.name for p in queue_order(pods)] == [
        "high",
        "a-early",
        "b-early",
        "late",
        "no-timestamp",
    ]
