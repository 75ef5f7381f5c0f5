"""NodeName: a pod with ``spec.nodeName`` fits only that node."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import Handle
from vigil.scheduling.nodeinfo import NodeInfo
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


def new(args: Mapping[str, Any], handle: Handle) -> NodeName:
    """Factory."""
    return NodeName()
