"""PodDisruptionBudgets as preemption weighs them: the budget left and which victims break it.

Preemption reads each PDB's ``status.disruptionsAllowed`` (``filterPodsWithPDBViolation``).
Manifests often carry no status; then vigil uses the status the disruption controller would
compute (`vigil.cluster.disruption_budget`, shared with the Eviction API model).
``unhealthyPodEvictionPolicy`` is an Eviction API rule: the scheduler deletes victims directly,
not through the Eviction API, so preemption ignores it (as upstream does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vigil.cluster.cluster import Cluster
from vigil.cluster.disruption_budget import compute_status, controller_lookup, is_healthy
from vigil.cluster.pod import Pod
from vigil.cluster.policy import PodDisruptionBudget
from vigil.cluster.workloads import Workload
from vigil.scheduling.podinfo import PodInfo

__all__ = [
    "PDBBudget",
    "compute_disruptions_allowed",
    "filter_pods_with_pdb_violation",
    "is_healthy",
    "pdb_budgets",
]


@dataclass(frozen=True, slots=True)
class PDBBudget:
    """A PDB with the disruptions it allows at the start of the preemption attempt."""

    pdb: PodDisruptionBudget
    disruptions_allowed: int
    from_status: bool
    """True when read from ``status.disruptionsAllowed``, False when computed by vigil."""

    @property
    def namespace(self) -> str:
        """The PDB's namespace."""
        return self.pdb.metadata.namespace

    @property
    def name(self) -> str:
        """The PDB's name."""
        return self.pdb.metadata.name


def compute_disruptions_allowed(
    pdb: PodDisruptionBudget, pods: Iterable[Pod], workloads: Sequence[Workload] = ()
) -> int:
    """``disruptionsAllowed`` as the disruption controller computes it from these pods."""
    lookup = controller_lookup(Cluster(workloads=workloads))
    return compute_status(pdb, pods, lookup).disruptions_allowed


def pdb_budgets(
    pdbs: Iterable[PodDisruptionBudget],
    pods: Iterable[Pod],
    workloads: Sequence[Workload] = (),
) -> list[PDBBudget]:
    """The budget of every PDB: ``status.disruptionsAllowed`` if present, else computed."""
    pods = list(pods)
    lookup = controller_lookup(Cluster(workloads=workloads))
    out = []
    for pdb in pdbs:
        if pdb.status is not None:
            out.append(PDBBudget(pdb, pdb.status.disruptions_allowed, True))
        else:
            allowed = compute_status(pdb, pods, lookup).disruptions_allowed
            out.append(PDBBudget(pdb, allowed, False))
    return out


def filter_pods_with_pdb_violation(
    infos: Sequence[PodInfo], budgets: Sequence[PDBBudget]
) -> tuple[list[PodInfo], list[PodInfo]]:
    """Split pods (order kept) into those whose removal would violate a PDB and the others.

    Each pod guarded by a PDB uses one disruption of that PDB, unless it is already in
    ``status.disruptedPods``; a pod is violating once a budget drops below 0. A PDB with a null
    or empty selector guards nothing, and an unlabeled pod matches no PDB.
    """
    allowed = [b.disruptions_allowed for b in budgets]
    violating: list[PodInfo] = []
    non_violating: list[PodInfo] = []
    for info in infos:
        pod = info.pod
        violated = False
        if pod.labels:
            for i, budget in enumerate(budgets):
                if not budget.pdb.guards(pod):
                    continue
                status = budget.pdb.status
                if status is not None and pod.name in status.disrupted_pods:
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else non_violating).append(info)
    return violating, non_violating
