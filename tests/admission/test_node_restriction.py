"""NodeRestriction: what a compromised kubelet can and cannot change."""

from __future__ import annotations

from typing import Any

import pytest

from tests.admission.builders import context, node, pod, request
from vigil.admission.node_restriction import admit, forbidden_labels, node_identity

KUBELET = {"user": "system:node:node-a", "groups": ("system:nodes", "system:authenticated")}
ISOLATION = "node-restriction.kubernetes.io/isolation"


def _admit(kind: str, obj: dict[str, Any] | None, **kw: Any) -> tuple[bool, str]:
    decision, _ = admit(request(kind, obj, **{**KUBELET, **kw}), context())
    return decision.allowed, decision.message


def test_identity() -> None:
    assert node_identity(request("Node", node("a"), **KUBELET)) == ("node-a", True)
    assert node_identity(request("Node", node("a"), user="system:node:x")) == ("", False)
    assert node_identity(request("Node", node("a"), user="alice", groups=("system:nodes",))) == (
        "",
        False,
    )
    decision, _ = admit(
        request("Node", node("a"), user="system:node:", groups=("system:nodes",)), context()
    )
    assert (
        decision.message
        == 'nodes "a" is forbidden: could not determine node from user "system:node:"'
    )


@pytest.mark.parametrize(
    ("obj", "kw", "allowed", "message"),
    [
        (node("node-a", {"kubernetes.io/hostname": "node-a", "pool": "x"}), {}, True, ""),
        (
            node("node-b"),
            {"name": "node-b"},
            False,
            'nodes "node-b" is forbidden: node "node-a" is not allowed to modify node "node-b"',
        ),
        (
            node("node-a", {ISOLATION: "critical", "node-role.kubernetes.io/worker": ""}),
            {},
            False,
            'nodes "node-a" is forbidden: node "node-a" is not allowed to set the following labels: '
            "node-restriction.kubernetes.io/isolation, node-role.kubernetes.io/worker",
        ),
        (
            node("node-a", configSource={"configMap": {}}),
            {},
            False,
            'nodes "node-a" is forbidden: node "node-a" is not allowed to create pods with a non-nil configSource',
        ),
    ],
)
def test_node_create(obj: dict[str, Any], kw: dict[str, Any], allowed: bool, message: str) -> None:
    assert _admit("Node", obj, **kw) == (allowed, message)


@pytest.mark.parametrize(
    ("new", "old", "allowed", "message"),
    [
        (node("node-a", {"pool": "critical"}), node("node-a"), True, ""),
        (
            node("node-a", {ISOLATION: "critical"}),
            node("node-a"),
            False,
            f'nodes "node-a" is forbidden: is not allowed to modify labels: {ISOLATION}',
        ),
        (
            node("node-a"),
            node("node-a", {ISOLATION: "general"}),
            False,
            f'nodes "node-a" is forbidden: is not allowed to modify labels: {ISOLATION}',
        ),
        (node("node-a", {ISOLATION: "x"}), node("node-a", {ISOLATION: "x"}), True, ""),
        (
            node("node-a", taints=[]),
            node("node-a", taints=[{"key": "dedicated", "effect": "NoSchedule"}]),
            False,
            'nodes "node-a" is forbidden: node "node-a" is not allowed to modify taints',
        ),
    ],
)
def test_node_update(new: dict[str, Any], old: dict[str, Any], allowed: bool, message: str) -> None:
    assert _admit("Node", new, operation="UPDATE", old=old, name="node-a") == (allowed, message)


def _mirror(**meta: Any) -> dict[str, Any]:
    obj = pod("static-web", "kube-system", nodeName="node-a")
    obj["metadata"] |= {
        "annotations": {"kubernetes.io/config.mirror": "hash"},
        "ownerReferences": [
            {"apiVersion": "v1", "kind": "Node", "name": "node-a", "uid": "n1", "controller": True}
        ],
        **meta,
    }
    return obj


@pytest.mark.parametrize(
    ("obj", "allowed", "message"),
    [
        (_mirror(), True, ""),
        (
            pod("x", "kube-system", nodeName="node-a"),
            False,
            'pods "x" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-a" can only create mirror pods',
        ),
        (
            _mirror(ownerReferences=[]),
            False,
            'pods "static-web" is forbidden: node "node-a" can only create pods with an owner reference set to itself',
        ),
    ],
)
def test_mirror_pods(obj: dict[str, Any], allowed: bool, message: str) -> None:
    assert _admit("Pod", obj, namespace="kube-system") == (allowed, message)


def test_mirror_pod_may_not_reference_secrets_or_other_nodes() -> None:
    secret = _mirror()
    secret["spec"]["volumes"] = [{"name": "s", "secret": {"secretName": "db"}}]
    assert _admit("Pod", secret, namespace="kube-system")[1].endswith(
        'node "node-a" can not create pods that reference secrets'
    )
    elsewhere = _mirror()
    elsewhere["spec"]["nodeName"] = "node-b"
    assert _admit("Pod", elsewhere, namespace="kube-system")[1].endswith(
        'node "node-a" can only create pods with spec.nodeName set to itself'
    )


def test_pod_status_delete_and_eviction_of_other_nodes_pods() -> None:
    other = pod("web", "shop", nodeName="node-b")
    assert _admit(
        "Pod", other, operation="UPDATE", old=other, sub_resource="status", namespace="shop"
    ) == (
        False,
        'pods "web" is forbidden: node "node-a" can only update pod status for pods with spec.nodeName set to itself',
    )
    assert _admit("Pod", None, operation="DELETE", old=other, name="web", namespace="shop") == (
        False,
        'pods "web" is forbidden: node "node-a" can only delete pods with spec.nodeName set to itself',
    )
    mine = pod("web", "shop", nodeName="node-a")
    assert _admit("Pod", None, operation="DELETE", old=mine, name="web", namespace="shop") == (
        True,
        "",
    )
    relabelled = pod("web", "shop", nodeName="node-a")
    relabelled["metadata"]["labels"] = {"vigil.dev/tier": "critical"}
    assert _admit(
        "Pod", relabelled, operation="UPDATE", old=mine, sub_resource="status", namespace="shop"
    )[1].endswith('node "node-a" cannot update labels through pod status')


def test_leases() -> None:
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "node-b"},
    }
    assert _admit("Lease", lease, namespace="kube-node-lease")[1].endswith(
        "can only access node lease with the same name as the requesting node"
    )
    lease["metadata"]["name"] = "node-a"
    assert _admit("Lease", lease, namespace="kube-node-lease") == (True, "")
    assert _admit("Lease", lease, namespace="default")[1].endswith(
        'can only access leases in the "kube-node-lease" system namespace'
    )


def test_forbidden_labels_sorted() -> None:
    assert forbidden_labels(
        {"z.k8s.io/a", "example.com/b", "kubernetes.io/hostname", ISOLATION}
    ) == [
        ISOLATION,
        "z.k8s.io/a",
    ]


def test_other_users_pass_untouched() -> None:
    decision, trace = admit(request("Node", node("node-b", {ISOLATION: "x"})), context())
    assert decision.allowed
    assert trace == "NodeRestriction: not a node's request"
