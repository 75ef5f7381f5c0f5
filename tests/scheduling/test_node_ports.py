"""NodePorts: host port conflicts by IP and protocol."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.scheduling.builders import (
    PodBuilder,
    filter_statuses,
    make_node,
    make_pod,
    plugin_framework,
    snapshot,
)
from vigil.cluster import Pod
from vigil.scheduling import Code, CycleState, HostPortInfo

REASON = "node(s) didn't have free ports for the requested pod ports"


@pytest.mark.parametrize(
    ("existing", "wanted", "conflict"),
    [
        (make_pod("e").host_port(8080), make_pod("p").host_port(8080), True),
        (make_pod("e").host_port(8080), make_pod("p").host_port(8081), False),
        (make_pod("e").host_port(8080, protocol="UDP"), make_pod("p").host_port(8080), False),
        (
            make_pod("e").host_port(8080, protocol="UDP"),
            make_pod("p").host_port(8080, protocol="UDP"),
            True,
        ),
        (
            make_pod("e").host_port(8080, "10.0.0.1"),
            make_pod("p").host_port(8080, "10.0.0.2"),
            False,
        ),
        (
            make_pod("e").host_port(8080, "10.0.0.1"),
            make_pod("p").host_port(8080, "10.0.0.1"),
            True,
        ),
        (make_pod("e").host_port(8080, "10.0.0.1"), make_pod("p").host_port(8080), True),
        (make_pod("e").host_port(8080, "0.0.0.0"), make_pod("p").host_port(8080, "10.0.0.2"), True),
        (make_pod("e").host_port(8080), make_pod("p").host_port(8080, "10.0.0.2"), True),
        (make_pod("e"), make_pod("p").host_port(8080), False),
    ],
)
def test_filter(existing: PodBuilder, wanted: PodBuilder, conflict: bool) -> None:
    bound: Pod = existing.node("n").obj()
    status = filter_statuses("NodePorts", wanted.obj(), snapshot([make_node("n").obj()], [bound]))[
        "n"
    ]
    assert status.message() == (REASON if conflict else "")
    if conflict:
        assert status.code is Code.UNSCHEDULABLE


def test_pod_without_host_ports_skips_the_filter() -> None:

    snap = snapshot([make_node("n").obj()])
    fwk = plugin_framework("NodePorts", snap)
    state = CycleState()
    fwk.run_pre_filter_plugins(state, make_pod("p").obj(), snap.node_infos)
    assert state.skip_filter_plugins == {"NodePorts"}


def test_host_port_info_add_remove() -> None:
    info = HostPortInfo()
    info.add("", "", 80)
    info.add("1.2.3.4", "UDP", 53)
    info.add("", "TCP", 0)
    assert len(info) == 2
    assert info.check_conflict("0.0.0.0", "TCP", 80)
    assert info.check_conflict("5.6.7.8", "TCP", 80)
    assert not info.check_conflict("5.6.7.8", "UDP", 53)
    assert info.check_conflict("0.0.0.0", "UDP", 53)
    assert not info.check_conflict("", "", 0)
    info.remove("0.0.0.0", "TCP", 80)
    assert not info.check_conflict("5.6.7.8", "TCP", 80)
    clone = info.clone()
    clone.remove("1.2.3.4", "UDP", 53)
    assert len(info) == 1
    assert len(clone) == 0


def test_sidecar_host_ports_count_on_both_sides() -> None:
    from vigil.cluster import ContainerPort
    from vigil.cluster.pod import Container

    def with_sidecar_port(name: str) -> Pod:
        pod = make_pod(name).obj()
        sidecar = Container(
            "proxy", "envoy", ports=(ContainerPort(15001, 15001),), restart_policy="Always"
        )
        init = Container("init", "busybox", ports=(ContainerPort(9000, 9000),))
        return replace(pod, spec=replace(pod.spec, init_containers=(init, sidecar)))

    existing = replace(
        with_sidecar_port("e"), spec=replace(with_sidecar_port("e").spec, node_name="n")
    )
    snap = snapshot([make_node("n").obj()], [existing])
    assert filter_statuses("NodePorts", with_sidecar_port("p"), snap)["n"].reasons == (REASON,)
    assert filter_statuses("NodePorts", make_pod("q").host_port(9000).obj(), snap)["n"].is_success()
