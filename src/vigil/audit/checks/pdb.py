"""PodDisruptionBudgets that make nodes undrainable (VA009), and IfHealthyBudget budgets whose
unhealthy pods block drains (VA010)."""

from __future__ import annotations

from collections.abc import Iterator

from vigil.audit.checks.common import PDB_DOC, UNHEALTHY_POLICY_DOC, names
from vigil.audit.context import AuditContext
from vigil.audit.inventory import Entry, PodHolder
from vigil.audit.model import Check, Severity, Violation
from vigil.audit.registry import cluster_check, entry_violation
from vigil.cluster.disruption_budget import desired_healthy
from vigil.cluster.policy import PodDisruptionBudget

UNDRAINABLE = Check(
    id="VA009",
    name="pdb-blocks-drain",
    title="A PodDisruptionBudget allows no eviction, so nodes cannot be drained",
    severity=Severity.HIGH,
    rationale=(
        "With maxUnavailable 0, minAvailable 100%, or minAvailable at least the number of "
        "replicas, the Eviction API answers 429 for every pod of the workload: kubectl drain, "
        "node upgrades, the autoscaler and vigil's remediation of misused pods all wait forever."
    ),
    remediation=(
        "Allow at least one disruption: maxUnavailable 1 (or a percentage), or minAvailable below "
        "the replica count."
    ),
    references=(PDB_DOC,),
)

UNHEALTHY_BLOCK = Check(
    id="VA010",
    name="pdb-unhealthy-pods-block-drain",
    title="IfHealthyBudget keeps crash-looping pods from being evicted",
    severity=Severity.MEDIUM,
    rationale=(
        "With unhealthyPodEvictionPolicy IfHealthyBudget (the default), a pod that is not Ready "
        "may be evicted only while the budget holds. When pods crash-loop the budget does not "
        "hold, so the broken pods themselves block every drain of their nodes."
    ),
    remediation=(
        "Set unhealthyPodEvictionPolicy: AlwaysAllow, so unhealthy pods can always be evicted."
    ),
    references=(UNHEALTHY_POLICY_DOC,),
)


def _by_namespace(holders: list[PodHolder]) -> dict[str, list[PodHolder]]:
    out: dict[str, list[PodHolder]] = {}
    for h in holders:
        out.setdefault(h.namespace, []).append(h)
    return out


def _selected(pdb: PodDisruptionBudget, by_ns: dict[str, list[PodHolder]]) -> list[PodHolder]:
    selection = pdb.selection()
    return [h for h in by_ns.get(pdb.metadata.namespace, ()) if selection.matches(h.pod_labels)]


def _blocked(entry: Entry[PodDisruptionBudget], workloads: list[PodHolder]) -> str | None:
    pdb = entry.obj
    if pdb.max_unavailable in (0, "0%"):
        return f"maxUnavailable {pdb.max_unavailable}"
    if pdb.min_available == "100%":
        return "minAvailable 100%"
    replicas = [h.replicas for h in workloads if h.replicas is not None]
    if pdb.min_available is None or not replicas or len(replicas) != len(workloads):
        return None
    total = sum(replicas)
    if isinstance(pdb.min_available, int):
        if pdb.min_available >= total:
            return f"minAvailable {pdb.min_available} with {total} replica(s)"
        return None
    desired = desired_healthy(pdb, total)
    if total > 0 and desired >= total:
        return f"minAvailable {pdb.min_available} of {total} replica(s) rounds up to {desired}"
    return None


@cluster_check(UNDRAINABLE)
def undrainable(ctx: AuditContext) -> Iterator[Violation]:
    """Budgets that leave no disruption at all."""
    by_ns = _by_namespace(ctx.inventory.holders)
    for entry in ctx.inventory.pdbs:
        workloads = _selected(entry.obj, by_ns)
        why = _blocked(entry, workloads)
        if why is None:
            continue
        covered = names([h.ref.display for h in workloads]) or "no workload of the input"
        yield entry_violation(
            entry,
            f"{why}: no pod it selects ({covered}) can ever be evicted, so their nodes cannot "
            "be drained",
            "spec",
        )


@cluster_check(UNHEALTHY_BLOCK)
def unhealthy_block(ctx: AuditContext) -> Iterator[Violation]:
    """IfHealthyBudget budgets with crash-looping pods and the budget not met."""
    by_ns = _by_namespace(ctx.inventory.pods)
    for entry in ctx.inventory.pdbs:
        pdb = entry.obj
        if pdb.unhealthy_pod_eviction_policy == "AlwaysAllow":
            continue
        pods = [p for p in _selected(pdb, by_ns) if p.bound]
        broken = [p for p in pods if p.crash_looping or p.ready is False]
        if not broken or not any(p.crash_looping for p in broken):
            continue
        healthy = sum(1 for p in pods if p.ready)
        desired = desired_healthy(pdb, len(pods))
        if healthy >= desired > 0:
            continue
        policy = pdb.unhealthy_pod_eviction_policy or "IfHealthyBudget (default)"
        yield entry_violation(
            entry,
            f"unhealthyPodEvictionPolicy {policy} with {len(broken)} unhealthy pod(s) "
            f"({names([p.ref.name for p in broken])}) and {healthy} healthy of {desired} "
            "desired: the unhealthy pods cannot be evicted, so drains of their nodes stall",
            "spec.unhealthyPodEvictionPolicy",
        )
