"""The dry run on one node (``SelectVictimsOnNode``): which pods must go for the pod to fit.

Every pod of strictly lower priority is a potential victim (priority is the only test). All of
them are removed, through the PreFilter extensions so that InterPodAffinity and
PodTopologySpread states follow, and the filters run with nominated pods. If the pod still does
not fit, the node is no candidate. Otherwise the potential victims, most important first, are
split into PDB-violating and non-violating ones and re-added in that order (violating first):
a pod that can come back without making the pod unschedulable is reprieved, the others stay
victims. Violating pods that stay victims are the node's PDB violations.

The caller passes a cloned `CycleState` and `NodeInfo`: both are changed in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import Handle
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.preemption.importance import by_importance, importance_key
from vigil.scheduling.preemption.pdb import PDBBudget, filter_pods_with_pdb_violation
from vigil.scheduling.status import SUCCESS, Code, Status

NO_VICTIMS = "No preemption victims found for incoming pod"


@dataclass(frozen=True, slots=True)
class Victims:
    """The pods to delete on one node, most important first, and how many break a PDB."""

    pods: tuple[Pod, ...]
    num_pdb_violations: int = 0


class _DryRunError(Exception):
    def __init__(self, status: Status) -> None:
        super().__init__(status.message())
        self.status = status


def select_victims_on_node(
    handle: Handle,
    state: CycleState,
    pod: Pod,
    node_info: NodeInfo,
    budgets: Sequence[PDBBudget],
) -> tuple[Victims | None, Status]:
    """Victims on ``node_info`` for ``pod``; a non-success status says why the node is no
    candidate (``No preemption victims found for incoming pod`` is UnschedulableAndUnresolvable,
    filter failures keep their code and reasons)."""

    def remove(info: PodInfo) -> None:
        node_info.remove_pod(info.pod)
        status = handle.run_pre_filter_extension_remove_pod(state, pod, info, node_info)
        if not status.is_success():
            raise _DryRunError(Status(Code.ERROR, status.reasons, status.plugin))

    def add(info: PodInfo) -> None:
        node_info.add_pod(info)
        status = handle.run_pre_filter_extension_add_pod(state, pod, info, node_info)
        if not status.is_success():
            raise _DryRunError(Status(Code.ERROR, status.reasons, status.plugin))

    try:
        potential = [info for info in node_info.pods if info.pod.priority < pod.priority]
        for info in potential:
            remove(info)
        if not potential:
            return None, Status.unresolvable(NO_VICTIMS)
        status = handle.run_filter_plugins_with_nominated_pods(state, pod, node_info)
        if not status.is_success():
            return None, status
        potential.sort(key=lambda i: importance_key(i.pod))
        violating, non_violating = filter_pods_with_pdb_violation(potential, budgets)
        victims: list[Pod] = []

        def reprieve(info: PodInfo) -> bool:
            add(info)
            fits = handle.run_filter_plugins_with_nominated_pods(state, pod, node_info).is_success()
            if not fits:
                remove(info)
                victims.append(info.pod)
            return fits

        num_violations = sum(1 for info in violating if not reprieve(info))
        for info in non_violating:
            reprieve(info)
        if violating and non_violating:
            victims = by_importance(victims)
    except _DryRunError as exc:
        return None, exc.status
    return Victims(tuple(victims), num_violations), SUCCESS
