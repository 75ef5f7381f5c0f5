"""The ``vigil`` command: one entry point, one subcommand per job.

Subcommands live in their own modules and are imported only when invoked, so ``vigil --help``
stays fast and a broken optional dependency cannot take the whole CLI down.
"""

from __future__ import annotations

import importlib
import sys

import click

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "vigil.cli.demo_cmd",
        "Two gates and a learner learn a vulnerable sample service, then stop attacks on it.",
    ),
    "gate": ("vigil.cli.gate_cmd", "Run the gate as a reverse proxy in front of one upstream."),
    "learner": ("vigil.cli.learner_cmd", "Run the learner service that merges many gates."),
    "policy": (
        "vigil.cli.policy_cmd",
        "Show, check, compare and change policies (files or a learner).",
    ),
    "eval": ("vigil.cli.eval_cmd", "Measure detection and false positives on a labelled data set."),
    "rules": ("vigil.cli.rules_cmd", "Check rule files and show which rules fire on a request."),
    "admission": ("vigil.cli.admission_cmd", "Review AdmissionReviews, or serve the webhook."),
    "audit": ("vigil.cli.audit_cmd", "Audit manifests for scheduling-posture risks."),
    "schedule": (
        "vigil.cli.schedule_cmd",
        "Schedule pending pods from manifests as kube-scheduler would.",
    ),
    "pdb": (
        "vigil.cli.pdb_cmd",
        "PodDisruptionBudget statuses, as the disruption controller computes them.",
    ),
    "evict": ("vigil.cli.evict_cmd", "What the Eviction API would answer for one pod."),
    "taint-evictions": (
        "vigil.cli.taint_evictions_cmd",
        "Which pods NoExecute taints evict, and when.",
    ),
    "remediate": (
        "vigil.cli.remediate_cmd",
        "Plan watch, quarantine or evict-and-replace for misused pods.",
    ),
    "drain": (
        "vigil.cli.drain_cmd",
        "A what-if kubectl drain: evictions, blocked pods, replacements.",
    ),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = SUBCOMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command = getattr(module, "command", None)
        if not isinstance(command, click.Command):
            return None
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vigil")
def cli() -> None:
    """vigil protects services presumed vulnerable.

    It learns each route's normal requests and responses, then alerts on or blocks what is
    irregular; it schedules and audits pods with kube-scheduler's exact semantics.
    """


def main() -> None:
    """Console-script entry point; usage errors exit with code 2."""
    sys.exit(cli.main(standalone_mode=True))
