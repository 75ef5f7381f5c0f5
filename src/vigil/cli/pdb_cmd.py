"""``vigil pdb``: the status of every PodDisruptionBudget, as the disruption controller computes it.

From the pods and controllers in the input (manifests or ``kubectl get -o yaml|json`` exports):
expected pods, healthy pods, desired healthy pods and the disruptions allowed, with the
condition reason (SufficientPods, InsufficientPods, SyncFailed) and why. When the input
carries the status the cluster recorded and it differs, the text output says so.
"""

from __future__ import annotations

from typing import Any

import click

from vigil.cli.cluster_input import cluster_files, load_cluster, output_option
from vigil.cli.text import echo_json, echo_lines, table
from vigil.cluster import BudgetStatus, budget_statuses


def status_dict(st: BudgetStatus) -> dict[str, Any]:
    """The documented JSON object of one PDB."""
    return {
        "pdb": st.key,
        "expectedPods": st.expected_pods,
        "currentHealthy": st.current_healthy,
        "desiredHealthy": st.desired_healthy,
        "disruptionsAllowed": st.disruptions_allowed,
        "reason": str(st.reason),
        "message": st.message,
    }


def _note(st: BudgetStatus) -> str:
    parts = [f"{st.reason}: {st.message}"]
    if st.unmanaged:
        parts.append(f"pods without a controller are not counted: {', '.join(st.unmanaged)}")
    recorded = st.pdb.status
    if recorded is not None and recorded.disruptions_allowed != st.disruptions_allowed:
        parts.append(f"the input's recorded status says {recorded.disruptions_allowed} allowed")
    return "; ".join(parts)


@click.command(name="pdb")
@cluster_files
@output_option("A table, or a JSON list with one object per PodDisruptionBudget.")
def command(files: tuple[str, ...], output: str) -> None:
    """Compute the status of every PodDisruptionBudget of FILE... (manifests, exports, `-`)
    as the disruption controller would: expectedPods, currentHealthy, desiredHealthy,
    disruptionsAllowed. Exit code 0, or 2 for bad input."""
    cluster = load_cluster(files)
    statuses = budget_statuses(cluster)
    if output == "json":
        echo_json([status_dict(s) for s in statuses])
        return
    if not statuses:
        click.echo("no PodDisruptionBudgets")
        return
    rows = [["PDB", "EXPECTED", "HEALTHY", "DESIRED", "ALLOWED", "WHY"]]
    rows.extend(
        [
            s.key,
            str(s.expected_pods),
            str(s.current_healthy),
            str(s.desired_healthy),
            str(s.disruptions_allowed),
            _note(s),
        ]
        for s in statuses
    )
    echo_lines(table(rows))
