"""PodDisruptionBudgets as preemption weighs them: the budget left and which victims break it.

Preemption reads each PDB's ``status.disruptionsAllowed`` (``filterPodsWithPDBViolation``).
Manifests often carry no status, so when it is absent vigil computes it the way the disruption
controller would (``pkg/controller/disruption``):

* selected pods: the PDB's namespace, matching ``spec.selector`` (``{}`` selects every pod of
  the namespace, a null selector none);
* ``minAvailable`` as an int: expected = the number of selected pods, desired = the value;
  ``minAvailable`` as a percentage or ``maxUnavailable``: expected = the summed scale of the
  controllers owning the selected pods (a Deployment through its ReplicaSet, a ReplicaSet, a
  StatefulSet); pods without a controller are skipped; a controller vigil does not know makes
  the sync fail and the budget 0 (upstream's fail-safe); percentages are rounded up;
* healthy: not terminating, not in ``disruptedPods``, and Ready. A bound pod that carries no
  ``Ready`` condition at all is taken as Ready (the simulator's pods are running once bound);
* ``disruptionsAllowed = max(0, healthy - desired)``, and 0 when expected <= 0.

``unhealthyPodEvictionPolicy`` is an Eviction API rule: the scheduler deletes victims directly,
not through the Eviction API, so preemption ignores it (as upstream does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vigil.cluster.pod import Pod
from vigil.cluster.policy import PodDisruptionBudget, scaled_value
from vigil.cluster.selectors import Selector
from vigil.cluster.workloads import Workload
from vigil.scheduling.podinfo import PodInfo


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


def is_healthy(pod: Pod) -> bool:
    """Counted in ``currentHealthy``: not terminating, not terminal, and Ready.

    A bound pod without any ``Ready`` condition is taken as Ready (see the module docstring).
    """
    if pod.is_terminating or pod.is_terminal:
        return False
    ready = pod.condition("Ready")
    if ready is None:
        return bool(pod.spec.node_name)
    return ready.status == "True"


def _controller_scale(pod: Pod, workloads: dict[tuple[str, str, str], Workload]) -> tuple[str, int]:
    """The identity and scale of the pod's controller; raises LookupError if unknown."""
    ref = pod.metadata.controller()
    assert ref is not None
    owner = workloads.get((ref.kind, pod.namespace, ref.name))
    if owner is None or owner.replicas is None:
        raise LookupError(f"found no controllers for pod {pod.key}")
    if owner.kind == "ReplicaSet":
        parent_ref = owner.metadata.controller()
        if parent_ref is not None and parent_ref.kind == "Deployment":
            parent = workloads.get(("Deployment", pod.namespace, parent_ref.name))
            if parent is not None and parent.replicas is not None:
                return f"Deployment/{parent.name}", parent.replicas
    return f"{owner.kind}/{owner.name}", owner.replicas


def _expected_scale(pods: Sequence[Pod], workloads: Sequence[Workload]) -> int:
    by_id = {(w.kind, w.namespace, w.name): w for w in workloads}
    scales: dict[str, int] = {}
    for pod in pods:
        if pod.metadata.controller() is None:
            continue
        ident, scale = _controller_scale(pod, by_id)
        scales[ident] = scale
    return sum(scales.values())


def compute_disruptions_allowed(
    pdb: PodDisruptionBudget, pods: Iterable[Pod], workloads: Sequence[Workload] = ()
) -> int:
    """``disruptionsAllowed`` as the disruption controller computes it from these pods."""
    selector = Selector.from_label_selector(pdb.selector)
    namespace = pdb.metadata.namespace
    selected = [p for p in pods if p.namespace == namespace and selector.matches(p.labels)]
    disrupted = pdb.status.disrupted_pods if pdb.status is not None else {}
    try:
        if pdb.max_unavailable is not None:
            expected = _expected_scale(selected, workloads)
            unavailable = scaled_value(pdb.max_unavailable, expected, round_up=True)
            desired = max(0, expected - unavailable)
        elif isinstance(pdb.min_available, int):
            expected, desired = len(selected), pdb.min_available
        elif pdb.min_available is not None:
            expected = _expected_scale(selected, workloads)
            desired = scaled_value(pdb.min_available, expected, round_up=True)
        else:
            expected, desired = 0, 0
    except (LookupError, ValueError):
        return 0
    healthy = sum(1 for p in selected if is_healthy(p) and p.name not in disrupted)
    if expected <= 0:
        return 0
    return max(0, healthy - desired)


def pdb_budgets(
    pdbs: Iterable[PodDisruptionBudget],
    pods: Iterable[Pod],
    workloads: Sequence[Workload] = (),
) -> list[PDBBudget]:
    """The budget of every PDB: ``status.disruptionsAllowed`` if present, else computed."""
    pods = list(pods)
    out = []
    for pdb in pdbs:
        if pdb.status is not None:
            out.append(PDBBudget(pdb, pdb.status.disruptions_allowed, True))
        else:
            out.append(PDBBudget(pdb, compute_disruptions_allowed(pdb, pods, workloads), False))
    return out


def filter_pods_with_pdb_violation(
    infos: Sequence[PodInfo], budgets: Sequence[PDBBudget]
) -> tuple[list[PodInfo], list[PodInfo]]:
    """Split pods (order kept) into those whose removal would violate a PDB and the others.

    Each pod selected by a PDB of its namespace uses one disruption of that PDB, unless it is
    already in ``status.disruptedPods``; a pod is violating once a budget drops below 0. A PDB
    with a null or empty selector matches nothing here, and an unlabeled pod matches no PDB.
    """
    allowed = [b.disruptions_allowed for b in budgets]
    selectors = [Selector.from_label_selector(b.pdb.selector) for b in budgets]
    violating: list[PodInfo] = []
    non_violating: list[PodInfo] = []
    for info in infos:
        pod = info.pod
        violated = False
        if pod.labels:
            for i, budget in enumerate(budgets):
                if budget.namespace != pod.namespace:
                    continue
                selector = selectors[i]
                if selector.is_empty() or not selector.matches(pod.labels):
                    continue
                status = budget.pdb.status
                if status is not None and pod.name in status.disrupted_pods:
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else non_violating).append(info)
    return violating, non_violating
