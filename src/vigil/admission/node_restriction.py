"""The NodeRestriction admission plugin: what a kubelet (``system:node:<name>`` in the
``system:nodes`` group) may do, with upstream messages.

Emulated: its own Node only (no other node, no taint changes on update, no configSource, labels
only outside ``node-restriction.kubernetes.io/`` and outside unlisted kubernetes.io / k8s.io
labels), mirror pods bound to itself only, status updates and evictions of its own pods, and
its own node lease. So an operator can see exactly what a compromised node could change.
"""

from __future__ import annotations

from typing import Any

from vigil.admission.context import AdmissionContext
from vigil.admission.request import (
    ALLOW,
    AdmissionRequest,
    Decision,
    forbidden,
    metadata_of,
    spec_of,
)
from vigil.cluster.decode_security import decode_pod_security
from vigil.cluster.errors import FieldError
from vigil.cluster.reader import Fields
from vigil.posture.labels import is_kubelet_label, is_kubernetes_label, is_node_restriction_label

PLUGIN = "NodeRestriction"
NODE_PREFIX = "system:node:"
NODES_GROUP = "system:nodes"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
NODE_LEASE_NAMESPACE = "kube-node-lease"


def node_identity(request: AdmissionRequest) -> tuple[str, bool]:
    """``NodeIdentity``: the node name and whether the user is a node at all."""
    user = request.user_info
    if not user.username.startswith(NODE_PREFIX) or NODES_GROUP not in user.groups:
        return "", False
    return user.username.removeprefix(NODE_PREFIX), True


def _labels(obj: dict[str, Any] | None) -> dict[str, str]:
    labels = metadata_of(obj).get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def forbidden_labels(modified: set[str]) -> list[str]:
    """``getForbiddenLabels``, sorted."""
    return sorted(
        key
        for key in modified
        if is_node_restriction_label(key)
        or (is_kubernetes_label(key) and not is_kubelet_label(key))
    )


def _modified(new: dict[str, str], old: dict[str, str]) -> set[str]:
    keys = set(new) | set(old)
    return {k for k in keys if new.get(k) != old.get(k) or (k in new) != (k in old)}


def _admit_node(request: AdmissionRequest, node: str) -> Decision:
    requested = request.name or metadata_of(request.object).get("name") or ""
    if requested != node:
        return forbidden(
            request, f'node "{node}" is not allowed to modify node "{requested}"', PLUGIN
        )
    if request.operation == "CREATE":
        if spec_of(request.object).get("configSource") is not None:
            return forbidden(
                request,
                f'node "{node}" is not allowed to create pods with a non-nil configSource',
                PLUGIN,
            )
        bad = forbidden_labels(set(_labels(request.object)))
        if bad:
            return forbidden(
                request,
                f'node "{node}" is not allowed to set the following labels: {", ".join(bad)}',
                PLUGIN,
            )
    if request.operation == "UPDATE":
        new_spec, old_spec = spec_of(request.object), spec_of(request.old_object)
        source = new_spec.get("configSource")
        if source is not None and source != old_spec.get("configSource"):
            return forbidden(
                request,
                f'node "{node}" is not allowed to update configSource to a new non-nil configSource',
                PLUGIN,
            )
        if (new_spec.get("taints") or []) != (old_spec.get("taints") or []):
            return forbidden(request, f'node "{node}" is not allowed to modify taints', PLUGIN)
        bad = forbidden_labels(_modified(_labels(request.object), _labels(request.old_object)))
        if bad:
            return forbidden(request, f"is not allowed to modify labels: {', '.join(bad)}", PLUGIN)
    return ALLOW


def _pod_create(request: AdmissionRequest, node: str, ctx: AdmissionContext) -> Decision:
    obj = request.object or {}
    meta, spec = metadata_of(obj), spec_of(obj)
    raw = meta.get("annotations")
    annotations: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if MIRROR_ANNOTATION not in annotations:
        return forbidden(
            request,
            f'pod does not have "{MIRROR_ANNOTATION}" annotation, node "{node}" can only create mirror pods',
            PLUGIN,
        )
    if spec.get("nodeName") != node:
        return forbidden(
            request, f'node "{node}" can only create pods with spec.nodeName set to itself', PLUGIN
        )
    owners = meta.get("ownerReferences") or []
    if len(owners) > 1:
        return forbidden(
            request,
            f'node "{node}" can only create pods with a single owner reference set to itself',
            PLUGIN,
        )
    if not owners:
        return forbidden(
            request,
            f'node "{node}" can only create pods with an owner reference set to itself',
            PLUGIN,
        )
    owner = owners[0] if isinstance(owners[0], dict) else {}
    if owner.get("apiVersion") != "v1" or owner.get("kind") != "Node" or owner.get("name") != node:
        return forbidden(
            request,
            f'node "{node}" can only create pods with an owner reference set to itself',
            PLUGIN,
        )
    if owner.get("controller") is not True:
        return forbidden(
            request,
            f'node "{node}" can only create pods with a controller owner reference set to itself',
            PLUGIN,
        )
    if owner.get("blockOwnerDeletion") is True:
        return forbidden(
            request, f'node "{node}" must not set blockOwnerDeletion on an owner reference', PLUGIN
        )
    known = next((e for e in ctx.cluster.nodes if e.obj.name == node), None)
    if known is not None and known.obj.metadata.uid and owner.get("uid") != known.obj.metadata.uid:
        return forbidden(
            request,
            f"node {node} UID mismatch: expected {owner.get('uid')} got {known.obj.metadata.uid}",
            PLUGIN,
        )
    if spec.get("serviceAccountName"):
        return forbidden(
            request, f'node "{node}" can not create pods that reference a service account', PLUGIN
        )
    try:
        secrets = decode_pod_security(Fields(spec, "spec")).secret_names
    except FieldError as exc:
        return Decision(False, 400, f"{exc.path}: {exc.message}", "BadRequest", PLUGIN)
    if secrets:
        return forbidden(
            request, f'node "{node}" can not create pods that reference secrets', PLUGIN
        )
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict) and volume.get("persistentVolumeClaim") is not None:
            return forbidden(
                request,
                f'node "{node}" can not create pods that reference persistentvolumeclaims',
                PLUGIN,
            )
    return ALLOW


def _existing_pod_node(request: AdmissionRequest, ctx: AdmissionContext) -> str | None:
    if request.old_object is not None:
        value = spec_of(request.old_object).get("nodeName")
        return value if isinstance(value, str) else ""
    for pod in ctx.cluster.pods:
        if pod.namespace == request.namespace and pod.ref.name == request.name:
            return pod.spec.node_name
    return None


def _admit_pod(request: AdmissionRequest, node: str, ctx: AdmissionContext) -> Decision:
    sub = request.sub_resource
    if sub == "":
        if request.operation == "CREATE":
            return _pod_create(request, node, ctx)
        if request.operation == "DELETE":
            bound = _existing_pod_node(request, ctx)
            if bound is not None and bound != node:
                return forbidden(
                    request,
                    f'node "{node}" can only delete pods with spec.nodeName set to itself',
                    PLUGIN,
                )
            return ALLOW
        return forbidden(
            request,
            f'unexpected operation "{request.operation}", node "{node}" can only create and delete mirror pods',
            PLUGIN,
        )
    if sub == "status":
        if request.operation != "UPDATE":
            return forbidden(request, f'unexpected operation "{request.operation}"', PLUGIN)
        if spec_of(request.old_object).get("nodeName") != node:
            return forbidden(
                request,
                f'node "{node}" can only update pod status for pods with spec.nodeName set to itself',
                PLUGIN,
            )
        if _labels(request.object) != _labels(request.old_object):
            return forbidden(
                request, f'node "{node}" cannot update labels through pod status', PLUGIN
            )
        return ALLOW
    if sub == "eviction":
        bound = _existing_pod_node(request, ctx)
        if bound is not None and bound != node:
            return forbidden(
                request, f"node {node} can only evict pods with spec.nodeName set to itself", PLUGIN
            )
        return ALLOW
    return forbidden(
        request,
        f"unexpected pod subresource \"{sub}\", only 'status' and 'eviction' are allowed",
        PLUGIN,
    )


def _admit_lease(request: AdmissionRequest, node: str) -> Decision:
    if request.namespace != NODE_LEASE_NAMESPACE:
        return forbidden(
            request,
            f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace',
            PLUGIN,
        )
    name = (
        metadata_of(request.object).get("name") if request.operation == "CREATE" else request.name
    )
    if name != node:
        return forbidden(
            request, "can only access node lease with the same name as the requesting node", PLUGIN
        )
    return ALLOW


def admit(request: AdmissionRequest, ctx: AdmissionContext) -> tuple[Decision, str]:
    """The plugin's verdict and a line for the trace."""
    node, is_node = node_identity(request)
    if not is_node:
        return ALLOW, "NodeRestriction: not a node's request"
    if not node:
        return forbidden(
            request, f'could not determine node from user "{request.user_info.username}"', PLUGIN
        ), ""
    resource = request.resource
    if resource.group == "" and resource.resource == "nodes":
        return _admit_node(request, node), f"NodeRestriction: node {node} on its Node object"
    if resource.group == "" and resource.resource == "pods":
        return _admit_pod(request, node, ctx), f"NodeRestriction: node {node} on a pod"
    if resource.group == "coordination.k8s.io" and resource.resource == "leases":
        return _admit_lease(request, node), f"NodeRestriction: node {node} on a lease"
    return ALLOW, f"NodeRestriction: {request.group_resource()} not restricted here"
