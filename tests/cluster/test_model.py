"""Model helpers: metadata keys and controllers, pod priority/readiness/terminal states."""

from __future__ import annotations

from dataclasses import replace

from tests.scheduling.builders import make_node, make_pod
from vigil.cluster import Cluster, ObjectMeta, OwnerReference, PodCondition, PodStatus


def test_meta_key_and_controller() -> None:
    assert ObjectMeta("n").key == "n"
    meta = ObjectMeta(
        "p",
        "ns",
        owner_references=(
            OwnerReference("v1", "X", "a"),
            OwnerReference("apps/v1", "ReplicaSet", "rs", controller=True),
        ),
    )
    assert meta.key == "ns/p"
    controller = meta.controller()
    assert controller is not None
    assert controller.name == "rs"
    assert ObjectMeta("x").controller() is None


def test_pod_states() -> None:
    pod = make_pod("p").obj()
    assert pod.priority == 0
    assert not pod.is_terminal
    assert not pod.is_terminating
    assert make_pod("p").phase("Failed").obj().is_terminal
    assert make_pod("p").terminating().obj().is_terminating
    ready = replace(pod, status=PodStatus(conditions=(PodCondition("Ready", "True"),)))
    assert ready.is_ready
    assert ready.condition("Ready") is not None
    not_ready = replace(pod, status=PodStatus(conditions=(PodCondition("Ready", "False"),)))
    assert not not_ready.is_ready


def test_cluster_lookups() -> None:
    cluster = Cluster(nodes=[make_node("a").obj()], pods=[make_pod("p", "ns").obj()])
    assert cluster.node("a") is not None
    assert cluster.node("b") is None
    assert cluster.pod("ns/p") is not None
    assert cluster.workloads_of_kind("Deployment") == []


def test_namespaces_exist_implicitly_with_the_name_label() -> None:
    from vigil.cluster import Namespace

    cluster = Cluster(
        pods=[make_pod("p", "shop").obj()],
        namespaces=[Namespace(ObjectMeta("data", labels={"team": "x"}))],
    )
    assert cluster.namespace_labels() == {
        "data": {"team": "x", "kubernetes.io/metadata.name": "data"},
        "default": {"kubernetes.io/metadata.name": "default"},
        "shop": {"kubernetes.io/metadata.name": "shop"},
    }
