"""Whether a pod may preempt at all (``PodEligibleToPreemptOthers``).

A pod with ``preemptionPolicy: Never`` never preempts. A pod already nominated to a node waits
while a lower-priority pod there is terminating because of preemption (deletion timestamp and
condition ``DisruptionTarget=True`` with reason ``PreemptionByScheduler``), unless the filters
now find its nominated node UnschedulableAndUnresolvable, in which case it may preempt again.
"""

from __future__ import annotations

from vigil.cluster.pod import Pod
from vigil.cluster.policy import PREEMPT_NEVER
from vigil.scheduling.snapshot import Snapshot
from vigil.scheduling.status import Code, Status

NOT_ELIGIBLE_NEVER = "not eligible due to preemptionPolicy=Never."
NOT_ELIGIBLE_TERMINATING = "not eligible due to a terminating pod on the nominated node."
DISRUPTION_TARGET = "DisruptionTarget"
PREEMPTION_BY_SCHEDULER = "PreemptionByScheduler"


def pod_terminating_by_preemption(pod: Pod) -> bool:
    """Deleting, with ``DisruptionTarget=True`` for reason ``PreemptionByScheduler``."""
    if not pod.is_terminating:
        return False
    cond = pod.condition(DISRUPTION_TARGET)
    return cond is not None and cond.status == "True" and cond.reason == PREEMPTION_BY_SCHEDULER


def pod_eligible_to_preempt_others(
    pod: Pod, snapshot: Snapshot, nominated_node_status: Status
) -> tuple[bool, str]:
    """(eligible, the message when not)."""
    if pod.spec.preemption_policy == PREEMPT_NEVER:
        return False, NOT_ELIGIBLE_NEVER
    nominated = pod.status.nominated_node_name
    if nominated:
        if nominated_node_status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
            return True, ""
        node_info = snapshot.get(nominated)
        if node_info is not None:
            for info in node_info.pods:
                if info.pod.priority < pod.priority and pod_terminating_by_preemption(info.pod):
                    return False, NOT_ELIGIBLE_TERMINATING
    return True, ""
