"""Framework runtime: PreFilter merge, Filter short-circuit, nominated pods, scoring, PostFilter."""

from __future__ import annotations

import pytest

from tests.scheduling.builders import make_node, make_pod, snapshot
from tests.scheduling.fakes import FakePlugin, registry_of
from vigil.cluster import Pod
from vigil.scheduling import (
    SKIP,
    SUCCESS,
    Code,
    CycleState,
    Framework,
    NodeInfo,
    NodeToStatus,
    PostFilterResult,
    PreFilterResult,
    Profile,
    ProfileError,
    Status,
    default_registry,
)

NODES = [make_node(n).obj() for n in ("n1", "n2", "n3")]


def _fwk(profile: Profile, *plugins: FakePlugin) -> Framework:
    return Framework(profile, registry_of(*plugins), snapshot(NODES))


@pytest.mark.parametrize(
    ("results", "expected_nodes", "message"),
    [
        ([None, None], None, ""),
        ([PreFilterResult(frozenset({"n1", "n2"})), None], frozenset({"n1", "n2"}), ""),
        (
            [PreFilterResult(frozenset({"n1", "n2"})), PreFilterResult(frozenset({"n2", "n3"}))],
            frozenset({"n2"}),
            "",
        ),
        (
            [PreFilterResult(frozenset({"n1"})), PreFilterResult(frozenset({"n3"}))],
            frozenset(),
            "node(s) didn't satisfy plugin(s) [B A] simultaneously",
        ),
        ([PreFilterResult(frozenset()), None], frozenset(), "node(s) didn't satisfy plugin B"),
    ],
)
def test_pre_filter_results_are_intersected(
    results: list[PreFilterResult | None], expected_nodes: frozenset[str] | None, message: str
) -> None:
    b = FakePlugin("B", pre_filter=(results[0], SUCCESS))
    a = FakePlugin("A", pre_filter=(results[1], SUCCESS))
    fwk = _fwk(Profile(pre_filter=("B", "A")), b, a)
    outcome = fwk.run_pre_filter_plugins(CycleState(), make_pod("p").obj(), fwk.snapshot.node_infos)
    assert (outcome.result.node_names if outcome.result else None) == expected_nodes
    assert outcome.status.message() == message
    if message:
        assert outcome.status.code is Code.UNSCHEDULABLE


def test_pre_filter_rejection_stops_and_skip_disables_filter() -> None:
    skip = FakePlugin("S", pre_filter=(None, SKIP))
    reject = FakePlugin("R", pre_filter=(None, Status.unresolvable("nope")))
    later = FakePlugin("L")
    fwk = _fwk(Profile(pre_filter=("S", "R", "L"), filter=("S", "L")), skip, reject, later)
    state = CycleState()
    outcome = fwk.run_pre_filter_plugins(state, make_pod("p").obj(), fwk.snapshot.node_infos)
    assert outcome.status.plugin == "R"
    assert outcome.status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert state.skip_filter_plugins == {"S"}
    fwk.run_filter_plugins(state, make_pod("p").obj(), fwk.snapshot.node_infos[0])
    assert skip.filtered == []
    assert later.filtered == ["n1"]


def test_filter_stops_at_first_rejection_and_errors_are_errors() -> None:
    first = FakePlugin("First", filter_fn=lambda pod, node: Status.unschedulable("first says no"))
    second = FakePlugin(
        "Second", filter_fn=lambda pod, node: Status.unschedulable("second says no")
    )
    fwk = _fwk(Profile(filter=("First", "Second")), first, second)
    status = fwk.run_filter_plugins(CycleState(), make_pod("p").obj(), fwk.snapshot.node_infos[0])
    assert (status.reasons, status.plugin) == (("first says no",), "First")
    assert second.filtered == []
    broken = FakePlugin("Broken", filter_fn=lambda pod, node: Status(Code.WAIT, ("later",)))
    status = _fwk(Profile(filter=("Broken",)), broken).run_filter_plugins(
        CycleState(), make_pod("p").obj(), fwk.snapshot.node_infos[0]
    )
    assert status.code is Code.ERROR


def test_profile_rejects_plugins_missing_an_extension_point() -> None:
    with pytest.raises(ProfileError, match="NodeName does not implement ScorePlugin"):
        Framework(Profile(score=(("NodeName", 1),)), default_registry())


def test_scores_are_normalized_weighted_and_range_checked() -> None:
    raw = {"n1": 1, "n2": 4, "n3": 2}

    def by_max(scores: list) -> None:  # type: ignore[type-arg]
        top = max(s.score for s in scores)
        for s in scores:
            s.score = s.score * 100 // top

    scored = FakePlugin("S", score_fn=lambda pod, node: raw[node.name], normalize=by_max)
    flat = FakePlugin("F", score_fn=lambda pod, node: 10)
    skipped = FakePlugin("K", pre_score=SKIP, score_fn=lambda pod, node: 99)
    fwk = _fwk(
        Profile(pre_score=("K",), score=(("S", 2), ("F", 1), ("K", 5))), scored, flat, skipped
    )
    state = CycleState()
    pod = make_pod("p").obj()
    assert fwk.run_pre_score_plugins(state, pod, fwk.snapshot.node_infos).is_success()
    table, status = fwk.run_score_plugins(state, pod, fwk.snapshot.node_infos)
    assert status.is_success()
    assert {
        n: (per["S"].raw, per["S"].normalized, per["S"].weighted) for n, per in table.items()
    } == {
        "n1": (1, 25, 50),
        "n2": (4, 100, 200),
        "n3": (2, 50, 100),
    }
    assert all("K" not in per for per in table.values())
    bad = FakePlugin("Bad", score_fn=lambda pod, node: 101)
    _, status = _fwk(Profile(score=(("Bad", 1),)), bad).run_score_plugins(
        CycleState(), pod, fwk.snapshot.node_infos
    )
    assert status.code is Code.ERROR
    assert "invalid score 101" in status.message()


def test_post_filter_first_success_wins_and_reasons_are_collected() -> None:
    no = FakePlugin("No")
    yes = FakePlugin("Yes", post_filter=(PostFilterResult("n2"), SUCCESS))
    fwk = _fwk(Profile(post_filter=("No", "Yes")), no, yes)
    result, status = fwk.run_post_filter_plugins(CycleState(), make_pod("p").obj(), NodeToStatus())
    assert status.is_success()
    assert result == PostFilterResult("n2")
    fwk = _fwk(Profile(post_filter=("No",)), FakePlugin("No"))
    result, status = fwk.run_post_filter_plugins(CycleState(), make_pod("p").obj(), NodeToStatus())
    assert result is None
    assert (status.code, status.message(), status.plugin) == (
        Code.UNSCHEDULABLE,
        "No could not help",
        "No",
    )


def test_nominated_pods_of_equal_or_higher_priority_are_counted() -> None:
    node = make_node("n1").capacity(cpu="1", memory="1Gi").obj()
    fwk = Framework(
        Profile(pre_filter=("NodeResourcesFit",), filter=("NodeResourcesFit",)),
        default_registry(),
        snapshot([node]),
    )
    info = fwk.snapshot.node_infos[0]
    pod = make_pod("p").req(cpu="600m").priority(10).obj()

    def run(nominated: Pod) -> Status:
        from vigil.scheduling import PodInfo

        fwk.nominated = {"n1": [PodInfo.of(nominated)]}
        state = CycleState()
        fwk.run_pre_filter_plugins(state, pod, [info])
        return fwk.run_filter_plugins_with_nominated_pods(state, pod, info)

    assert run(make_pod("hi").req(cpu="600m").priority(10).obj()).reasons == ("Insufficient cpu",)
    assert run(make_pod("lo").req(cpu="600m").priority(5).obj()).is_success()
    assert run(make_pod("p").req(cpu="600m").priority(10).obj()).is_success()
    assert isinstance(info, NodeInfo)
    assert info.requested == {}


def test_the_framework_chooses_the_path_and_both_agree() -> None:
    from vigil.scheduling import CycleState, Framework, Snapshot, default_profile, default_registry
    from vigil.scheduling.diagnosis import Diagnosis
    from vigil.scheduling.nodetable import NodeTable

    class PerNodeOnly(Snapshot):
        __slots__ = ()

        def node_table(self) -> NodeTable | None:
            return None

    nodes = [
        make_node(f"n{i}").capacity(cpu=str(1 + i % 3), memory="4Gi").zone(f"z{i % 2}").obj()
        for i in range(12)
    ]
    pod = make_pod("p").req(cpu="2").obj()

    def run(vectorised: bool):  # type: ignore[no-untyped-def]
        snap = snapshot(nodes) if vectorised else PerNodeOnly(nodes)
        fwk = Framework(default_profile(), default_registry(), snap)
        state = CycleState()
        fwk.run_pre_filter_plugins(state, pod, snap.node_infos)
        diagnosis = Diagnosis()
        found = fwk.find_nodes_that_pass_filters(
            state, pod, snap.node_infos, diagnosis, start=3, to_find=5
        )
        scored = fwk.score(state, pod, found)
        return (
            [ni.name for ni in found.feasible],
            found.processed,
            found.rows is not None,
            dict(diagnosis.node_to_status),
            scored.totals.tolist(),
        )

    fast, slow = run(True), run(False)
    assert fast[2] is True
    assert slow[2] is False
    assert (fast[0], fast[1], fast[3], fast[4]) == (slow[0], slow[1], slow[3], slow[4])
