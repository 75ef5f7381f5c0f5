"""Carrying out a preemption in the simulator (``prepareCandidate`` plus what follows).

Upstream marks each victim ``DisruptionTarget=True`` (reason ``PreemptionByScheduler``), deletes
it with its grace period, clears the nomination of lower-priority pods nominated to the same
node, sets the preemptor's ``status.nominatedNodeName`` and requeues it. The simulator models
the victims' termination as immediate: they leave the snapshot at once, as they would once the
kubelet confirms the graceful deletion. Controllers are not simulated, so a preempted pod owned
by a ReplicaSet is not recreated.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from vigil.cluster.pod import Pod
from vigil.scheduling.preemption.default_preemption import PreemptionResult

if TYPE_CHECKING:
    from vigil.scheduling.scheduler import Scheduler, ScheduleResult


def preemption_of(result: ScheduleResult) -> PreemptionResult | None:
    """The preemption outcome of a cycle, if DefaultPreemption ran."""
    pf = result.post_filter_result
    return pf if isinstance(pf, PreemptionResult) else None


def apply_preemption(scheduler: Scheduler, result: ScheduleResult) -> Pod | None:
    """Apply a cycle's preemption to the scheduler's snapshot and nominations.

    Returns the pod to retry (with ``status.nominatedNodeName`` set) when victims were chosen,
    else None. A failed preemption clears the pod's nomination, as upstream does.
    """
    preemption = preemption_of(result)
    if preemption is None or result.scheduled:
        return None
    pod = result.pod
    node = preemption.nominated_node_name
    if not node:
        scheduler.clear_nomination(pod)
        return None
    for victim in preemption.victims:
        scheduler.snapshot.remove_pod(victim, victim.spec.node_name or node)
    lower = {
        info.pod.key
        for fwk in scheduler.frameworks.values()
        for info in fwk.nominated.get(node, ())
        if info.pod.priority < pod.priority
    }
    for fwk in scheduler.frameworks.values():
        for info in list(fwk.nominated.get(node, ())):
            if info.pod.key in lower:
                scheduler.clear_nomination(info.pod)
    return replace(pod, status=replace(pod.status, nominated_node_name=node))
