"""Object decoding by kind: nodes, namespaces, PDBs, PriorityClasses, workloads."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.cluster import Node, Pod, PodDisruptionBudget, PriorityClass, Workload
from vigil.cluster.decode import decode_object
from vigil.cluster.errors import FieldError
from vigil.cluster.reader import Fields


def test_node_allocatable_falls_back_to_capacity() -> None:
    node = decode_object(
        "Node", Fields({"metadata": {"name": "n"}, "status": {"capacity": {"cpu": "2"}}})
    )
    assert isinstance(node, Node)
    assert node.allocatable == {"cpu": 2}
    node = decode_object(
        "Node",
        Fields(
            {
                "metadata": {"name": "n", "labels": {"zone": "a"}},
                "spec": {
                    "unschedulable": True,
                    "taints": [{"key": "k", "value": "v", "effect": "NoExecute"}],
                },
                "status": {"capacity": {"cpu": "2"}, "allocatable": {"cpu": "1500m"}},
            }
        ),
    )
    assert isinstance(node, Node)
    assert node.unschedulable
    assert node.taints[0].effect == "NoExecute"
    assert node.allocatable == {"cpu": 1.5}
    assert node.metadata.namespace == ""


def test_priority_class_defaults() -> None:
    pc = decode_object("PriorityClass", Fields({"metadata": {"name": "x"}, "value": 10}))
    assert isinstance(pc, PriorityClass)
    assert (pc.value, pc.global_default, pc.preemption_policy) == (
        10,
        False,
        "PreemptLowerPriority",
    )


def test_pdb_selector_nil_versus_empty() -> None:
    nil = decode_object(
        "PodDisruptionBudget", Fields({"metadata": {"name": "b"}, "spec": {"minAvailable": 1}})
    )
    assert isinstance(nil, PodDisruptionBudget)
    assert nil.selector is None
    assert nil.status is None
    empty = decode_object(
        "PodDisruptionBudget",
        Fields({"metadata": {"name": "b"}, "spec": {"minAvailable": "50%", "selector": {}}}),
    )
    assert isinstance(empty, PodDisruptionBudget)
    assert empty.selector is not None
    assert empty.min_available == "50%"


def test_workload_without_template_has_no_pods() -> None:
    w = decode_object("Deployment", Fields({"metadata": {"name": "d"}, "spec": {"replicas": 2}}))
    assert isinstance(w, Workload)
    assert w.template is None
    assert w.namespace == "default"


TEMPLATE = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c"}]}}


@pytest.mark.parametrize(
    ("kind", "spec", "replicas", "selector"),
    [
        ("DaemonSet", {"selector": {"matchLabels": {"app": "a"}}, "template": TEMPLATE}, None, "a"),
        ("Job", {"parallelism": 2, "template": TEMPLATE}, None, None),
        (
            "CronJob",
            {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": TEMPLATE}}},
            None,
            None,
        ),
        (
            "ReplicationController",
            {"replicas": 3, "selector": {"app": "a"}, "template": TEMPLATE},
            3,
            "a",
        ),
        ("StatefulSet", {"replicas": 2, "template": TEMPLATE}, 2, None),
        ("Deployment", {"selector": {"matchLabels": {"app": "a"}}, "template": TEMPLATE}, 1, "a"),
        ("ReplicaSet", {"selector": {"matchLabels": {"app": "a"}}, "template": TEMPLATE}, 1, "a"),
        ("StatefulSet", {"template": TEMPLATE}, 1, None),
        ("ReplicationController", {"selector": {"app": "a"}, "template": TEMPLATE}, 1, "a"),
        ("Deployment", {"replicas": 0, "template": TEMPLATE}, 0, None),
    ],
)
def test_every_workload_kind_is_read_with_its_template(
    kind: str, spec: dict[str, Any], replicas: int | None, selector: str | None
) -> None:
    w = decode_object(kind, Fields({"metadata": {"name": "w", "namespace": "ns"}, "spec": spec}))
    assert isinstance(w, Workload)
    assert (w.kind, w.metadata.key, w.replicas) == (kind, "ns/w", replicas)
    assert w.template is not None
    assert w.template.metadata.labels == {"app": "a"}
    assert [c.name for c in w.template.spec.containers] == ["c"]
    labels = None if w.selector is None else dict(w.selector.match_labels).get("app")
    assert labels == selector


def test_container_statuses_say_why_containers_wait() -> None:
    pod = decode_object(
        "Pod",
        Fields(
            {
                "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
                "status": {
                    "phase": "Running",
                    "containerStatuses": [
                        {"name": "a", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
                        {"name": "b", "state": {"running": {}}},
                    ],
                },
            }
        ),
    )
    assert isinstance(pod, Pod)
    assert [(c.name, c.waiting_reason) for c in pod.status.container_statuses] == [
        ("a", "CrashLoopBackOff"),
        ("b", ""),
    ]
    assert pod.is_crash_looping


@pytest.mark.parametrize(
    ("kind", "doc", "path", "message"),
    [
        ("PriorityClass", {"metadata": {"name": "x"}}, "value", "required"),
        (
            "Deployment",
            {"metadata": {"name": "d"}, "spec": {"replicas": -1}},
            "spec.replicas",
            "must be greater than or equal to 0, got -1",
        ),
        (
            "Deployment",
            {"metadata": {"name": "d"}, "spec": {"template": {"metadata": {}}}},
            "spec.template.spec",
            "required",
        ),
        ("Pod", {"metadata": {"name": "p"}}, "spec", "required"),
        ("Pod", {"kind": "Pod"}, "metadata", "required"),
        (
            "Node",
            {"metadata": {"name": "n", "ownerReferences": [{"kind": "X"}]}},
            "metadata.ownerReferences[0].name",
            "required",
        ),
        (
            "PodDisruptionBudget",
            {"metadata": {"name": "b"}, "spec": {"unhealthyPodEvictionPolicy": "Never"}},
            "spec.unhealthyPodEvictionPolicy",
            'unsupported value "Never"',
        ),
        (
            "PodDisruptionBudget",
            {"metadata": {"name": "b"}, "spec": {"minAvailable": -3}},
            "spec.minAvailable",
            "must be greater than or equal to 0, got -3",
        ),
        (
            "PodDisruptionBudget",
            {"metadata": {"name": "b"}, "spec": {"maxUnavailable": "150%"}},
            "spec.maxUnavailable",
            'must not be greater than 100%, got "150%"',
        ),
        (
            "PodDisruptionBudget",
            {"metadata": {"name": "b"}, "spec": {"maxUnavailable": "²%"}},
            "spec.maxUnavailable",
            'invalid value "²%": expected an integer or a percentage',
        ),
        (
            "PodDisruptionBudget",
            {"metadata": {"name": "b"}, "spec": {"minAvailable": "٣٠%"}},
            "spec.minAvailable",
            'invalid value "٣٠%": expected an integer or a percentage',
        ),
    ],
)
def test_invalid_objects(kind: str, doc: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(FieldError) as info:
        decode_object(kind, Fields(doc))
    assert (info.value.path, info.value.message) == (path, message)
