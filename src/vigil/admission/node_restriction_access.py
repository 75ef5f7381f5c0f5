"""NodeRestriction on what a kubelet touches besides nodes and pods: the status of persistent
volume claims (``admitPVCStatus``), service account tokens (``admitServiceAccount``) and its
CSINode (``admitCSINode``), as ``plugin/pkg/admission/noderestriction/admission.go`` rules.

A kubelet may only resize a claim's status (``status.capacity``, ``status.conditions`` and the
allocated resources of volume expansion recovery); anything else it changed would let it rebind
or relabel storage. A token it asks for must be bound to a pod on that node, so a compromised
node cannot mint tokens of arbitrary service accounts. Where upstream prints a ``cmp.Diff`` of
the claim, vigil names the changed fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vigil.admission.context import AdmissionContext
from vigil.admission.node_restriction_pods import existing_pod
from vigil.admission.request import ALLOW, AdmissionRequest, Decision, forbidden, metadata_of

PLUGIN = "NodeRestriction"
IGNORED_CLAIM_FIELDS = (
    ("metadata", "resourceVersion"),
    ("metadata", "managedFields"),
    ("status", "capacity"),
    ("status", "conditions"),
    ("status", "allocatedResourceStatuses"),
    ("status", "allocatedResources"),
)
"""What a kubelet may change in a claim (or that is not compared)."""


def _semantic(value: Any) -> Any:
    """The value with absent, null and empty fields dropped (``Semantic.DeepEqual`` takes a nil
    and an empty map or list as equal)."""
    if isinstance(value, Mapping):
        kept = {k: _semantic(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def _comparable(claim: dict[str, Any] | None) -> dict[str, Any]:
    out = {k: dict(v) if isinstance(v, Mapping) else v for k, v in (claim or {}).items()}
    for top, field in IGNORED_CLAIM_FIELDS:
        part = out.get(top)
        if isinstance(part, dict):
            part.pop(field, None)
    result = _semantic(out)
    return result if isinstance(result, dict) else {}


def changed_fields(new: dict[str, Any] | None, old: dict[str, Any] | None) -> list[str]:
    """The ``top.field`` paths in which two claims differ, outside what a kubelet may change."""
    a, b = _comparable(new), _comparable(old)
    paths: set[str] = set()
    for top in set(a) | set(b):
        x, y = a.get(top), b.get(top)
        if x == y:
            continue
        if isinstance(x, dict) and isinstance(y, dict):
            paths.update(f"{top}.{k}" for k in set(x) | set(y) if x.get(k) != y.get(k))
        else:
            paths.add(top)
    return sorted(paths)


def admit_claim(request: AdmissionRequest, node: str) -> Decision:
    """``admitPVCStatus``: only status updates, changing only the resize fields."""
    if request.sub_resource != "status":
        return forbidden(request, "may only update PVC status", PLUGIN)
    if request.operation != "UPDATE":
        return forbidden(request, f'unexpected operation "{request.operation}"', PLUGIN)
    changed = changed_fields(request.object, request.old_object)
    if changed:
        return forbidden(
            request,
            f'node "{node}" is not allowed to update fields other than status.capacity and '
            f"status.conditions: {', '.join(changed)}",
            PLUGIN,
        )
    return ALLOW


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def admit_token(request: AdmissionRequest, node: str, ctx: AdmissionContext) -> Decision:
    """``admitServiceAccount``: a TokenRequest of a kubelet is bound to a pod on that node (a
    pod absent from the ``--cluster`` files is judged on the binding alone)."""
    if request.operation != "CREATE" or request.sub_resource != "token":
        return ALLOW
    spec = (request.object or {}).get("spec")
    ref = spec.get("boundObjectRef") if isinstance(spec, Mapping) else None
    if (
        not isinstance(ref, Mapping)
        or _text(ref, "apiVersion") != "v1"
        or _text(ref, "kind") != "Pod"
        or not _text(ref, "name")
    ):
        return forbidden(request, "node requested token not bound to a pod", PLUGIN)
    uid = _text(ref, "uid")
    if not uid:
        return forbidden(request, "node requested token with a pod binding without a uid", PLUGIN)
    pod = existing_pod(request, ctx, _text(ref, "name"))
    if pod is None:
        return ALLOW
    if uid != pod.meta.uid:
        return forbidden(
            request,
            f"the UID in the bound object reference ({uid}) does not match the UID in record. "
            "The object might have been deleted and then recreated",
            PLUGIN,
        )
    if pod.spec.node_name != node:
        return forbidden(
            request, "node requested token bound to a pod scheduled on a different node", PLUGIN
        )
    return ALLOW


def admit_csinode(request: AdmissionRequest, node: str) -> Decision:
    """``admitCSINode``: the CSINode named after the node only (on CREATE, the object's name)."""
    name = (
        metadata_of(request.object).get("name") if request.operation == "CREATE" else request.name
    )
    if name != node:
        return forbidden(
            request, "can only access CSINode with the same name as the requesting node", PLUGIN
        )
    return ALLOW
