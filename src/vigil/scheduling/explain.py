"""What one scheduling cycle decided, per node and per plugin, as JSON-ready data.

Used by ``vigil schedule --explain`` and reusable by anything that must justify a placement
(an extender, an admission webhook): per node, each Filter plugin's verdict (the plugins before
the rejecting one passed or were skipped by their PreFilter, later ones did not run) and each
Score plugin's raw, normalised and weighted score; the tie-break; the PostFilter status; and the
preemption dry run with its candidates, PDB budgets and the rule that chose the node.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vigil.scheduling.preemption.default_preemption import PreemptionResult
from vigil.scheduling.preemption.execution import preemption_of
from vigil.scheduling.profile import Profile
from vigil.scheduling.scheduler import ScheduleResult
from vigil.scheduling.simulate import PodOutcome
from vigil.scheduling.status import Code, Status

CODE_NAMES = {
    Code.SUCCESS: "Success",
    Code.ERROR: "Error",
    Code.UNSCHEDULABLE: "Unschedulable",
    Code.UNSCHEDULABLE_AND_UNRESOLVABLE: "UnschedulableAndUnresolvable",
    Code.WAIT: "Wait",
    Code.SKIP: "Skip",
}


def status_dict(status: Status) -> dict[str, Any]:
    """A status as ``{"code": "Unschedulable", "reasons": [...]}``."""
    return {"code": CODE_NAMES[status.code], "reasons": list(status.reasons)}


def _filter_verdicts(profile: Profile, status: Status) -> list[dict[str, Any]]:
    """Per Filter plugin, for a node that failed with ``status``: plugins before the rejecting
    one passed (or were skipped by their PreFilter), later ones did not run."""
    out: list[dict[str, Any]] = []
    seen = False
    for name in profile.filter:
        if name == status.plugin:
            out.append({"plugin": name, **status_dict(status)})
            seen = True
        elif seen:
            out.append({"plugin": name, "code": "NotRun", "reasons": []})
        else:
            out.append({"plugin": name, "code": "Success", "reasons": []})
    if not seen:
        out = [{"plugin": status.plugin or "PreFilter", **status_dict(status)}]
    return out


def _node_explain(
    profile: Profile, result: ScheduleResult, node: str, statuses: dict[str, Status]
) -> dict[str, Any]:
    diagnosis = result.diagnosis
    entry: dict[str, Any] = {}
    if node in result.feasible_nodes:
        entry["filter"] = [
            {"plugin": name, "code": "Success", "reasons": []} for name in profile.filter
        ]
        per_plugin = result.scores.get(node, {})
        entry["scores"] = {
            name: {"raw": s.raw, "normalized": s.normalized, "weighted": s.weighted}
            for name, s in per_plugin.items()
        }
        if per_plugin:
            entry["scoreSkipped"] = [n for n, _ in profile.score if n not in per_plugin]
        if node in result.total_scores:
            entry["total"] = result.total_scores[node]
    elif node in statuses:
        entry["filter"] = _filter_verdicts(profile, statuses[node])
    elif result.fit_error is not None:
        absent = diagnosis.node_to_status.absent_status
        stage = "PreFilter" if diagnosis.pre_filter_msg else "PreFilterResult"
        entry["filter"] = [{"plugin": absent.plugin or stage, **status_dict(absent)}]
    else:
        entry["filter"] = [{"plugin": "-", "code": "NotEvaluated", "reasons": []}]
    return entry


def _preemption_explain(pre: PreemptionResult, seed: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "nominatedNode": pre.nominated_node_name or None,
        "potentialNodes": list(pre.potential_nodes),
        "offset": pre.offset,
        "offsetSeeded": seed,
        "numCandidates": pre.num_candidates,
        "candidates": [
            {
                "node": c.node_name,
                "victims": [{"pod": v.key, "priority": v.priority} for v in c.victims.pods],
                "pdbViolations": c.victims.num_pdb_violations,
            }
            for c in pre.candidates
        ],
        "rejected": {name: status_dict(s) for name, s in pre.node_statuses},
        "pdbs": [
            {
                "pdb": f"{b.namespace}/{b.name}",
                "disruptionsAllowed": b.disruptions_allowed,
                "from": "status" if b.from_status else "computed",
            }
            for b in pre.budgets
        ],
    }
    if pre.choice is not None:
        out["chosenBy"] = pre.choice.decided_by
        if pre.choice.tied:
            out["tie"] = {"candidates": list(pre.choice.tied), "chosen": pre.choice.node_name}
    return out


def explain_attempt(
    profile: Profile, result: ScheduleResult, nodes: Sequence[str], seed: int
) -> dict[str, Any]:
    """What one cycle decided, per node and per plugin."""
    statuses = dict(result.diagnosis.node_to_status)
    out: dict[str, Any] = {
        "outcome": "Scheduled" if result.scheduled else "FailedScheduling",
        "node": result.node_name,
        "message": result.message,
        "nominatedNodeFirst": result.pod.status.nominated_node_name or None,
        "nodes": {n: _node_explain(profile, result, n, statuses) for n in nodes},
    }
    if result.tie_break is not None:
        out["tie"] = {
            "candidates": list(result.tie_break.candidates),
            "score": result.tie_break.score,
            "chosen": result.tie_break.chosen,
            "seed": seed,
        }
    if result.post_filter_status is not None:
        out["postFilter"] = {
            "plugin": result.post_filter_status.plugin,
            **status_dict(result.post_filter_status),
        }
    pre = preemption_of(result)
    if pre is not None:
        out["preemption"] = _preemption_explain(pre, seed)
    return out


def summarize(outcome: PodOutcome) -> dict[str, Any]:
    """The documented JSON object of one queued pod (``vigil schedule --output json``)."""
    last = outcome.last
    return {
        "pod": outcome.key,
        "node": last.node_name,
        "feasibleNodes": list(last.feasible_nodes),
        "scores": dict(last.total_scores),
        "message": last.message,
        "nominatedNode": outcome.nominated_node,
        "victims": outcome.victims,
    }
