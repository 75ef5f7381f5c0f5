"""NodePorts: a pod's host ports must be free on the node."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vigil.cluster.pod import ContainerPort, Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import Handle, PreFilterExtensions, PreFilterResult
from vigil.scheduling.nodeinfo import NodeInfo, running_containers
from vigil.scheduling.nodetable import BoolArray, NodeTable
from vigil.scheduling.profile import NODE_PORTS
from vigil.scheduling.status import SKIP, SUCCESS, Status

ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
_PRE_FILTER_KEY = "PreFilter" + NODE_PORTS


class _PreFilterState:
    __slots__ = ("ports",)

    def __init__(self, ports: tuple[ContainerPort, ...]) -> None:
        self.ports = ports


def host_ports(pod: Pod) -> tuple[ContainerPort, ...]:
    """The ports of the pod's long-running containers (app containers and sidecars, as since
    kubernetes#132040) that ask for a host port."""
    return tuple(p for c in running_containers(pod) for p in c.ports if p.host_port > 0)


class NodePorts:
    """Filter: Unschedulable when any wanted (hostIP, protocol, hostPort) is taken."""

    name = NODE_PORTS

    def pre_filter(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status]:
        """Skip when the pod wants no host port."""
        ports = host_ports(pod)
        if not ports:
            return None, SKIP
        state.write(_PRE_FILTER_KEY, _PreFilterState(ports))
        return None, SUCCESS

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        """None: the filter reads used ports from the NodeInfo."""
        return None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """Check each wanted port against the node's used ports."""
        s = state.read(_PRE_FILTER_KEY, _PreFilterState)
        ports = s.ports if s is not None else host_ports(pod)
        used = node_info.used_ports
        if any(used.check_conflict(p.host_ip, p.protocol, p.host_port) for p in ports):
            return Status.unschedulable(ERR_REASON)
        return SUCCESS

    def filter_batch(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArray | None:
        """`filter` over every node of the table: True where the node passes."""
        s = state.read(_PRE_FILTER_KEY, _PreFilterState)
        ports = s.ports if s is not None else host_ports(pod)
        return np.fromiter(
            (
                not ni.used_ports.by_ip
                or not any(
                    ni.used_ports.check_conflict(p.host_ip, p.protocol, p.host_port) for p in ports
                )
                for ni in table.infos
            ),
            dtype=np.bool_,
            count=table.size,
        )

    def rejection_key(self, state: CycleState, pod: Pod, table: NodeTable, i: int) -> int | None:
        """One reason."""
        return 0


def new(args: Mapping[str, Any], handle: Handle) -> NodePorts:
    """Factory."""
    return NodePorts()
