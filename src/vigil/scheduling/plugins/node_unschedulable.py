"""NodeUnschedulable: cordoned nodes (``spec.unschedulable``) accept only pods that tolerate it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from vigil.cluster.node import NO_SCHEDULE, Taint
from vigil.cluster.pod import Pod
from vigil.cluster.taints import tolerations_tolerate
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import Handle
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, NodeTable
from vigil.scheduling.profile import NODE_UNSCHEDULABLE
from vigil.scheduling.status import SUCCESS, Status

ERR_REASON = "node(s) were unschedulable"
UNSCHEDULABLE_TAINT = Taint("node.kubernetes.io/unschedulable", NO_SCHEDULE)


class NodeUnschedulable:
    """Filter: the pod must tolerate ``node.kubernetes.io/unschedulable:NoSchedule``."""

    name = NODE_UNSCHEDULABLE

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """UnschedulableAndUnresolvable on a cordoned node without the toleration."""
        if not node_info.node.unschedulable:
            return SUCCESS
        if tolerations_tolerate(pod.spec.tolerations, UNSCHEDULABLE_TAINT):
            return SUCCESS
        return Status.unresolvable(ERR_REASON)

    def filter_batch(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArray | None:
        """`filter` over every node of the table: True where the node passes."""
        if tolerations_tolerate(pod.spec.tolerations, UNSCHEDULABLE_TAINT):
            return np.ones(table.size, dtype=np.bool_)
        return ~table.unschedulable

    def rejection_key(self, state: CycleState, pod: Pod, table: NodeTable, i: int) -> int | None:
        """One reason."""
        return 0


def new(args: Mapping[str, Any], handle: Handle) -> NodeUnschedulable:
    """Factory."""
    return NodeUnschedulable()
