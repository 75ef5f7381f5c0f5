"""``vigil schedule``: schedule the pending pods of manifest files as kube-scheduler would.

The cluster is loaded from the files (the Priority admission step resolves every pod's
``priorityClassName``), then every pending pod (no ``spec.nodeName``) is scheduled in queue
order, each bound before the next, with kube-scheduler's default plugins and DefaultPreemption.
A pod that preempts has its victims deleted at once and is retried, so it binds in the same run.

Output is one row (text) or one object (``--output json``) per pending pod, in queue order.
``--explain`` adds, per attempt and per node, each Filter plugin's verdict and each Score
plugin's raw, normalized and weighted score, the preemption dry run, and every place where a
tie was broken with the seeded generator instead of upstream's random choice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from vigil.cli.isolation_opts import apply_isolation, isolation_options
from vigil.cluster import Cluster, ManifestError, load_manifests
from vigil.scheduling import (
    Code,
    Profile,
    ScheduleResult,
    SimulationResult,
    Status,
    schedule_cluster,
)
from vigil.scheduling.preemption import (
    PreemptionResult,
    preemption_of,
    preemption_profile,
    preemption_registry,
)

CODE_NAMES = {
    Code.SUCCESS: "Success",
    Code.ERROR: "Error",
    Code.UNSCHEDULABLE: "Unschedulable",
    Code.UNSCHEDULABLE_AND_UNRESOLVABLE: "UnschedulableAndUnresolvable",
    Code.WAIT: "Wait",
    Code.SKIP: "Skip",
}


class ScheduleInputError(click.ClickException):
    """Unusable input files; exits with code 2 and one line."""

    exit_code = 2


@dataclass(slots=True)
class PodOutcome:
    """All attempts of one pending pod, summarised as the JSON object of the pod."""

    key: str
    attempts: list[ScheduleResult] = field(default_factory=list)

    @property
    def last(self) -> ScheduleResult:
        """The final attempt."""
        return self.attempts[-1]

    @property
    def nominated_node(self) -> str | None:
        """The node the last preemption nominated the pod to, if any."""
        nominated: str | None = None
        for attempt in self.attempts:
            pre = preemption_of(attempt)
            if pre is not None:
                nominated = pre.nominated_node_name or None
        return nominated

    @property
    def victims(self) -> list[str]:
        """Pods preempted for this pod, over all attempts."""
        out: list[str] = []
        for attempt in self.attempts:
            pre = preemption_of(attempt)
            if pre is not None and pre.nominated_node_name:
                out.extend(v.key for v in pre.victims)
        return out

    def summary(self) -> dict[str, Any]:
        """The documented JSON object."""
        last = self.last
        return {
            "pod": self.key,
            "node": last.node_name,
            "feasibleNodes": list(last.feasible_nodes),
            "scores": dict(last.total_scores),
            "message": last.message,
            "nominatedNode": self.nominated_node,
            "victims": self.victims,
        }


def outcomes(sim: SimulationResult) -> list[PodOutcome]:
    """One outcome per pending pod, in the order of their first attempt."""
    by_key: dict[str, PodOutcome] = {}
    for result in sim.results:
        by_key.setdefault(result.pod.key, PodOutcome(result.pod.key)).attempts.append(result)
    return list(by_key.values())


def _status(status: Status) -> dict[str, Any]:
    return {"code": CODE_NAMES[status.code], "reasons": list(status.reasons)}


def _filter_verdicts(profile: Profile, status: Status) -> list[dict[str, Any]]:
    """Per Filter plugin, for a node that failed with ``status``: plugins before the rejecting
    one passed (or were skipped by their PreFilter), later ones did not run."""
    out: list[dict[str, Any]] = []
    seen = False
    for name in profile.filter:
        if name == status.plugin:
            out.append({"plugin": name, **_status(status)})
            seen = True
        elif seen:
            out.append({"plugin": name, "code": "NotRun", "reasons": []})
        else:
            out.append({"plugin": name, "code": "Success", "reasons": []})
    if not seen:
        out = [{"plugin": status.plugin or "PreFilter", **_status(status)}]
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
        entry["filter"] = [{"plugin": absent.plugin or stage, **_status(absent)}]
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
        "rejected": {name: _status(s) for name, s in pre.node_statuses},
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
            **_status(result.post_filter_status),
        }
    pre = preemption_of(result)
    if pre is not None:
        out["preemption"] = _preemption_explain(pre, seed)
    return out


def report(
    sim: SimulationResult, profile: Profile, nodes: Sequence[str], *, explain: bool, seed: int
) -> list[dict[str, Any]]:
    """The JSON document: one object per pending pod (with ``explain`` when asked)."""
    out = []
    for outcome in outcomes(sim):
        obj = outcome.summary()
        if explain:
            obj["explain"] = [explain_attempt(profile, a, nodes, seed) for a in outcome.attempts]
        out.append(obj)
    return out


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _verdict(v: dict[str, Any]) -> str:
    reasons = ", ".join(v["reasons"])
    return f"{v['code']}: {reasons}" if reasons else str(v["code"])


def _explain_lines(obj: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for i, attempt in enumerate(obj["explain"], start=1):
        head = f"  attempt {i}: {attempt['outcome']}"
        if attempt["node"]:
            head += f" to {attempt['node']}"
        if attempt["nominatedNodeFirst"]:
            head += f" (nominated node {attempt['nominatedNodeFirst']} evaluated first)"
        lines.append(head)
        if attempt["message"]:
            lines.append(f"    message: {attempt['message']}")
        for node, entry in attempt["nodes"].items():
            total = f"  total score {entry['total']}" if "total" in entry else ""
            lines.append(f"    node {node}:{total}")
            lines.extend(f"      Filter {v['plugin']:<34} {_verdict(v)}" for v in entry["filter"])
            lines.extend(
                f"      Score  {name:<34} raw {s['raw']:>4}  normalized {s['normalized']:>3}"
                f"  weighted {s['weighted']:>4}"
                for name, s in entry.get("scores", {}).items()
            )
            lines.extend(
                f"      Score  {name:<34} skipped (PreScore returned Skip)"
                for name in entry.get("scoreSkipped", ())
            )
        if attempt["node"] and len([n for n in attempt["nodes"].values() if "total" in n]) == 0:
            lines.append("    one feasible node: scoring skipped, as upstream")
        if "tie" in attempt:
            tie = attempt["tie"]
            lines.append(
                f"    tie: {', '.join(tie['candidates'])} all scored {tie['score']}; chose "
                f"{tie['chosen']} with the seeded generator (--seed {tie['seed']}); upstream "
                "picks one of them at random"
            )
        if "postFilter" in attempt:
            pf = attempt["postFilter"]
            lines.append(f"    PostFilter {pf['plugin'] or '-'}: {_verdict(pf)}")
        if "preemption" in attempt:
            lines.extend(_preemption_lines(attempt["preemption"]))
    return lines


def _preemption_lines(pre: dict[str, Any]) -> list[str]:
    lines = []
    if pre["potentialNodes"]:
        lines.append(
            f"      dry run over {len(pre['potentialNodes'])} potential node(s) "
            f"({', '.join(pre['potentialNodes'])}), starting at offset {pre['offset']} "
            f"(seeded, --seed {pre['offsetSeeded']}), looking for {pre['numCandidates']} "
            "candidate(s)"
        )
    else:
        lines.append("      no node is Unschedulable (only those can be helped by preemption)")
    lines.extend(
        f"      PDB {b['pdb']}: disruptionsAllowed {b['disruptionsAllowed']} ({b['from']})"
        for b in pre["pdbs"]
    )
    for name, status in pre["rejected"].items():
        lines.append(f"      node {name}: no candidate: {_verdict(status)}")
    for c in pre["candidates"]:
        victims = ", ".join(f"{v['pod']} (priority {v['priority']})" for v in c["victims"])
        lines.append(
            f"      candidate {c['node']}: victims {victims}; PDB violations {c['pdbViolations']}"
        )
    if pre["nominatedNode"]:
        lines.append(f"      chose {pre['nominatedNode']}: {pre['chosenBy']}")
        if "tie" in pre:
            lines.append(
                f"      tie after every criterion between {', '.join(pre['tie']['candidates'])}: "
                f"took the first in the seeded dry-run order; upstream's choice is arbitrary"
            )
        chosen = next(c for c in pre["candidates"] if c["node"] == pre["nominatedNode"])
        deleted = ", ".join(v["pod"] for v in chosen["victims"])
        lines.append(
            f"      preempted {deleted} on {pre['nominatedNode']}; the simulator "
            "deletes victims at once (graceful termination modelled as immediate) and retries "
            "the pod"
        )
    return lines


def render_text(objs: list[dict[str, Any]], *, explain: bool) -> list[str]:
    """A table of the pods, then (with ``explain``) one block per pod."""
    if not objs:
        return ["no pending pods"]
    rows = [["POD", "NODE", "NOMINATED", "VICTIMS", "MESSAGE"]]
    rows.extend(
        [
            o["pod"],
            o["node"] or "<pending>",
            o["nominatedNode"] or "-",
            ",".join(o["victims"]) or "-",
            o["message"] or "-",
        ]
        for o in objs
    )
    lines = _table(rows)
    if explain:
        for o in objs:
            lines.extend(("", f"{o['pod']}:"))
            lines.extend(_explain_lines(o))
    return lines


def _load(files: Sequence[Path]) -> Cluster:
    for f in files:
        if not f.exists():
            raise ScheduleInputError(f"{f}: no such file or directory")
    try:
        return load_manifests(files)
    except ManifestError as exc:
        raise ScheduleInputError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScheduleInputError(f"cannot read manifests: {exc}") from None


@click.command(name="schedule")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table, or a JSON list with one object per pending pod.",
)
@click.option("--explain", is_flag=True, help="Per node, each plugin's verdict and score.")
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed for the choices upstream makes at random (score ties, preemption offset).",
)
@isolation_options
def command(
    files: tuple[Path, ...],
    output: str,
    explain: bool,
    seed: int,
    *,
    isolation: Path | None = None,
    alerts: Path | None = None,
) -> None:
    """Schedule every pending pod of FILE... (YAML manifests or directories) in queue order."""
    cluster = _load(files)
    profile, registry = apply_isolation(
        cluster, preemption_profile(seed=seed), preemption_registry(), isolation, alerts
    )
    sim = schedule_cluster(cluster, [profile], registry, seed=seed)
    nodes = [ni.name for ni in sim.snapshot.node_infos]
    objs = report(sim, profile, nodes, explain=explain, seed=seed)
    if output == "json":
        click.echo(json.dumps(objs, indent=2))
    else:
        for line in render_text(objs, explain=explain):
            click.echo(line)
