"""NodeName: a pod with ``spec.nodeName`` fits only that node."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import Handle
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, NodeTable
from vigil.scheduling.profile import NODE_NAME
from vigil.scheduling.status import SUCCESS, Status

ERR_REASON = "node(s) didn't match the requested node name"


class NodeName:
    """Filter: ``spec.nodeName`` empty or equal to the node name."""

    name = NODE_NAME

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """UnschedulableAndUnresolvable on another node."""
        if not pod.spec.node_name or pod.spec.node_name == node_info.name:
            return SUCCESS
        return Status.unresolvable(ERR_REASON)

    def filter_batch(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArray | None:
        """`filter` over every node of the table: True where the node passes."""
        ok = np.ones(table.size, dtype=np.bool_)
        if pod.spec.node_name:
            ok[:] = False
            i = table.index.get(pod.spec.node_name)
            if i is not None:
                ok[i] = True
        return ok

    def rejection_key(self, state: CycleState, pod: Pod, table: NodeTable, i: int) -> int | None:
        """One reason."""
        return 0


def new(args: Mapping[str, Any], handle: Handle) -> NodeName:
    """Factory."""
    return NodeName()
