"""The NodeRestriction admission plugin: what a kubelet (``system:node:<name>`` in the
``system:nodes`` group) may do, with upstream messages.

Emulated: its own Node only (no other node, no taint changes on update, no configSource, labels
only outside ``node-restriction.kubernetes.io/`` and outside unlisted kubernetes.io / k8s.io
labels), its own node lease and CSINode; pods (`vigil.admission.node_restriction_pods`) and
claims' status and tokens (`vigil.admission.node_restriction_access`). So an operator can see
exactly what a compromised node could change. As upstream's handler, the plugin judges CREATE,
UPDATE and DELETE; a CONNECT (exec, attach, port-forward) is not its business.
"""

from __future__ import annotations

from typing import Any

from vigil.admission.context import AdmissionContext
from vigil.admission.node_restriction_access import admit_claim, admit_csinode, admit_token
from vigil.admission.node_restriction_pods import admit_pod
from vigil.admission.request import (
    ALLOW,
    AdmissionRequest,
    Decision,
    forbidden,
    metadata_of,
    spec_of,
)
from vigil.posture.labels import is_kubelet_label, is_kubernetes_label, is_node_restriction_label

PLUGIN = "NodeRestriction"
NODE_PREFIX = "system:node:"
NODES_GROUP = "system:nodes"
HANDLED = ("CREATE", "UPDATE", "DELETE")
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


def _taints(spec: dict[str, Any]) -> list[Any]:
    """``spec.taints`` as decoded: an absent key, value, effect or timeAdded is empty."""
    taints = spec.get("taints")
    return [
        tuple(t.get(k) or "" for k in ("key", "value", "effect", "timeAdded"))
        if isinstance(t, dict)
        else t
        for t in (taints if isinstance(taints, list) else [])
    ]


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
        if _taints(new_spec) != _taints(old_spec):
            return forbidden(request, f'node "{node}" is not allowed to modify taints', PLUGIN)
        bad = forbidden_labels(_modified(_labels(request.object), _labels(request.old_object)))
        if bad:
            return forbidden(request, f"is not allowed to modify labels: {', '.join(bad)}", PLUGIN)
    return ALLOW


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
    if request.operation not in HANDLED:
        return ALLOW, f"NodeRestriction: {request.operation} is not judged by this plugin"
    node, is_node = node_identity(request)
    if not is_node:
        return ALLOW, "NodeRestriction: not a node's request"
    if not node:
        return forbidden(
            request, f'could not determine node from user "{request.user_info.username}"', PLUGIN
        ), ""
    trace = f"NodeRestriction: node {node} on {request.group_resource()}"
    match (request.resource.group, request.resource.resource):
        case ("", "nodes"):
            return _admit_node(request, node), trace
        case ("", "pods"):
            return admit_pod(request, node, ctx), trace
        case ("", "persistentvolumeclaims"):
            return admit_claim(request, node), trace
        case ("", "serviceaccounts"):
            return admit_token(request, node, ctx), trace
        case ("coordination.k8s.io", "leases"):
            return _admit_lease(request, node), trace
        case ("storage.k8s.io", "csinodes"):
            return admit_csinode(request, node), trace
    return ALLOW, f"NodeRestriction: {request.group_resource()} not restricted here"
