"""NodeResourcesFit: every insufficient resource, pod count first, and the scoring strategies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scheduling.builders import filter_statuses, make_node, make_pod, plugin_scores, snapshot
from vigil.cluster import Pod
from vigil.scheduling import Code

NODE = make_node("n").capacity(cpu="1", memory="1Gi", ephemeral_storage="10Gi", pods=2).obj()
EXISTING = make_pod("e").req(cpu="500m", memory="512Mi").node("n").obj()


@pytest.mark.parametrize(
    ("pod", "reasons"),
    [
        (make_pod("p").req(cpu="500m", memory="512Mi").obj(), ()),
        (make_pod("p").req(cpu="600m").obj(), ("Insufficient cpu",)),
        (
            make_pod("p").req(cpu="600m", memory="600Mi").obj(),
            ("Insufficient cpu", "Insufficient memory"),
        ),
        (make_pod("p").req(memory="513Mi").obj(), ("Insufficient memory",)),
        (make_pod("p").req(ephemeral_storage="11Gi").obj(), ("Insufficient ephemeral-storage",)),
        (make_pod("p").req(cpu="100m").init_container(cpu="600m").obj(), ("Insufficient cpu",)),
        (make_pod("p").req(cpu="100m").overhead(cpu="450m").obj(), ("Insufficient cpu",)),
        (make_pod("p").req(example_com__gpu=1).obj(), ("Insufficient example.com/gpu",)),
        (
            make_pod("p").req(cpu="2", example_com__b=1, example_com__a=1).obj(),
            ("Insufficient cpu", "Insufficient example.com/a", "Insufficient example.com/b"),
        ),
        (make_pod("p").obj(), ()),
    ],
)
def test_filter_reasons(pod: Pod, reasons: tuple[str, ...]) -> None:
    status = filter_statuses("NodeResourcesFit", pod, snapshot([NODE], [EXISTING]))["n"]
    assert status.reasons == reasons
    if reasons:
        assert status.code is Code.UNSCHEDULABLE


def test_too_many_pods_comes_first_and_applies_to_empty_pods() -> None:
    full = [EXISTING, make_pod("e2").node("n").obj()]
    snap = snapshot([NODE], full)
    assert filter_statuses("NodeResourcesFit", make_pod("p").obj(), snap)["n"].reasons == (
        "Too many pods",
    )
    big = make_pod("p").req(cpu="2", memory="2Gi").obj()
    assert filter_statuses("NodeResourcesFit", big, snap)["n"].reasons == (
        "Too many pods",
        "Insufficient cpu",
        "Insufficient memory",
    )


def test_missing_pods_allocatable_means_zero_pods() -> None:
    from dataclasses import replace

    node = replace(NODE, allocatable={k: v for k, v in NODE.allocatable.items() if k != "pods"})
    assert filter_statuses("NodeResourcesFit", make_pod("p").obj(), snapshot([node]))[
        "n"
    ].reasons == ("Too many pods",)


@pytest.mark.parametrize(
    "args",
    [{"ignoredResources": ["example.com/gpu"]}, {"ignoredResourceGroups": ["example.com"]}],
)
def test_ignored_extended_resources(args: dict[str, Any]) -> None:
    pod = make_pod("p").req(example_com__gpu=1).obj()
    assert filter_statuses("NodeResourcesFit", pod, snapshot([NODE]), args)["n"].is_success()


def _score_nodes() -> list:  # type: ignore[type-arg]
    return [
        make_node("n1").capacity(cpu="4", memory="10000").obj(),
        make_node("n2").capacity(cpu="6", memory="10000").obj(),
    ]


def test_least_allocated() -> None:
    pod = make_pod("p").req(cpu="3", memory="5000").obj()
    assert plugin_scores("NodeResourcesFit", pod, snapshot(_score_nodes())) == {"n1": 37, "n2": 50}


def test_most_allocated() -> None:
    pod = make_pod("p").req(cpu="3", memory="5000").obj()
    args = {"scoringStrategy": {"type": "MostAllocated"}}
    assert plugin_scores("NodeResourcesFit", pod, snapshot(_score_nodes()), args) == {
        "n1": 62,
        "n2": 50,
    }


def test_weighted_resources_and_non_zero_defaults() -> None:
    existing = make_pod("e").node("n1").obj()
    pod = make_pod("p").obj()
    args = {
        "scoringStrategy": {"type": "LeastAllocated", "resources": [{"name": "cpu", "weight": 3}]}
    }
    scores = plugin_scores("NodeResourcesFit", pod, snapshot(_score_nodes(), [existing]), args)
    assert scores == {"n1": (4000 - 200) * 100 // 4000, "n2": (6000 - 100) * 100 // 6000}


def test_over_capacity_scores_zero_and_extended_resources_are_skipped_when_not_requested() -> None:
    nodes = [make_node("n1").capacity(cpu="1", memory="1Gi", example_com__gpu=4).obj()]
    pod = make_pod("p").req(cpu="2", memory="512Mi").obj()
    args = {
        "scoringStrategy": {
            "resources": [{"name": "cpu"}, {"name": "memory"}, {"name": "example.com/gpu"}]
        }
    }
    assert plugin_scores("NodeResourcesFit", pod, snapshot(nodes), args) == {"n1": (0 + 50) // 2}
    gpu_pod = make_pod("p").req(cpu="500m", memory="512Mi", example_com__gpu=1).obj()
    assert plugin_scores("NodeResourcesFit", gpu_pod, snapshot(nodes), args) == {
        "n1": (50 + 50 + 75) // 3
    }
