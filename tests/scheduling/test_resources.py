"""PodRequests: containers, sidecars, init containers, pod-level requests, overhead."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tests.scheduling.builders import make_pod
from vigil.cluster import Pod
from vigil.scheduling.resources import (
    is_extended_resource_name,
    is_scalar_resource_name,
    pod_non_zero_amounts,
    pod_requests,
    pod_resource_amounts,
)

MI = 2**20


@pytest.mark.parametrize(
    ("pod", "cpu_milli", "memory"),
    [
        (make_pod("p").obj(), 0, 0),
        (
            make_pod("p").req(cpu="100m", memory="100Mi").req(cpu="200m", memory="50Mi").obj(),
            300,
            150 * MI,
        ),
        (make_pod("p").req(cpu="100m").init_container(cpu="500m").obj(), 500, 0),
        (make_pod("p").req(cpu="1").init_container(cpu="500m").obj(), 1000, 0),
        (make_pod("p").req(cpu="100m").init_container(sidecar=True, cpu="200m").obj(), 300, 0),
        (
            make_pod("p")
            .req(cpu="100m")
            .init_container(sidecar=True, cpu="200m")
            .init_container(cpu="500m")
            .obj(),
            700,
            0,
        ),
        (
            make_pod("p")
            .req(cpu="100m")
            .init_container(cpu="500m")
            .init_container(sidecar=True, cpu="200m")
            .obj(),
            500,
            0,
        ),
        (
            make_pod("p")
            .req(cpu="1")
            .init_container(sidecar=True, cpu="300m")
            .init_container(cpu="200m")
            .init_container(sidecar=True, cpu="400m")
            .obj(),
            1700,
            0,
        ),
        (
            make_pod("p").req(cpu="100m", memory="1Gi").overhead(cpu="250m", memory="10Mi").obj(),
            350,
            1034 * MI,
        ),
        (make_pod("p").req(cpu="0.0001").obj(), 1, 0),
    ],
)
def test_pod_requests(pod: Pod, cpu_milli: int, memory: int) -> None:
    amounts = pod_resource_amounts(pod)
    assert amounts.get("cpu", 0) == cpu_milli
    assert amounts.get("memory", 0) == memory


def test_pod_level_requests_replace_container_aggregate() -> None:
    from dataclasses import replace

    from vigil.cluster import ResourceRequirements

    pod = make_pod("p").req(cpu="100m", memory="1Gi", example_com__gpu=1).obj()
    pod = replace(pod, spec=replace(pod.spec, resources=ResourceRequirements({"cpu": Fraction(2)})))
    reqs = pod_requests(pod)
    assert reqs["cpu"] == 2
    assert reqs["memory"] == 2**30
    assert reqs["example.com/gpu"] == 1


@pytest.mark.parametrize(
    ("pod", "expected"),
    [
        (make_pod("p").obj(), (100, 200 * MI)),
        (make_pod("p").req(cpu="1").obj(), (1000, 200 * MI)),
        (make_pod("p").req(memory="1Gi").req().obj(), (200, 2**30 + 200 * MI)),
        (make_pod("p").req(cpu="0", memory="0").obj(), (0, 0)),
        (make_pod("p").req(cpu="1").init_container(cpu="2").obj(), (2000, 200 * MI)),
    ],
)
def test_non_zero_requests(pod: Pod, expected: tuple[int, int]) -> None:
    assert pod_non_zero_amounts(pod) == expected


@pytest.mark.parametrize(
    ("name", "extended", "scalar"),
    [
        ("example.com/gpu", True, True),
        ("nvidia.com/gpu", True, True),
        ("cpu", False, False),
        ("pods", False, False),
        ("hugepages-2Mi", False, True),
        ("kubernetes.io/batch", False, True),
        ("requests.example.com/x", False, False),
        ("attachable-volumes-aws-ebs", False, True),
    ],
)
def test_resource_name_classes(name: str, extended: bool, scalar: bool) -> None:
    assert is_extended_resource_name(name) is extended
    assert is_scalar_resource_name(name) is scalar


def test_untracked_resources_are_dropped_from_amounts() -> None:
    pod = (
        make_pod("p").req(cpu="1", pods="3", foo="2", example_com__gpu=2, hugepages_2Mi="4Mi").obj()
    )
    assert pod_resource_amounts(pod) == {"cpu": 1000, "example.com/gpu": 2, "hugepages-2Mi": 4 * MI}
