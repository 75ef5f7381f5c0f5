"""NodeInfo aggregates: requested, non-zero requested, ports, affinity lists, clone."""

from __future__ import annotations

from tests.scheduling.builders import make_node, make_pod, sel
from vigil.scheduling import NodeInfo, PodInfo

MI = 2**20


def test_add_and_remove_pods() -> None:
    node = make_node("n").capacity(cpu="4", memory="8Gi", example_com__gpu=2).obj()
    info = NodeInfo(node)
    assert info.allocatable == {
        "cpu": 4000,
        "memory": 8 * 1024 * MI,
        "example.com/gpu": 2,
        "pods": 110,
    }
    a = make_pod("a").req(cpu="500m", memory="1Gi", example_com__gpu=1).obj()
    b = make_pod("b").host_port(80).pod_anti_affinity("kubernetes.io/hostname", sel(app="x")).obj()
    info.add_pod(PodInfo.of(a))
    info.add_pod(PodInfo.of(b))
    assert info.requested == {"cpu": 500, "memory": 1024 * MI, "example.com/gpu": 1}
    assert info.non_zero_requested == {"cpu": 500 + 100, "memory": 1024 * MI + 200 * MI}
    assert info.used_ports.check_conflict("", "TCP", 80)
    assert [p.pod.name for p in info.pods_with_affinity] == ["b"]
    assert [p.pod.name for p in info.pods_with_required_anti_affinity] == ["b"]
    clone = info.clone()
    assert info.remove_pod(b)
    assert not info.remove_pod(b)
    assert not info.used_ports.check_conflict("", "TCP", 80)
    assert info.pods_with_affinity == []
    assert info.non_zero_requested == {"cpu": 500, "memory": 1024 * MI}
    assert len(clone.pods) == 2
    assert clone.used_ports.check_conflict("", "TCP", 80)
    assert clone.requested["cpu"] == 500
