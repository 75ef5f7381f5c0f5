"""NodeRestriction on pods: what a kubelet may do to pods (``admitPod``, ``admitPodStatus``,
``admitPodEviction`` in ``plugin/pkg/admission/noderestriction/admission.go``).

A kubelet creates only mirror pods of its static pods: bound to itself, owned by its Node
object, and referencing no other API object (`vigil.admission.pod_references`), since a pod
would give the node read access to what it names. It deletes, updates the status of, and evicts
only pods bound to itself, and may not relabel pods through their status. A pod the request
names but the ``--cluster`` files do not hold is judged on what the request carries.
"""

from __future__ import annotations

from typing import Any

from vigil.admission.context import AdmissionContext
from vigil.admission.pod_references import (
    config_map_names,
    references_claims,
    references_cluster_trust_bundles,
    secret_names,
    service_account_name,
)
from vigil.admission.request import (
    ALLOW,
    AdmissionRequest,
    Decision,
    forbidden,
    metadata_of,
    spec_of,
)

PLUGIN = "NodeRestriction"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def _labels(obj: dict[str, Any] | None) -> dict[str, str]:
    labels = metadata_of(obj).get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _owner_problem(owners: list[Any], node: str, ctx: AdmissionContext) -> str:
    if len(owners) > 1:
        return f'node "{node}" can only create pods with a single owner reference set to itself'
    owner = owners[0] if owners and isinstance(owners[0], dict) else None
    if owner is None or (
        owner.get("apiVersion") != "v1" or owner.get("kind") != "Node" or owner.get("name") != node
    ):
        return f'node "{node}" can only create pods with an owner reference set to itself'
    if owner.get("controller") is not True:
        return f'node "{node}" can only create pods with a controller owner reference set to itself'
    if owner.get("blockOwnerDeletion") is True:
        return f'node "{node}" must not set blockOwnerDeletion on an owner reference'
    known = next((e for e in ctx.cluster.nodes if e.obj.name == node), None)
    if known is not None and known.obj.metadata.uid and owner.get("uid") != known.obj.metadata.uid:
        return f"node {node} UID mismatch: expected {owner.get('uid')} got {known.obj.metadata.uid}"
    return ""


def _reference_problem(spec: dict[str, Any], node: str) -> str:
    if service_account_name(spec):
        return f'node "{node}" can not create pods that reference a service account'
    if secret_names(spec):
        return f'node "{node}" can not create pods that reference secrets'
    if config_map_names(spec):
        return f'node "{node}" can not create pods that reference configmaps'
    if references_cluster_trust_bundles(spec):
        return f'node "{node}" can not create pods that reference clustertrustbundles'
    if references_claims(spec):
        return f'node "{node}" can not create pods that reference persistentvolumeclaims'
    return ""


def _pod_create(request: AdmissionRequest, node: str, ctx: AdmissionContext) -> Decision:
    meta, spec = metadata_of(request.object), spec_of(request.object)
    raw = meta.get("annotations")
    annotations: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if MIRROR_ANNOTATION not in annotations:
        return forbidden(
            request,
            f'pod does not have "{MIRROR_ANNOTATION}" annotation, node "{node}" can only create '
            "mirror pods",
            PLUGIN,
        )
    if spec.get("nodeName") != node:
        return forbidden(
            request, f'node "{node}" can only create pods with spec.nodeName set to itself', PLUGIN
        )
    owners = meta.get("ownerReferences")
    problem = _owner_problem(owners if isinstance(owners, list) else [], node, ctx)
    problem = problem or _reference_problem(spec, node)
    return forbidden(request, problem, PLUGIN) if problem else ALLOW


def existing_pod(request: AdmissionRequest, ctx: AdmissionContext, name: str) -> Any:
    """The pod ``name`` of the request's namespace in the ``--cluster`` files, or None."""
    return next(
        (p for p in ctx.cluster.pods if p.namespace == request.namespace and p.ref.name == name),
        None,
    )


def _existing_pod_node(request: AdmissionRequest, ctx: AdmissionContext, name: str) -> str | None:
    if request.old_object is not None:
        value = spec_of(request.old_object).get("nodeName")
        return value if isinstance(value, str) else ""
    found = existing_pod(request, ctx, name)
    return None if found is None else str(found.spec.node_name)


def _eviction(request: AdmissionRequest, node: str, ctx: AdmissionContext) -> Decision:
    if request.operation != "CREATE":
        return forbidden(request, f"unexpected operation {request.operation}", PLUGIN)
    name = request.name or metadata_of(request.object).get("name")
    if not isinstance(name, str) or not name:
        return forbidden(request, "could not determine pod from request data", PLUGIN)
    found = existing_pod(request, ctx, name)
    if found is not None and found.spec.node_name != node:
        return forbidden(
            request, f"node {node} can only evict pods with spec.nodeName set to itself", PLUGIN
        )
    return ALLOW


def _status(request: AdmissionRequest, node: str) -> Decision:
    if request.operation != "UPDATE":
        return forbidden(request, f'unexpected operation "{request.operation}"', PLUGIN)
    if spec_of(request.old_object).get("nodeName") != node:
        return forbidden(
            request,
            f'node "{node}" can only update pod status for pods with spec.nodeName set to itself',
            PLUGIN,
        )
    if _labels(request.object) != _labels(request.old_object):
        return forbidden(request, f'node "{node}" cannot update labels through pod status', PLUGIN)
    return ALLOW


def admit_pod(request: AdmissionRequest, node: str, ctx: AdmissionContext) -> Decision:
    """The plugin's verdict on a kubelet's request on ``pods`` or one of its subresources."""
    sub = request.sub_resource
    if sub == "status":
        return _status(request, node)
    if sub == "eviction":
        return _eviction(request, node, ctx)
    if sub:
        return forbidden(
            request,
            f"unexpected pod subresource \"{sub}\", only 'status' and 'eviction' are allowed",
            PLUGIN,
        )
    if request.operation == "CREATE":
        return _pod_create(request, node, ctx)
    if request.operation == "DELETE":
        bound = _existing_pod_node(request, ctx, request.name)
        if bound is not None and bound != node:
            return forbidden(
                request,
                f'node "{node}" can only delete pods with spec.nodeName set to itself',
                PLUGIN,
            )
        return ALLOW
    return forbidden(
        request,
        f'unexpected operation "{request.operation}", node "{node}" can only create and delete '
        "mirror pods",
        PLUGIN,
    )
