"""The scheduling cycle: node sampling, rotation, nominated node, scoring and results."""

from __future__ import annotations

import pytest

from tests.scheduling.builders import make_node, make_pod, snapshot
from tests.scheduling.fakes import FakePlugin, registry_of
from vigil.scheduling import (
    SUCCESS,
    Code,
    PostFilterResult,
    Profile,
    Scheduler,
    Status,
    default_profile,
    num_feasible_nodes_to_find,
)

CP = "node-role.kubernetes.io/control-plane"


@pytest.mark.parametrize(
    ("nodes", "pct", "expected"),
    [
        (10, 0, 10),
        (99, 0, 99),
        (100, 0, 100),
        (500, 0, 230),
        (1000, 0, 420),
        (5000, 0, 500),
        (6000, 0, 300),
        (10000, 0, 500),
        (1000, 50, 500),
        (1000, 5, 100),
        (150, 10, 100),
        (3000, 100, 3000),
    ],
)
def test_num_feasible_nodes_to_find(nodes: int, pct: int, expected: int) -> None:
    assert num_feasible_nodes_to_find(nodes, pct) == expected


def test_brief_fit_error_with_taint_and_cpu() -> None:
    nodes = [
        make_node("cp").capacity(cpu="8", memory="8Gi").taint(CP).obj(),
        make_node("w1").capacity(cpu="1", memory="8Gi").obj(),
        make_node("w2").capacity(cpu="1", memory="8Gi").obj(),
    ]
    result = Scheduler(snapshot(nodes)).schedule_pod(make_pod("p").req(cpu="2").obj())
    assert not result.scheduled
    assert result.message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 Insufficient cpu."
    )
    assert result.diagnosis.unschedulable_plugins == {"TaintToleration", "NodeResourcesFit"}
    assert result.evaluated_nodes == 3
    assert result.diagnosis.node_to_status.get("cp").code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE


def test_single_feasible_node_skips_scoring() -> None:
    nodes = [make_node("a").capacity(cpu="1").obj(), make_node("b").capacity(cpu="4").obj()]
    result = Scheduler(snapshot(nodes)).schedule_pod(make_pod("p").req(cpu="2").obj())
    assert result.node_name == "b"
    assert result.scores == {}
    assert result.evaluated_nodes == 2
    assert result.feasible_nodes == ("b",)


def test_scores_are_reported_per_plugin_and_total() -> None:
    nodes = [
        make_node("a").capacity(cpu="4", memory="4Gi").obj(),
        make_node("b")
        .capacity(cpu="4", memory="4Gi")
        .taint("soft", effect="PreferNoSchedule")
        .obj(),
    ]
    result = Scheduler(snapshot(nodes)).schedule_pod(make_pod("p").req(cpu="1", memory="1Gi").obj())
    assert result.node_name == "a"
    assert result.scores["a"]["TaintToleration"].weighted == 300
    assert result.scores["b"]["TaintToleration"].weighted == 0
    assert result.total_scores["a"] - result.total_scores["b"] == 300
    assert "NodeAffinity" not in result.scores["a"]
    assert result.tie_break is None


def test_ties_are_broken_deterministically_per_seed() -> None:
    nodes = [make_node(n).capacity(cpu="4", memory="4Gi").obj() for n in ("a", "b", "c")]
    pod = make_pod("p").req(cpu="1").obj()
    first = Scheduler(snapshot(nodes), seed=7).schedule_pod(pod)
    again = Scheduler(snapshot(nodes), seed=7).schedule_pod(pod)
    assert first.tie_break is not None
    assert first.tie_break.candidates == ("a", "b", "c")
    assert first.node_name == again.node_name == first.tie_break.chosen
    chosen = {Scheduler(snapshot(nodes), seed=s).schedule_pod(pod).node_name for s in range(30)}
    assert chosen == {"a", "b", "c"}


def test_filtering_stops_at_enough_feasible_nodes_and_rotates() -> None:
    nodes = [make_node(f"n{i:03}").obj() for i in range(200)]
    probe = FakePlugin("Probe")
    profile = Profile(filter=("Probe",), percentage_of_nodes_to_score=50)
    scheduler = Scheduler(snapshot(nodes), [profile], registry_of(probe))
    first = scheduler.schedule_pod(make_pod("p").obj())
    assert len(first.feasible_nodes) == 100
    assert first.feasible_nodes[0] == "n000"
    assert scheduler.next_start_node_index == 100
    second = scheduler.schedule_pod(make_pod("q").obj())
    assert second.feasible_nodes[0] == "n100"
    assert scheduler.next_start_node_index == 0


def test_failed_nodes_count_in_the_rotation() -> None:
    nodes = [make_node(f"n{i}").obj() for i in range(4)]
    probe = FakePlugin(
        "Probe",
        filter_fn=lambda pod, node: SUCCESS if node.name != "n1" else Status.unschedulable("no"),
    )
    scheduler = Scheduler(snapshot(nodes), [Profile(filter=("Probe",))], registry_of(probe))
    result = scheduler.schedule_pod(make_pod("p").obj())
    assert result.feasible_nodes == ("n0", "n2", "n3")
    assert result.evaluated_nodes == 4
    assert scheduler.next_start_node_index == 0


def test_nominated_node_is_tried_first() -> None:
    nodes = [make_node(n).capacity(cpu="4", memory="4Gi").obj() for n in ("a", "b", "c")]
    result = Scheduler(snapshot(nodes)).schedule_pod(make_pod("p").nominated("c").obj())
    assert result.node_name == "c"
    assert result.feasible_nodes == ("c",)


def test_nominated_node_that_fails_falls_back_to_all_nodes() -> None:
    nodes = [make_node("a").capacity(cpu="4").obj(), make_node("b").capacity(cpu="1").obj()]
    result = Scheduler(snapshot(nodes)).schedule_pod(
        make_pod("p").req(cpu="2").nominated("b").obj()
    )
    assert result.node_name == "a"


def test_pre_filter_rejection_message() -> None:
    from tests.scheduling.builders import req, term

    nodes = [make_node("a").obj(), make_node("b").obj()]
    pod = (
        make_pod("p")
        .required_node_terms(
            term(fields=[req("metadata.name", "In", "a"), req("metadata.name", "In", "b")])
        )
        .obj()
    )
    result = Scheduler(snapshot(nodes)).schedule_pod(pod)
    assert result.message == "0/2 nodes are available: pod affinity terms conflict."
    assert result.diagnosis.node_to_status.get("a").code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE


def test_post_filter_runs_only_when_nothing_fits_and_nominates() -> None:
    helper = FakePlugin("Helper", post_filter=(PostFilterResult("a"), SUCCESS))
    registry = registry_of(helper)
    from vigil.scheduling import default_registry

    profile = Profile(
        pre_filter=default_profile().pre_filter,
        filter=default_profile().filter,
        post_filter=("Helper",),
    )
    nodes = [make_node("a").capacity(cpu="1").obj()]
    scheduler = Scheduler(snapshot(nodes), [profile], default_registry().merge(registry))
    pod = make_pod("p").req(cpu="2").obj()
    result = scheduler.schedule_one(pod)
    assert result.post_filter_result == PostFilterResult("a")
    assert result.message == "0/1 nodes are available: 1 Insufficient cpu."
    assert [i.pod.key for i in scheduler.frameworks["default-scheduler"].nominated["a"]] == [
        "default/p"
    ]

    failing = FakePlugin(
        "Helper",
        post_filter=(
            None,
            Status.unschedulable("preemption: not eligible due to preemptionPolicy=Never"),
        ),
    )
    scheduler = Scheduler(
        snapshot(nodes), [profile], default_registry().merge(registry_of(failing))
    )
    result = scheduler.schedule_pod(pod)
    assert result.message == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."
    )


def test_errors_are_reported_not_raised() -> None:
    assert (
        Scheduler(snapshot([])).schedule_pod(make_pod("p").obj()).message
        == "no nodes available to schedule pods"
    )
    from dataclasses import replace

    pod = make_pod("p").obj()
    other = replace(pod, spec=replace(pod.spec, scheduler_name="nope"))
    result = Scheduler(snapshot([make_node("a").obj()])).schedule_pod(other)
    assert result.error is not None
    assert "no profile" in result.message


def test_schedule_one_binds_into_the_snapshot() -> None:
    nodes = [make_node("a").capacity(cpu="1", memory="1Gi").obj()]
    scheduler = Scheduler(snapshot(nodes))
    assert scheduler.schedule_one(make_pod("p1").req(cpu="600m").obj()).node_name == "a"
    second = scheduler.schedule_one(make_pod("p2").req(cpu="600m").obj())
    assert second.message == "0/1 nodes are available: 1 Insufficient cpu."
    info = scheduler.snapshot.get("a")
    assert info is not None
    assert [p.pod.name for p in info.pods] == ["p1"]
    assert info.pods[0].pod.spec.node_name == "a"


def test_cordon_is_reported_before_the_unschedulable_taint() -> None:
    cordoned = (
        make_node("a")
        .capacity(cpu="4")
        .unschedulable()
        .taint("node.kubernetes.io/unschedulable")
        .obj()
    )
    tainted = make_node("b").capacity(cpu="4").taint("dedicated", "db", "NoExecute").obj()
    result = Scheduler(snapshot([cordoned, tainted])).schedule_pod(make_pod("p").obj())
    assert result.message == (
        "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, "
        "1 node(s) were unschedulable."
    )


def test_each_profile_serves_its_scheduler_name() -> None:
    from dataclasses import replace

    nodes = [make_node("a").capacity(cpu="4").obj(), make_node("b").capacity(cpu="4").obj()]
    only_a = FakePlugin(
        "OnlyA",
        filter_fn=lambda pod, node: SUCCESS if node.name == "a" else Status.unschedulable("not a"),
    )
    from vigil.scheduling import default_registry

    custom = replace(default_profile("custom"), filter=(*default_profile().filter, "OnlyA"))
    scheduler = Scheduler(
        snapshot(nodes),
        [default_profile(), custom],
        default_registry().merge(registry_of(only_a)),
        seed=1,
    )
    pod = make_pod("p").obj()
    assert (
        scheduler.schedule_pod(
            replace(pod, spec=replace(pod.spec, scheduler_name="custom"))
        ).node_name
        == "a"
    )
    assert set(scheduler.schedule_pod(pod).feasible_nodes) == {"a", "b"}
