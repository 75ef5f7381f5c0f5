"""AddPod/RemovePod shared by the plugins whose PreFilter state counts matching pods.

InterPodAffinity and PodTopologySpread both keep, in their PreFilter state, counts of existing
pods per topology domain; upstream gives both the same PreFilterExtensions, which update those
counts when preemption's dry run removes a victim or a nominated pod is added. This mixin is
that one implementation.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from vigil.cluster.node import Node
from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import PreFilterExtensions
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.status import SUCCESS, Status


class PodCountingState(Protocol):
    """A PreFilter state that can account for one pod more or less on a node."""

    def update_with_pod(self, other: PodInfo, node: Node, delta: int) -> None: ...


class PodCountExtensions:
    """PreFilterExtensions updating the state stored under ``state_key``."""

    state_key: ClassVar[str]
    state_type: ClassVar[type[PodCountingState]]

    def pre_filter_extensions(self) -> PreFilterExtensions:
        """AddPod/RemovePod update the counts."""
        return self

    def _update(self, state: CycleState, other: PodInfo, node_info: NodeInfo, delta: int) -> Status:
        s = state.read(self.state_key, self.state_type)
        if s is None:
            return Status.error(f'reading "{self.state_key}" from cycleState: not found')
        s.update_with_pod(other, node_info.node, delta)
        return SUCCESS

    def add_pod(
        self, state: CycleState, pod: Pod, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status:
        """Account for a pod added to a node."""
        return self._update(state, pod_to_add, node_info, 1)

    def remove_pod(
        self, state: CycleState, pod: Pod, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status:
        """Account for a pod removed from a node."""
        return self._update(state, pod_to_remove, node_info, -1)
