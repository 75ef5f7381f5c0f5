"""NodeRestriction on claims' status, service account tokens and CSINodes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.admission.builders import context, request
from tests.admission.test_node_restriction import CLASS_FREE_PODS, KUBELET, _admit
from vigil.admission.node_restriction import admit
from vigil.admission.node_restriction_access import changed_fields


def _claim(**status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "shop", "resourceVersion": "7"},
        "spec": {"resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": "Bound", **status},
    }


@pytest.mark.parametrize(
    ("new", "sub", "operation", "message"),
    [
        pytest.param(_claim(), "", "CREATE", "may only update PVC status", id="create"),
        pytest.param(_claim(capacity={"storage": "2Gi"}), "status", "UPDATE", None, id="capacity"),
        pytest.param(
            _claim(conditions=[{"type": "Resizing", "status": "True"}]),
            "status",
            "UPDATE",
            None,
            id="conditions",
        ),
        pytest.param(
            {**_claim(), "metadata": {"name": "data", "namespace": "shop"}},
            "status",
            "UPDATE",
            None,
            id="resourceVersion left out",
        ),
        pytest.param(
            _claim(phase="Lost"),
            "status",
            "UPDATE",
            'node "node-a" is not allowed to update fields other than status.capacity and '
            "status.conditions: status.phase",
            id="phase",
        ),
        pytest.param(
            {**_claim(), "metadata": {"name": "data", "namespace": "shop", "labels": {"a": "b"}}},
            "status",
            "UPDATE",
            'node "node-a" is not allowed to update fields other than status.capacity and '
            "status.conditions: metadata.labels",
            id="labels",
        ),
        pytest.param(
            _claim(), "status", "DELETE", 'unexpected operation "DELETE"', id="delete status"
        ),
    ],
)
def test_pvc_status_only(
    new: dict[str, Any], sub: str, operation: str, message: str | None
) -> None:
    """``admitPVCStatus``: a kubelet changes a claim's status.capacity and status.conditions
    (and the allocated resources of RecoverVolumeExpansionFailure), nothing else."""
    old = _claim() if operation != "CREATE" else None
    allowed, got = _admit(
        "PersistentVolumeClaim",
        new,
        operation=operation,
        old=old,
        sub_resource=sub,
        namespace="shop",
        name="data",
    )
    if message is None:
        assert (allowed, got) == (True, "")
    else:
        assert (allowed, got) == (
            False,
            f'persistentvolumeclaims "data" is forbidden: {message}',
        )


def _token(**ref: Any) -> dict[str, Any]:
    bound = {"apiVersion": "v1", "kind": "Pod", "name": "mine", "uid": "p-1", **ref}
    return {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "metadata": {"name": "default", "namespace": "shop"},
        "spec": {"audiences": ["api"], "boundObjectRef": bound},
    }


@pytest.mark.parametrize(
    ("token", "message"),
    [
        pytest.param(_token(), None, id="bound to its own pod"),
        pytest.param(
            {**_token(), "spec": {"audiences": ["api"]}},
            "node requested token not bound to a pod",
            id="unbound",
        ),
        pytest.param(
            _token(kind="Secret"), "node requested token not bound to a pod", id="bound to a secret"
        ),
        pytest.param(
            _token(uid=""),
            "node requested token with a pod binding without a uid",
            id="no uid",
        ),
        pytest.param(
            _token(uid="p-2"),
            "the UID in the bound object reference (p-2) does not match the UID in record. "
            "The object might have been deleted and then recreated",
            id="uid mismatch",
        ),
        pytest.param(
            _token(name="web", uid=""),
            "node requested token with a pod binding without a uid",
            id="other node's pod without uid",
        ),
    ],
)
def test_service_account_tokens_bound_to_own_pods(
    token: dict[str, Any], message: str | None
) -> None:
    """``admitServiceAccount``: tokens a kubelet requests are bound to a pod on that node."""
    decision, _ = admit(
        request(
            "TokenRequest",
            token,
            sub_resource="token",
            namespace="shop",
            name="default",
            **KUBELET,
        ),
        context(CLASS_FREE_PODS),
    )
    if message is None:
        assert (decision.allowed, decision.message) == (True, "")
    else:
        assert (decision.allowed, decision.message) == (
            False,
            f'serviceaccounts "default" is forbidden: {message}',
        )


def test_token_for_a_pod_on_another_node() -> None:
    web = """
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, uid: p-9}
spec:
  nodeName: node-b
  containers: [{name: app, image: nginx}]
"""
    decision, _ = admit(
        request(
            "TokenRequest",
            _token(name="web", uid="p-9"),
            sub_resource="token",
            namespace="shop",
            name="default",
            **KUBELET,
        ),
        context(web),
    )
    assert decision.message == (
        'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled '
        "on a different node"
    )


@pytest.mark.parametrize(
    ("operation", "name", "message"),
    [
        ("CREATE", "node-a", None),
        ("CREATE", "node-b", "can only access CSINode with the same name as the requesting node"),
        ("UPDATE", "node-b", "can only access CSINode with the same name as the requesting node"),
        ("DELETE", "node-a", None),
    ],
)
def test_csinodes(operation: str, name: str, message: str | None) -> None:
    """``admitCSINode``: the kubelet's own CSINode only."""
    obj = {"apiVersion": "storage.k8s.io/v1", "kind": "CSINode", "metadata": {"name": name}}
    allowed, got = _admit(
        "CSINode",
        obj if operation != "DELETE" else None,
        operation=operation,
        old=obj if operation == "UPDATE" else None,
        name="" if operation == "CREATE" else name,
    )
    if message is None:
        assert (allowed, got) == (True, "")
    else:
        assert (allowed, got) == (
            False,
            f'csinodes.storage.k8s.io "{name}" is forbidden: {message}',
        )


def test_changed_fields_ignore_empty_and_resize_fields() -> None:
    old = {"metadata": {"name": "d", "labels": {}}, "status": {"phase": "Bound"}}
    new = {"metadata": {"name": "d"}, "status": {"phase": "Bound", "capacity": {"storage": "2Gi"}}}
    assert changed_fields(new, old) == []
    assert changed_fields({**new, "spec": {"volumeName": "pv-2"}}, old) == ["spec"]
