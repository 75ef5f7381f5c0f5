"""The Priority admission plugin and PriorityClass validation, with upstream messages.

Pods (CREATE): the class named by ``priorityClassName`` (or the global default, or none:
priority 0 and PreemptLowerPriority) gives ``spec.priority`` and ``spec.preemptionPolicy``; a
different value already in the spec is refused. System classes exist like any other (the API
server creates them) and may be used in any namespace, as upstream allows since 1.17.
PriorityClasses (CREATE/UPDATE): validation (422) then the single-default rule (403).
"""

from __future__ import annotations

from typing import Any

from vigil.admission.context import AdmissionContext
from vigil.admission.request import (
    ALLOW,
    AdmissionRequest,
    Decision,
    forbidden,
    invalid,
    spec_of,
)
from vigil.cluster.decode import decode_object
from vigil.cluster.errors import FieldError
from vigil.cluster.policy import PriorityClass
from vigil.cluster.priority import PriorityAdmissionError, PriorityResolver
from vigil.cluster.priority_classes import (
    aggregate,
    default_class,
    validate_priority_class,
    validate_priority_class_update,
)
from vigil.cluster.reader import Fields

PLUGIN = "Priority"
VALIDATION = "PriorityClass validation"


def admit_pod(request: AdmissionRequest, ctx: AdmissionContext) -> tuple[Decision, str]:
    """``admitPod`` (`vigil.cluster.priority`): the decision and, on success, what the plugin
    set."""
    if request.operation != "CREATE" or request.sub_resource:
        return ALLOW, "Priority: nothing to do for this operation"
    spec = Fields(spec_of(request.object), "spec")
    try:
        name = spec.string("priorityClassName")
        given, given_policy = spec.opt_int32("priority"), spec.opt_str("preemptionPolicy")
    except FieldError as exc:
        return Decision(False, 400, str(exc), "BadRequest", PLUGIN), ""
    try:
        found = PriorityResolver(ctx.priority_classes()).resolve(name, given, given_policy)
    except PriorityAdmissionError as exc:
        return forbidden(request, str(exc), PLUGIN), ""
    return ALLOW, (
        f"Priority: spec.priority={found.priority}, spec.preemptionPolicy="
        f"{found.preemption_policy} ({found.reason})"
    )


def _decode(obj: dict[str, Any] | None) -> PriorityClass:
    decoded = decode_object("PriorityClass", Fields(obj or {}))
    if not isinstance(decoded, PriorityClass):
        raise FieldError("kind", "expected a PriorityClass")
    return decoded


def validate_class(request: AdmissionRequest, ctx: AdmissionContext) -> Decision:
    """Object validation (422) and the Priority plugin's ``validatePriorityClass`` (403)."""
    if request.operation not in ("CREATE", "UPDATE") or request.sub_resource:
        return ALLOW
    try:
        pc = _decode(request.object)
        old = _decode(request.old_object) if request.operation == "UPDATE" else None
    except FieldError as exc:
        return Decision(False, 400, f"{exc.path}: {exc.message}", "BadRequest", VALIDATION)
    problems = validate_priority_class(pc)
    if old is not None:
        problems += validate_priority_class_update(pc, old)
    if problems:
        return invalid(request, aggregate(problems), VALIDATION)
    if pc.global_default:
        default = default_class(ctx.priority_classes())
        if default is not None and (request.operation == "CREATE" or default.name != pc.name):
            return forbidden(
                request,
                f"PriorityClass {default.name} is already marked as default. Only one default "
                "can exist",
                PLUGIN,
            )
    return ALLOW
