"""``vigil evict``: what the Eviction API would answer for one pod.

The answer follows ``eviction.go`` exactly (200, 429 with the PodDisruptionBudget's cause, 403,
500 when several PDBs guard the pod), against the PDB status recorded in the input when there is
one, else the status the disruption controller would compute. Exit code 0 when the eviction
would be allowed, 1 when it would be refused (as ``kubectl drain`` fails on a 429), 2 for bad
input.
"""

from __future__ import annotations

import click

from vigil.cli.cluster_input import cluster_files, load_cluster, output_option, require_pod
from vigil.cli.pod_key import pod_key
from vigil.cli.text import echo_json, echo_lines, wrap
from vigil.cluster import BudgetReason, recorded_pdb_status
from vigil.disruption import BudgetLedger, EvictionDecision

POLICIES = ("IfHealthyBudget", "AlwaysAllow")


def render(decision: EvictionDecision, ledger: BudgetLedger) -> list[str]:
    """The decision in words, with the PDB status it read."""
    verdict = "allowed" if decision.allowed else "refused"
    head = f"{decision.pod}: eviction {verdict}: {int(decision.code)}"
    if decision.reason:
        head += f" {decision.reason}"
    lines = [head, f"  {decision.message}"]
    lines.extend(f"  cause {c.reason}: {c.message}" for c in decision.causes)
    if len(decision.guarding) > 1:
        lines.append(f"  guarded by {', '.join(decision.guarding)}")
    if decision.pdb is not None:
        pdb = next(p for p in ledger.cluster.pdbs if p.metadata.key == decision.pdb)
        st = ledger.status(pdb)
        source = "recorded in the input" if recorded_pdb_status(pdb) else "computed by vigil"
        lines.append(
            f"  PodDisruptionBudget {decision.pdb}: {st.current_healthy} healthy, "
            f"{st.desired_healthy} desired, {st.disruptions_allowed} allowed ({source}); "
            f"unhealthyPodEvictionPolicy {decision.policy}"
        )
        if st.reason is BudgetReason.SYNC_FAILED:
            lines.append(
                f"  the disruption controller cannot compute its status (SyncFailed: "
                f"{st.message}), so no disruption is allowed; add the pods' controllers to the "
                "input"
            )
    return [part for line in lines for part in wrap(line)]


@click.command(name="evict")
@click.argument("pod", metavar="NS/POD")
@cluster_files
@output_option("Words, or the JSON object of the decision.")
@click.option(
    "--unhealthy-policy",
    type=click.Choice(POLICIES),
    help="Decide as if every PDB had this unhealthyPodEvictionPolicy.",
)
def command(pod: str, files: tuple[str, ...], output: str, unhealthy_policy: str | None) -> None:
    """Decide the eviction of NS/POD as the Eviction API would, from FILE... (manifests, exports,
    `-`). Exit code 0: allowed; 1: refused."""
    key = pod_key(pod)
    cluster = load_cluster(files)
    target = require_pod(cluster, key)
    ledger = BudgetLedger(cluster, policy_override=unhealthy_policy)
    decision = ledger.decide(target)
    if output == "json":
        echo_json(decision.as_dict())
    else:
        echo_lines(render(decision, ledger))
    if not decision.allowed:
        raise SystemExit(1)
