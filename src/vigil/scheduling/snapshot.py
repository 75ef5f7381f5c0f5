"""A consistent view of the cluster for scheduling cycles (``cache.Snapshot``).

Holds one `NodeInfo` per node in a fixed order (the order nodes are filtered in), plus what
plugins look up cluster-wide: namespace labels, the Services, ReplicaSets and StatefulSets whose
selectors define the default topology spreading, and the PodDisruptionBudgets preemption weighs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from vigil.cluster.cluster import Cluster
from vigil.cluster.namespace import Service
from vigil.cluster.node import Node
from vigil.cluster.pod import Pod
from vigil.cluster.policy import PodDisruptionBudget
from vigil.cluster.workloads import Workload
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import NodeTable
from vigil.scheduling.podinfo import PodInfo


class Snapshot:
    """Nodes with their pods, and the cluster-level objects plugins consult."""

    __slots__ = (
        "_by_name",
        "_table",
        "namespace_labels",
        "node_infos",
        "pdbs",
        "services",
        "workloads",
    )

    def __init__(
        self,
        nodes: Iterable[Node],
        pods: Iterable[Pod] = (),
        *,
        namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
        services: Sequence[Service] = (),
        workloads: Sequence[Workload] = (),
        pdbs: Sequence[PodDisruptionBudget] = (),
    ) -> None:
        self.node_infos: list[NodeInfo] = [NodeInfo(n) for n in nodes]
        self._by_name: dict[str, NodeInfo] = {ni.name: ni for ni in self.node_infos}
        self.namespace_labels: dict[str, Mapping[str, str]] = dict(namespace_labels or {})
        self.services = tuple(services)
        self.workloads = tuple(workloads)
        self.pdbs = tuple(pdbs)
        self._table: NodeTable | None = None
        for pod in pods:
            if pod.spec.node_name and not pod.is_terminal and pod.spec.node_name in self._by_name:
                self._by_name[pod.spec.node_name].add_pod(PodInfo.of(pod))

    @staticmethod
    def from_cluster(cluster: Cluster) -> Snapshot:
        """Nodes and bound, non-terminal pods of a loaded cluster."""
        return Snapshot(
            cluster.nodes,
            cluster.pods,
            namespace_labels=cluster.namespace_labels(),
            services=cluster.services,
            workloads=cluster.workloads,
            pdbs=cluster.pdbs,
        )

    def node_table(self) -> NodeTable | None:
        """The column-wise view of the nodes used by the vectorised plugin paths (built on first
        use, then kept current by every pod added or removed), or None when it cannot be exact
        (amounts beyond 2**53) or ``node_infos`` was changed since it was built."""
        table = self._table
        if table is None:
            table = self._table = NodeTable(self.node_infos)
        elif table.size != len(self.node_infos) or (
            table.size and table.infos[-1] is not self.node_infos[-1]
        ):
            return None
        return table if table.exact else None

    def get(self, name: str) -> NodeInfo | None:
        """The NodeInfo of a node name."""
        return self._by_name.get(name)

    def __len__(self) -> int:
        return len(self.node_infos)

    def have_pods_with_affinity(self) -> list[NodeInfo]:
        """Nodes hosting at least one pod with pod (anti-)affinity."""
        return [ni for ni in self.node_infos if ni.pods_with_affinity]

    def have_pods_with_required_anti_affinity(self) -> list[NodeInfo]:
        """Nodes hosting at least one pod with required anti-affinity."""
        return [ni for ni in self.node_infos if ni.pods_with_required_anti_affinity]

    def add_pod(self, pod: Pod, node_name: str) -> PodInfo:
        """Place ``pod`` on ``node_name`` (assume or bind); returns its PodInfo."""
        info = PodInfo.of(pod)
        self._by_name[node_name].add_pod(info)
        return info

    def remove_pod(self, pod: Pod, node_name: str) -> bool:
        """Remove ``pod`` from ``node_name``; False if it was not there."""
        node = self._by_name.get(node_name)
        return node is not None and node.remove_pod(pod)
