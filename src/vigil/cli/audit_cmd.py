"""``vigil audit FILE...|DIR|-``: scheduling-posture checks over manifests.

Output goes to standard output (text, JSON or SARIF 2.1.0, nothing else mixed in); errors and
notes go to standard error. Exit codes: 0 no finding at or above ``--fail-on``, 1 findings at or
above it, 2 bad input.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from vigil.audit import Severity, run_audit
from vigil.audit.catalogue import catalogue
from vigil.audit.report_json import report_json
from vigil.audit.report_text import render_text
from vigil.audit.sarif import report_sarif
from vigil.cli.cluster_input import output_option
from vigil.cli.inputs import InputError
from vigil.cli.posture_input import (
    load_alert_counts,
    load_inventory,
    load_policy,
    load_suppressions,
    policy_option,
)

FAIL_ON = [s.label for s in Severity if s is not Severity.INFO] + ["never"]


def _version() -> str:
    try:
        return importlib.metadata.version("vigil")
    except importlib.metadata.PackageNotFoundError:
        return "0"


@click.command(name="audit")
@click.argument("inputs", nargs=-1, metavar="FILE...|DIR|-")
@policy_option
@click.option(
    "--suppressions",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Suppressions file (suppressions: [{check, namespace, kind, name, reason, expires}]).",
)
@click.option(
    "--alerts",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Gate alert log (JSON lines with a pod field): alerts raise risk scores.",
)
@output_option("Report format.", ("text", "json", "sarif"))
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="low",
    show_default=True,
    help="Exit 1 when an active finding has at least this severity.",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the text report (default: when standard output is a terminal).",
)
@click.option(
    "--show-suppressed", is_flag=True, help="List suppressed findings in the text report too."
)
@click.option("--list-checks", is_flag=True, help="Print the check catalogue (Markdown) and exit.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    hidden=True,
    help="Date used for suppression expiry (default: today, UTC).",
)
def command(
    inputs: tuple[str, ...],
    *,
    policy: Path | None,
    suppressions: Path | None,
    alerts: Path | None,
    output: str,
    fail_on: str,
    color: bool | None,
    show_suppressed: bool,
    list_checks: bool,
    today: datetime | None,
) -> None:
    """Audit Kubernetes manifests for scheduling-posture risks.

    Reads FILE... (YAML or JSON, multi-document, kind: List), DIR (every *.yaml, *.yml and *.json
    below it) or - (standard input, e.g. helm template ... | vigil audit -). Checks critical
    workloads that can share nodes with risky pods, isolation on labels a kubelet can set,
    tolerations and nodeName reaching reserved nodes, soft rules used for security, magnets,
    PriorityClasses and PodDisruptionBudgets that block drains. Suppress a finding with a reason
    in a suppressions file or with the vigil.dev/suppress, vigil.dev/suppress-reason and
    vigil.dev/suppress-expires annotations.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input.
    """
    if list_checks:
        click.echo(catalogue(), nl=False)
        return
    if not inputs:
        raise InputError("no input: give FILE..., DIR or - (standard input); see --help")
    posture = load_policy(policy)
    extra = load_suppressions(suppressions)
    counts = load_alert_counts(alerts)
    inventory = load_inventory(inputs)
    day = today.date() if today is not None else datetime.now(UTC).date()
    report = run_audit(inventory, posture, day, alerts=counts, suppressions=extra)
    if output == "json":
        click.echo(json.dumps(report_json(report), indent=2))
    elif output == "sarif":
        click.echo(json.dumps(report_sarif(report, _version()), indent=2))
    else:
        colour = sys.stdout.isatty() if color is None else color
        click.echo(render_text(report, colour=colour, show_suppressed=show_suppressed))
    if fail_on != "never" and report.at_or_above(Severity.parse(fail_on)):
        sys.exit(1)
