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


def _with(obj: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    target = obj
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    return obj


APP = ("spec", "containers")


@pytest.mark.parametrize(
    ("path", "value", "refused"),
    [
        pytest.param(("spec", "imagePullSecrets"), [{"name": "regcred"}], "secrets", id="pull"),
        pytest.param(
            APP,
            [{"name": "a", "image": "x", "envFrom": [{"secretRef": {"name": "db"}}]}],
            "secrets",
            id="envFrom secret",
        ),
        pytest.param(
            ("spec", "initContainers"),
            [
                {
                    "name": "i",
                    "image": "x",
                    "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db"}}}],
                }
            ],
            "secrets",
            id="init env secret",
        ),
        pytest.param(
            ("spec", "volumes"),
            [{"name": "v", "csi": {"driver": "d", "nodePublishSecretRef": {"name": "k"}}}],
            "secrets",
            id="csi nodePublishSecretRef",
        ),
        pytest.param(
            ("spec", "volumes"),
            [{"name": "v", "azureFile": {"secretName": "az", "shareName": "s"}}],
            "secrets",
            id="azureFile",
        ),
        pytest.param(
            ("spec", "volumes"),
            [{"name": "v", "rbd": {"monitors": ["m"], "image": "i", "secretRef": {"name": "c"}}}],
            "secrets",
            id="rbd secretRef",
        ),
        pytest.param(
            ("spec", "volumes"),
            [{"name": "v", "configMap": {"name": "settings"}}],
            "configmaps",
            id="configMap volume",
        ),
        pytest.param(
            ("spec", "volumes"),
            [{"name": "v", "projected": {"sources": [{"configMap": {"name": "settings"}}]}}],
            "configmaps",
            id="projected configMap",
        ),
        pytest.param(
            APP,
            [{"name": "a", "image": "x", "envFrom": [{"configMapRef": {"name": "settings"}}]}],
            "configmaps",
            id="envFrom configMap",
        ),
        pytest.param(
            ("spec", "ephemeralContainers"),
            [
                {
                    "name": "e",
                    "image": "x",
                    "env": [{"name": "P", "valueFrom": {"configMapKeyRef": {"name": "s"}}}],
                }
            ],
            "configmaps",
            id="ephemeral env configMap",
        ),
        pytest.param(
            ("spec", "volumes"),
            [
                {
                    "name": "v",
                    "projected": {
                        "sources": [{"clusterTrustBundle": {"name": "b", "path": "ca.pem"}}]
                    },
                }
            ],
            "clustertrustbundles",
            id="clusterTrustBundle",
        ),
        pytest.param(
            ("spec", "serviceAccount"), "admin", "a service account", id="deprecated serviceAccount"
        ),
        pytest.param(
            ("spec", "imagePullSecrets"), [{"name": ""}], None, id="empty names are skipped"
        ),
    ],
)
def test_mirror_pods_reference_no_other_objects(
    path: tuple[str, ...], value: Any, refused: str | None
) -> None:
    """``admitPodCreate`` with ``podutil.VisitPodSecretNames`` / ``VisitPodConfigmapNames``
    over every container list (plugin/pkg/admission/noderestriction/admission.go,
    pkg/api/pod/util.go); ``spec.serviceAccount`` is the v1 alias of serviceAccountName."""
    allowed, message = _admit("Pod", _with(_mirror(), path, value), namespace="kube-system")
    if refused is None:
        assert (allowed, message) == (True, "")
    else:
        assert (allowed, message) == (
            False,
            f'pods "static-web" is forbidden: node "node-a" can not create pods that reference '
            f"{refused}",
        )


def test_connect_is_not_handled_by_node_restriction() -> None:
    """``NewHandler(admission.Create, admission.Update, admission.Delete)``: a kubelet's CONNECT
    (exec, attach, port-forward) is not this plugin's business (admission.go, NewPlugin)."""
    assert _admit(
        "Pod", None, operation="CONNECT", sub_resource="exec", name="web", namespace="shop"
    ) == (True, "")


EVICTION = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web"}}


def test_eviction_only_on_create_and_of_own_pods() -> None:
    """``admitPodEviction``: CREATE only; the pod named in the request, else in the Eviction."""
    ctx = context(CLASS_FREE_PODS)
    decision, _ = admit(
        request("Eviction", EVICTION, sub_resource="eviction", namespace="shop", **KUBELET),
        ctx,
    )
    assert decision.message == (
        'pods "web" is forbidden: node node-a can only evict pods with spec.nodeName set to itself'
    )
    decision, _ = admit(
        request(
            "Eviction",
            EVICTION,
            operation="UPDATE",
            old=EVICTION,
            sub_resource="eviction",
            namespace="shop",
            name="web",
            **KUBELET,
        ),
        ctx,
    )
    assert decision.message == 'pods "web" is forbidden: unexpected operation UPDATE'
    nameless = {**EVICTION, "metadata": {}}
    decision, _ = admit(
        request("Eviction", nameless, sub_resource="eviction", namespace="shop", **KUBELET), ctx
    )
    assert decision.message == (
        'pods "Unknown" is forbidden: could not determine pod from request data'
    )


CLASS_FREE_PODS = """
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  nodeName: node-b
  containers: [{name: app, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: mine, namespace: shop, uid: p-1}
spec:
  nodeName: node-a
  containers: [{name: app, image: nginx}]
"""


def test_taints_compared_as_the_api_server_decodes_them() -> None:
    """``apiequality.Semantic.DeepEqual`` on decoded taints: an absent value is the empty value,
    so a kubelet's status update that writes the taint out in full changes nothing."""
    old = node("node-a", taints=[{"key": "dedicated", "effect": "NoSchedule"}])
    new = node("node-a", taints=[{"key": "dedicated", "value": "", "effect": "NoSchedule"}])
    assert _admit("Node", new, operation="UPDATE", old=old, name="node-a") == (True, "")
