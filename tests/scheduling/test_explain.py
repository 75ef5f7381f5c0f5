"""The explanation of a cycle as data: filter verdicts per plugin, scores, preemption."""

from __future__ import annotations

from tests.scheduling.builders import make_node, make_pod, snapshot
from tests.scheduling.preemption.helpers import preempting_scheduler, preemptor, victim
from vigil.scheduling import default_profile
from vigil.scheduling.explain import explain_attempt, status_dict, summarize
from vigil.scheduling.preemption import preemption_profile
from vigil.scheduling.simulate import PodOutcome
from vigil.scheduling.status import Status


def test_status_dict() -> None:
    assert status_dict(Status.unschedulable("Insufficient cpu")) == {
        "code": "Unschedulable",
        "reasons": ["Insufficient cpu"],
    }


def test_rejected_node_lists_verdicts_in_profile_order() -> None:
    snap = snapshot(
        [make_node("small").capacity(cpu="1").obj(), make_node("big").capacity(cpu="4").obj()]
    )
    sched = preempting_scheduler(snap)
    result = sched.schedule_pod(make_pod("p").req(cpu="2").obj())
    out = explain_attempt(preemption_profile(), result, ["small", "big"], 0)
    assert out["outcome"] == "Scheduled"
    small = out["nodes"]["small"]["filter"]
    codes = {v["plugin"]: v["code"] for v in small}
    assert codes["NodeName"] == "Success"
    assert codes["NodeResourcesFit"] == "Unschedulable"
    assert codes["InterPodAffinity"] == "NotRun"
    assert out["nodes"]["big"]["filter"][0] == {
        "plugin": "NodeUnschedulable",
        "code": "Success",
        "reasons": [],
    }


def test_preemption_explained_and_summarized() -> None:
    snap = snapshot([make_node("n1").capacity(cpu="1").obj()], [victim("low", 1)])
    sched = preempting_scheduler(snap)
    result = sched.schedule_one(preemptor())
    out = explain_attempt(default_profile(), result, ["n1"], 0)
    pre = out["preemption"]
    assert pre["nominatedNode"] == "n1"
    assert pre["candidates"][0]["victims"] == [{"pod": "default/low", "priority": 1}]
    assert pre["chosenBy"] == "only candidate"
    summary = summarize(PodOutcome("default/p", [result]))
    assert (summary["node"], summary["nominatedNode"], summary["victims"]) == (
        None,
        "n1",
        ["default/low"],
    )
