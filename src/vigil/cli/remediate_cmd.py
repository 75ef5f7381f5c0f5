"""``vigil remediate``: the remediation plan for the pods the gates report.

Reads the gates' alert lines (JSON lines, ``-`` for standard input) and the cluster (manifests or
``kubectl get -o yaml|json`` exports), and prints per pod ``watch``, ``quarantine`` or
``evict-and-replace`` with the reason: the score of its alerts in the window, the
PodDisruptionBudget that refused a disruption, or the per-service rate bound that protects the
service from an attacker who triggers alerts on every pod. Nothing is changed in any cluster.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from vigil.cli.cluster_input import load_cluster, output_option
from vigil.cli.inputs import InputError, read_bytes
from vigil.cli.text import echo_json, echo_lines, table
from vigil.disruption.pod_alerts import AlertFeed, AlertLineError, read_alerts
from vigil.disruption.remediation import RemediationPolicy, plan_remediation

MAX_ALERT_BYTES = 1024**3
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION = 3650 * 86400
"""The longest window: ten years."""


def seconds(value: str) -> int:
    """``90s``, ``10m``, ``1h``, ``2d`` or plain seconds (ASCII digits, at most ten years);
    raises ValueError."""
    text = value.strip()
    unit = _UNITS.get(text[-1:]) if text else None
    number = text[:-1] if unit else text
    if not (number.isascii() and number.isdigit()) or int(number) <= 0:
        raise ValueError(f"expected a duration such as 10m or 1h, got {value!r}")
    total = int(number) * (unit or 1)
    if total > MAX_DURATION:
        raise ValueError(f"at most {MAX_DURATION // 86400}d, got {value!r}")
    return total


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> int:
    try:
        return seconds(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def _read_alerts(path: str) -> AlertFeed:
    data = read_bytes(path, MAX_ALERT_BYTES)
    try:
        return read_alerts(data.decode("utf-8", errors="replace").splitlines())
    except AlertLineError as exc:
        raise InputError(f"{path}: {exc}") from None


def _now(value: str | None, feed: AlertFeed) -> datetime:
    if value is None:
        return max(a.time for a in feed.alerts)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"expected an RFC 3339 time, got {value!r}", param_hint="'--now'"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@click.command(name="remediate")
@click.option(
    "--alerts", "alerts_path", required=True, help="The gates' alert lines (JSON lines, or -)."
)
@click.option(
    "--cluster",
    "cluster_files",
    multiple=True,
    required=True,
    help="Manifests or an export of the cluster (repeat for several files or directories).",
)
@click.option("--now", help="Plan as of this time, RFC 3339 (default: the latest alert).")
@click.option(
    "--window",
    default="10m",
    show_default=True,
    callback=_duration,
    help="Alerts counted per pod: the last 90s, 10m, 1h, 2d... before --now.",
)
@click.option(
    "--quarantine-score",
    type=click.IntRange(min=1),
    default=6,
    show_default=True,
    help="Score (sum of alert severities in the window) from which a pod is quarantined.",
)
@click.option(
    "--evict-score",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Score from which a pod is evicted and replaced.",
)
@click.option(
    "--max-disruptions",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Pods of one service quarantined or evicted per --disruption-window (0: watch only).",
)
@click.option(
    "--disruption-window",
    default="1h",
    show_default=True,
    callback=_duration,
    help="The window of --max-disruptions.",
)
@click.option(
    "--unhealthy-eviction",
    is_flag=True,
    help="Disrupt pods marked unhealthy for security reasons below their PodDisruptionBudget, "
    "as unhealthyPodEvictionPolicy AlwaysAllow would (the plan says so).",
)
@output_option("A table, or the JSON object of the plan.")
def command(
    *,
    alerts_path: str,
    cluster_files: tuple[str, ...],
    now: str | None,
    window: int,
    quarantine_score: int,
    evict_score: int,
    max_disruptions: int,
    disruption_window: int,
    unhealthy_eviction: bool,
    output: str,
) -> None:
    """Plan what to do with pods the gates report as misused: watch, quarantine (a label a
    NetworkPolicy uses to cut the pod off, kept for evidence) or evict-and-replace, within
    PodDisruptionBudgets and a per-service bound."""
    policy = RemediationPolicy(
        window_seconds=window,
        quarantine_score=quarantine_score,
        evict_score=evict_score,
        max_disruptions=max_disruptions,
        disruption_window_seconds=disruption_window,
        unhealthy_eviction=unhealthy_eviction,
    )
    feed = _read_alerts(alerts_path)
    cluster = load_cluster(cluster_files)
    if feed.not_json:
        click.echo(f"note: {feed.not_json} line(s) that are not JSON skipped", err=True)
    if not feed.alerts:
        if feed.other_events:
            click.echo(
                f"note: {feed.other_events} JSON line(s) are not alert events "
                '({"event": "alert", ...} as the gate logs them): skipped',
                err=True,
            )
        if output == "json":
            click.echo(json.dumps({"pods": [], "unknownPods": [], "summary": "no alerts"}))
        else:
            click.echo("no alerts")
        return
    plan = plan_remediation(cluster, feed.alerts, _now(now, feed), policy)
    if output == "json":
        doc = {
            "now": plan.now.isoformat(),
            "pods": [p.as_dict() for p in plan.pods],
            "unknownPods": plan.unknown_pods,
            "summary": plan.summary(),
        }
        echo_json(doc)
        return
    if plan.pods:
        rows = [["POD", "ACTION", "SCORE", "WHY"]]
        rows.extend([p.pod, str(p.action), str(p.score), p.reason] for p in plan.pods)
        echo_lines(table(rows))
    else:
        click.echo("no alerts in the window")
    for pod in plan.unknown_pods:
        click.echo(f"not in the cluster: {pod}")
    click.echo("")
    click.echo(plan.summary())
