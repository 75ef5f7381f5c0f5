"""The scheduler's view of one node (``framework.NodeInfo``) and its used host ports.

NodeInfo aggregates the pods bound (or assumed, or nominated in a what-if copy) to a node: the
sum of their requests, their non-zero requests for scoring, their host ports, and the subsets of
pods with affinity, so plugins answer per-node questions without walking the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vigil.cluster.node import Node
from vigil.cluster.pod import Container, Pod
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.resources import CPU, MEMORY, node_allocatable

if TYPE_CHECKING:
    from vigil.scheduling.nodetable import NodeTable

DEFAULT_BIND_ALL_HOST_IP = "0.0.0.0"
DEFAULT_PROTOCOL = "TCP"


def running_containers(pod: Pod) -> list[Container]:
    """Containers that run for the pod's lifetime: sidecars (restartable init containers) and
    app containers."""
    return [c for c in pod.spec.init_containers if c.is_sidecar] + list(pod.spec.containers)


def _sanitize(ip: str, protocol: str) -> tuple[str, str]:
    return ip or DEFAULT_BIND_ALL_HOST_IP, protocol or DEFAULT_PROTOCOL


@dataclass(slots=True)
class HostPortInfo:
    """Used ``(protocol, port)`` pairs by host IP (``framework.HostPortInfo``)."""

    by_ip: dict[str, set[tuple[str, int]]] = field(default_factory=dict)

    def add(self, ip: str, protocol: str, port: int) -> None:
        """Record a used host port; ports <= 0 are ignored."""
        if port <= 0:
            return
        ip, protocol = _sanitize(ip, protocol)
        self.by_ip.setdefault(ip, set()).add((protocol, port))

    def remove(self, ip: str, protocol: str, port: int) -> None:
        """Forget a used host port."""
        if port <= 0:
            return
        ip, protocol = _sanitize(ip, protocol)
        used = self.by_ip.get(ip)
        if used is not None:
            used.discard((protocol, port))
            if not used:
                del self.by_ip[ip]

    def check_conflict(self, ip: str, protocol: str, port: int) -> bool:
        """Whether wanting ``ip:port/protocol`` conflicts: 0.0.0.0 conflicts with any IP."""
        if port <= 0:
            return False
        ip, protocol = _sanitize(ip, protocol)
        pair = (protocol, port)
        if ip == DEFAULT_BIND_ALL_HOST_IP:
            return any(pair in used for used in self.by_ip.values())
        return any(pair in self.by_ip.get(key, ()) for key in (DEFAULT_BIND_ALL_HOST_IP, ip))

    def clone(self) -> HostPortInfo:
        """A deep copy."""
        return HostPortInfo({ip: set(used) for ip, used in self.by_ip.items()})

    def __len__(self) -> int:
        return sum(len(used) for used in self.by_ip.values())


class NodeInfo:
    """A node, the pods on it and the aggregates plugins need."""

    __slots__ = (
        "_table",
        "_table_index",
        "allocatable",
        "node",
        "non_zero_requested",
        "pods",
        "pods_with_affinity",
        "pods_with_required_anti_affinity",
        "requested",
        "used_ports",
    )

    def __init__(self, node: Node, pods: list[PodInfo] | None = None) -> None:
        self.node = node
        self.allocatable: dict[str, int] = node_allocatable(node.allocatable)
        self.pods: list[PodInfo] = []
        self.pods_with_affinity: list[PodInfo] = []
        self.pods_with_required_anti_affinity: list[PodInfo] = []
        self.requested: dict[str, int] = {}
        self.non_zero_requested: dict[str, int] = {CPU: 0, MEMORY: 0}
        self.used_ports = HostPortInfo()
        self._table: NodeTable | None = None
        self._table_index = -1
        for info in pods or ():
            self.add_pod(info)

    def attach(self, table: NodeTable, index: int) -> None:
        """Report every later pod change to ``table`` (this node is its row ``index``)."""
        self._table = table
        self._table_index = index

    @property
    def name(self) -> str:
        """The node name."""
        return self.node.name

    def _update(self, info: PodInfo, sign: int) -> None:
        for name, amount in info.requests.items():
            self.requested[name] = self.requested.get(name, 0) + sign * amount
        self.non_zero_requested[CPU] += sign * info.non_zero_cpu
        self.non_zero_requested[MEMORY] += sign * info.non_zero_memory
        for c in running_containers(info.pod):
            for p in c.ports:
                if p.host_port != 0:
                    if sign > 0:
                        self.used_ports.add(p.host_ip, p.protocol, p.host_port)
                    else:
                        self.used_ports.remove(p.host_ip, p.protocol, p.host_port)
        if self._table is not None:
            self._table.on_pod_change(self._table_index, info, sign)

    def add_pod(self, info: PodInfo) -> None:
        """Account for a pod on this node."""
        self.pods.append(info)
        if info.has_affinity:
            self.pods_with_affinity.append(info)
        if info.has_required_anti_affinity:
            self.pods_with_required_anti_affinity.append(info)
        self._update(info, 1)

    def remove_pod(self, pod: Pod) -> bool:
        """Stop accounting for a pod (matched by namespace/name); False if it was not here."""
        for i, info in enumerate(self.pods):
            if info.pod.key == pod.key:
                del self.pods[i]
                self.pods_with_affinity = [p for p in self.pods_with_affinity if p is not info]
                self.pods_with_required_anti_affinity = [
                    p for p in self.pods_with_required_anti_affinity if p is not info
                ]
                self._update(info, -1)
                return True
        return False

    def clone(self) -> NodeInfo:
        """A copy whose pod lists and aggregates can be changed independently."""
        copy = NodeInfo.__new__(NodeInfo)
        copy.node = self.node
        copy.allocatable = self.allocatable
        copy.pods = list(self.pods)
        copy.pods_with_affinity = list(self.pods_with_affinity)
        copy.pods_with_required_anti_affinity = list(self.pods_with_required_anti_affinity)
        copy.requested = dict(self.requested)
        copy.non_zero_requested = dict(self.non_zero_requested)
        copy.used_ports = self.used_ports.clone()
        copy._table = None
        copy._table_index = -1
        return copy

    def __repr__(self) -> str:
        return f"NodeInfo({self.name!r}, pods={len(self.pods)})"
