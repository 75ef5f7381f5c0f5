"""vigil's own admission rules: the audit's pod rules, run on the one object being admitted.

Each rule is the audit check of the same id (one code path): a Pod or a workload (its pod
template) is judged with the cluster of ``--cluster`` as context. Checks listed in the policy's
``admission.deny`` refuse the object (403, the check's words); the others answer with a warning,
which kubectl prints and the object is admitted.
"""

from __future__ import annotations

from dataclasses import replace

from vigil.admission.context import AdmissionContext
from vigil.admission.request import AdmissionRequest, Decision
from vigil.audit.context import AuditContext
from vigil.audit.inventory import TEMPLATE_KINDS, PodHolder, pod_holder
from vigil.audit.model import ObjectRef, Violation
from vigil.audit.registry import all_checks
from vigil.cluster.errors import FieldError

STAGE = "vigil"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
NODE_USER_PREFIX = "system:node:"


def holder_of(request: AdmissionRequest) -> PodHolder | None:
    """The pod holder of a Pod or workload request object (None for other kinds)."""
    kind = request.kind.kind
    if kind != "Pod" and kind not in TEMPLATE_KINDS:
        return None
    obj = dict(request.object or {})
    meta = dict(obj.get("metadata") or {})
    meta.setdefault("name", request.object_name())
    meta["namespace"] = request.namespace or meta.get("namespace") or "default"
    obj["metadata"] = meta
    ref = ObjectRef(kind, meta["namespace"], str(meta["name"]))
    holder = pod_holder(kind, ref, obj)
    if request.operation != "CREATE":
        return holder
    return _as_created(holder, request.user_info.username)


def _as_created(holder: PodHolder, username: str) -> PodHolder:
    """A holder being created is written by the requester, never already scheduled: the status
    the API server fills in on create (``phase: Pending``) and owner references the requester
    chose do not make it bound. Only the kubelet of the pod's node creates mirror pods, so the
    mirror annotation counts only in its requests."""
    annotations = holder.annotations
    if username != NODE_USER_PREFIX + holder.spec.node_name:
        annotations = tuple((k, v) for k, v in annotations if k != MIRROR_ANNOTATION)
    return replace(holder, bound=False, annotations=annotations)


def run_rules(
    request: AdmissionRequest, ctx: AdmissionContext
) -> tuple[list[tuple[str, Violation]], str]:
    """The violations of the admission rules as ``(check id, violation)``, and a trace line."""
    if request.operation not in ("CREATE", "UPDATE") or request.sub_resource:
        return [], "vigil rules: nothing to do for this operation"
    try:
        holder = holder_of(request)
    except FieldError as exc:
        raise ValueError(f"{exc.path}: {exc.message}") from None
    if holder is None:
        return [], f"vigil rules: {request.kind.kind} is not judged"
    inventory = replace(ctx.cluster, holders=[*ctx.cluster.holders, holder])
    audit_ctx = AuditContext.build(inventory, ctx.policy, ctx.today)
    found: list[tuple[str, Violation]] = []
    for entry in all_checks():
        if entry.check.admission and entry.pod_rule is not None:
            found.extend((entry.check.id, v) for v in entry.pod_rule(holder, audit_ctx))
    ids = ", ".join(i for i, _ in found) or "none"
    return found, f"vigil rules on {holder.ref.display}: violations {ids}"


def rule_decision(
    request: AdmissionRequest, ctx: AdmissionContext, found: list[tuple[str, Violation]]
) -> tuple[Decision | None, list[str]]:
    """A denial for the checks the policy denies, warnings for the others."""
    checks = {e.check.id: e.check for e in all_checks()}
    deny = set(ctx.policy.admission.deny)
    denials: list[str] = []
    warnings: list[str] = []
    for check_id, v in found:
        text = f"{check_id} {checks[check_id].name}: {v.ref.display} {v.message}"
        (denials if check_id in deny else warnings).append(text)
    if not denials:
        return None, warnings
    message = "vigil denied the request: " + "; ".join(denials)
    stage = f"{STAGE} {', '.join(i for i, _ in found if i in deny)}"
    return Decision(False, 403, message, "Forbidden", stage), warnings
