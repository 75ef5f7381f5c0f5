"""``vigil schedule``: schedule the pending pods of manifests or exports as kube-scheduler would.

The cluster is loaded from the files (the Priority admission step resolves the priority of
every pod being created), then every pending pod (no ``spec.nodeName``) is scheduled in queue
order, each bound before the next, with kube-scheduler's default profile (DefaultPreemption
included) or the profiles of ``--config``. A pod that preempts has its victims deleted at once
and is retried, so it binds in the same run.

Text output: one row per queued pod, the pods left out and why, a per-node table, and a summary
line; ``--explain`` (or ``--pod NS/NAME``) adds each plugin's verdict and score per node and
the preemption dry run. ``--output json`` prints one object per queued pod (the contract in
docs/schedule.md). ``--fail-on-pending`` exits 1 when a pod stays pending, for CI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from vigil.cli.cluster_input import (
    cluster_files,
    echo_note,
    load_cluster,
    output_option,
    require_pod,
    seed_option,
)
from vigil.cli.explain_text import explain_lines
from vigil.cli.inputs import InputError, read_bytes
from vigil.cli.isolation_opts import apply_isolation, isolation_options
from vigil.cli.pod_key import pod_key as parse_pod_key
from vigil.cli.text import echo_json, echo_lines, table, wrap
from vigil.cluster import Cluster
from vigil.scheduling import NodeInfo, Profile, SimulationResult, schedule_cluster
from vigil.scheduling.config import ConfigError, SchedulerConfig, load_config
from vigil.scheduling.explain import explain_attempt, summarize
from vigil.scheduling.preemption import preemption_profile, preemption_registry
from vigil.scheduling.profile import DEFAULT_PREEMPTION
from vigil.scheduling.registry import Registry
from vigil.scheduling.resources import CPU, MEMORY, PODS

MAX_CONFIG_BYTES = 1 << 20
"""A KubeSchedulerConfiguration larger than 1 MiB is refused."""
AUTO_NODE_TABLE = 100
"""Up to this many nodes, the text output shows the per-node table unless told not to."""


def report(
    sim: SimulationResult,
    profiles: Sequence[Profile],
    *,
    explain: bool,
    seed: int,
    only: str | None = None,
) -> list[dict[str, Any]]:
    """The JSON document: one object per queued pod (``only``: that pod), with ``explain``."""
    by_name = {p.scheduler_name: p for p in profiles}
    nodes = [ni.name for ni in sim.snapshot.node_infos]
    out = []
    for outcome in sim.outcomes():
        if only is not None and outcome.key != only:
            continue
        obj = summarize(outcome)
        if explain:
            profile = by_name[outcome.last.pod.spec.scheduler_name]
            obj["explain"] = [explain_attempt(profile, a, nodes, seed) for a in outcome.attempts]
        out.append(obj)
    return out


def format_cpu(milli: int) -> str:
    """Milli-cpu as a quantity: ``2``, ``1500m``."""
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def format_bytes(amount: int) -> str:
    """Bytes with a binary suffix, one decimal: ``512Mi``, ``1.5Gi``."""
    for suffix, power in (("Ti", 4), ("Gi", 3), ("Mi", 2), ("Ki", 1)):
        unit = 1024**power
        if amount >= unit:
            value = amount / unit
            return f"{value:.0f}{suffix}" if value == int(value) else f"{value:.1f}{suffix}"
    return str(amount)


def node_rows(infos: Sequence[NodeInfo]) -> list[list[str]]:
    """The per-node table: requested/allocatable cpu, memory and pods, and the taints."""
    rows = [["NODE", "CPU", "MEMORY", "PODS", "TAINTS"]]
    for ni in infos:
        alloc, req = ni.allocatable, ni.requested
        taints = [
            f"{t.key}={t.value}:{t.effect}" if t.value else f"{t.key}:{t.effect}"
            for t in ni.node.taints
        ]
        if ni.node.unschedulable:
            taints.insert(0, "(cordoned)")
        rows.append(
            [
                ni.name,
                f"{format_cpu(req.get(CPU, 0))}/{format_cpu(alloc.get(CPU, 0))}",
                f"{format_bytes(req.get(MEMORY, 0))}/{format_bytes(alloc.get(MEMORY, 0))}",
                f"{len(ni.pods)}/{alloc.get(PODS, 0)}",
                ", ".join(taints) or "-",
            ]
        )
    return rows


def render_text(
    objs: list[dict[str, Any]],
    sim: SimulationResult,
    *,
    explain: bool,
    node_table: bool | None,
) -> list[str]:
    """The pod table, explain blocks, pods left out, the node table and the summary line."""
    lines: list[str] = []
    if objs:
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
        lines.extend(table(rows))
    else:
        lines.append("no pending pods")
    if explain:
        for o in objs:
            lines.extend(("", f"{o['pod']}:"))
            for line in explain_lines(o):
                lines.extend(wrap(line))
    if sim.skipped:
        lines.extend(("", "left out:"))
        lines.extend(table([["  " + s.pod, s.message] for s in sim.skipped]))
    infos = sim.snapshot.node_infos
    show = node_table if node_table is not None else len(infos) <= AUTO_NODE_TABLE
    if show and infos:
        lines.append("")
        lines.extend(table(node_rows(infos)))
    elif infos and node_table is None:
        lines.extend(("", f"{len(infos)} nodes (--node-table shows them)"))
    lines.extend(("", sim.summary().line()))
    return lines


def _seeded(profile: Profile, seed: int) -> Profile:
    if DEFAULT_PREEMPTION not in profile.post_filter:
        return profile
    args = {**profile.plugin_args.get(DEFAULT_PREEMPTION, {}), "seed": seed}
    return replace(profile, plugin_args={**profile.plugin_args, DEFAULT_PREEMPTION: args})


def _profiles(config: Path | None, seed: int, registry: Registry) -> SchedulerConfig:
    if config is None:
        return SchedulerConfig([preemption_profile(seed=seed)])
    data = read_bytes(config, MAX_CONFIG_BYTES)
    try:
        cfg = load_config(data, str(config), registry)
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    cfg.profiles = [_seeded(p, seed) for p in cfg.profiles]
    return cfg


def _not_queued(cluster: Cluster, sim: SimulationResult, key: str) -> dict[str, Any]:
    pod = require_pod(cluster, key)
    skipped = next((s for s in sim.skipped if s.pod == key), None)
    if skipped is not None:
        message = f"not scheduled by this run: {skipped.message}"
    elif pod.spec.node_name:
        message = f"bound to {pod.spec.node_name} in the input: not scheduled by this run"
    else:
        message = f"not scheduled by this run: phase {pod.status.phase}"
    return {
        "pod": key,
        "node": pod.spec.node_name or None,
        "feasibleNodes": [],
        "scores": {},
        "message": message,
        "nominatedNode": pod.status.nominated_node_name or None,
        "victims": [],
    }


@click.command(name="schedule")
@cluster_files
@output_option("A table, or a JSON list with one object per queued pod.")
@click.option("--explain", is_flag=True, help="Per node, each plugin's verdict and score.")
@click.option(
    "--pod",
    "pod_key",
    metavar="NS/NAME",
    help="Only this pod, explained (a pod bound or left out in the input says why).",
)
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A KubeSchedulerConfiguration (profiles, plugins, weights, percentageOfNodesToScore).",
)
@seed_option("Seed for the choices upstream makes at random (score ties, preemption offset).")
@click.option(
    "--node-table/--no-node-table",
    default=None,
    help=f"Show the per-node table (default: when there are at most {AUTO_NODE_TABLE} nodes).",
)
@click.option("--fail-on-pending", is_flag=True, help="Exit 1 when a pod stays pending (CI).")
@isolation_options
def command(
    *,
    files: tuple[str, ...],
    output: str,
    explain: bool,
    pod_key: str | None,
    config: Path | None,
    seed: int,
    node_table: bool | None,
    fail_on_pending: bool,
    isolation: Path | None = None,
    alerts: Path | None = None,
) -> None:
    """Schedule every pending pod of FILE... in queue order, as kube-scheduler would.

    FILE is a manifest, a `kubectl get -o yaml|json` export, a directory (read recursively) or
    `-` for standard input. Pods already bound stay where they are; workloads whose pods are
    not in the input are expanded into the pods their controllers would create.
    """
    registry = preemption_registry()
    cfg = _profiles(config, seed, registry)
    for note in cfg.notes:
        echo_note(note)
    cluster = load_cluster(files)
    profiles, registry = apply_isolation(cluster, cfg.profiles, registry, isolation, alerts)
    if pod_key is not None:
        pod_key = parse_pod_key(pod_key)
    sim = schedule_cluster(
        cluster,
        profiles,
        registry,
        seed=seed,
        percentage_of_nodes_to_score=cfg.percentage_of_nodes_to_score,
    )
    objs = report(sim, profiles, explain=explain or pod_key is not None, seed=seed, only=pod_key)
    if pod_key is not None and not objs:
        objs = [_not_queued(cluster, sim, pod_key)]
    if output == "json":
        echo_json(objs)
    else:
        echo_lines(
            render_text(objs, sim, explain=explain or pod_key is not None, node_table=node_table)
        )
    if fail_on_pending and sim.summary().pending:
        raise SystemExit(1)
