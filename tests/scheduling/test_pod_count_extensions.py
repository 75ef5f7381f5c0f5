"""The shared AddPod/RemovePod of InterPodAffinity and PodTopologySpread."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.scheduling.builders import make_node, make_pod
from vigil.cluster.node import Node
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.plugins.pod_count_extensions import PodCountExtensions
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.status import Code


@dataclass
class Recorder:
    calls: list[tuple[str, str, int]] = field(default_factory=list)

    def update_with_pod(self, other: PodInfo, node: Node, delta: int) -> None:
        self.calls.append((other.pod.name, node.name, delta))


class Counting(PodCountExtensions):
    state_key = "PreFilterCounting"
    state_type = Recorder


@pytest.mark.parametrize(("method", "delta"), [("add_pod", 1), ("remove_pod", -1)])
def test_updates_the_stored_state(method: str, delta: int) -> None:
    state = CycleState()
    recorder = Recorder()
    state.write("PreFilterCounting", recorder)
    plugin = Counting()
    other = PodInfo.of(make_pod("victim").obj())
    node_info = NodeInfo(make_node("node-1").obj())
    status = getattr(plugin.pre_filter_extensions(), method)(
        state, make_pod("incoming").obj(), other, node_info
    )
    assert status.is_success()
    assert recorder.calls == [("victim", "node-1", delta)]


def test_missing_state_is_an_error_naming_the_key() -> None:
    status = Counting().add_pod(
        CycleState(),
        make_pod("incoming").obj(),
        PodInfo.of(make_pod("victim").obj()),
        NodeInfo(make_node("node-1").obj()),
    )
    assert status.code is Code.ERROR
    assert 'reading "PreFilterCounting" from cycleState: not found' in status.message()
