"""``vigil drain``: a what-if ``kubectl drain NODE`` on manifests or an export.

The node is cordoned; kubectl's filters decide which pods go (and abort on DaemonSet-managed
pods, pods without a controller or with local storage unless told otherwise); every other pod is
evicted through the Eviction API in rounds, each blocked one with its PodDisruptionBudget and
upstream's message, and the replacements their controllers create are placed by the scheduling
engine (default profile, DefaultPreemption). ``--unhealthy-policy AlwaysAllow`` shows what that
setting would change. Exit code 0 when the drain completes, 1 when kubectl would abort or wait
for ever, 2 for bad input.
"""

from __future__ import annotations

import click

from vigil.cli.cluster_input import (
    cluster_files,
    load_cluster,
    output_option,
    require_node,
    seed_option,
)
from vigil.cli.text import echo_json, echo_lines, table, wrap
from vigil.disruption import DrainOptions, DrainPlan, EvictionCode, plan_drain
from vigil.scheduling import Scheduler, Snapshot
from vigil.scheduling.preemption import preemption_profile, preemption_registry

POLICIES = ("IfHealthyBudget", "AlwaysAllow")


def render(plan: DrainPlan) -> list[str]:
    """The plan in words: errors or warnings, evictions by round, blocked pods, summary."""
    lines = [f"cordon {plan.node}"]
    lines.extend(f"error: {e}" for e in plan.errors)
    lines.extend(f"warning: {w}" for w in plan.warnings)
    lines.extend(f"skipped: {s}" for s in plan.skipped)
    if plan.evictions:
        rows = [["ROUND", "EVICT", "PDB", "REPLACEMENT", "WHY"]]
        for e in plan.evictions:
            repl = e.replacement
            if repl is None:
                where = "- (no controller recreates it)"
            elif repl.node is None:
                where = f"{repl.pod} pending"
            else:
                where = f"{repl.pod} on {repl.node}"
            why = e.decision.message
            if repl is not None and repl.victims:
                why += f"; the replacement preempted {', '.join(repl.victims)}"
            if repl is not None and repl.node is None:
                why += f"; replacement unschedulable: {repl.message}"
            if e.without_override is not None:
                why += (
                    f"; with the PDB's own policy: {int(e.without_override.code)} "
                    f"{e.without_override.reason}"
                )
            rows.append([str(e.round), e.decision.pod, e.decision.pdb or "-", where, why])
        lines.append("")
        lines.extend(table(rows))
    retried = [b for b in plan.blocked if b.code is EvictionCode.TOO_MANY_REQUESTS]
    failed = [b for b in plan.blocked if b.code is not EvictionCode.TOO_MANY_REQUESTS]
    for heading, group in (
        ("blocked (kubectl retries every 5s until --timeout):", retried),
        ("refused (kubectl drain stops with this error):", failed),
    ):
        if group:
            lines.extend(("", heading))
        for b in group:
            cause = "; ".join(c.message for c in b.causes) or b.message
            lines.extend(wrap(f"  {b.pod}: {int(b.code)} {b.reason}: {cause}"))
    lines.extend(("", plan.summary()))
    return lines


@click.command(name="drain")
@click.argument("node")
@cluster_files
@output_option("Words, or the JSON object of the plan.")
@click.option("--ignore-daemonsets", is_flag=True, help="Skip DaemonSet-managed pods (kubectl).")
@click.option(
    "--delete-emptydir-data", is_flag=True, help="Evict pods with emptyDir volumes (kubectl)."
)
@click.option("--force", is_flag=True, help="Evict pods without a controller (kubectl).")
@click.option(
    "--unhealthy-policy",
    type=click.Choice(POLICIES),
    help="Plan as if every PDB had this unhealthyPodEvictionPolicy, and say what it changes.",
)
@seed_option("Seed for the scheduler's random choices when placing replacements.")
def command(
    *,
    node: str,
    files: tuple[str, ...],
    output: str,
    ignore_daemonsets: bool,
    delete_emptydir_data: bool,
    force: bool,
    unhealthy_policy: str | None,
    seed: int,
) -> None:
    """Plan `kubectl drain NODE` on FILE... (manifests, exports, `-`): evictions in order,
    blocked pods with their PodDisruptionBudget, and where the replacements would run.

    Exit code 0 when the drain would complete, 1 when it would not (kubectl's filters refuse a
    pod, or evictions stay blocked), 2 for bad input."""
    cluster = load_cluster(files)
    require_node(cluster, node)
    options = DrainOptions(
        ignore_daemonsets=ignore_daemonsets,
        delete_emptydir_data=delete_emptydir_data,
        force=force,
        unhealthy_policy=unhealthy_policy,
        seed=seed,
    )
    profile = preemption_profile(seed=seed)

    def scheduler(snapshot: Snapshot) -> Scheduler:
        return Scheduler(snapshot, [profile], preemption_registry(), seed=seed)

    plan = plan_drain(cluster, node, scheduler, options)
    if output == "json":
        echo_json(plan.as_dict())
    else:
        echo_lines(render(plan))
    if not plan.complete:
        raise SystemExit(1)
