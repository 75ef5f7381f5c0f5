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
from vigil.admission.request import ALLOW, AdmissionRequest, Decision, forbidden, invalid
from vigil.cluster.decode import decode_object
from vigil.cluster.errors import FieldError
from vigil.cluster.policy import PREEMPT_LOWER_PRIORITY, PriorityClass
from vigil.cluster.reader import Fields
from vigil.posture.priority_classes import (
    aggregate,
    default_class,
    validate_priority_class,
    validate_priority_class_update,
)

PLUGIN = "Priority"
VALIDATION = "PriorityClass validation"


def _spec(obj: dict[str, Any] | None) -> dict[str, Any]:
    spec = (obj or {}).get("spec")
    return spec if isinstance(spec, dict) else {}


def admit_pod(request: AdmissionRequest, ctx: AdmissionContext) -> tuple[Decision, str]:
    """``admitPod``: the decision and, on success, what the plugin set."""
    if request.operation != "CREATE" or request.sub_resource:
        return ALLOW, "Priority: nothing to do for this operation"
    spec = _spec(request.object)
    name = spec.get("priorityClassName") or ""
    classes = ctx.priority_classes()
    if not isinstance(name, str):
        return Decision(
            False, 400, "spec.priorityClassName: expected a string", "BadRequest", PLUGIN
        ), ""
    if not name:
        default = default_class(classes)
        if default is None:
            chosen, priority, policy = "", 0, PREEMPT_LOWER_PRIORITY
        else:
            chosen, priority, policy = default.name, default.value, default.preemption_policy
    else:
        pc = next((c for c in classes if c.name == name), None)
        if pc is None:
            return forbidden(request, f"no PriorityClass with name {name} was found", PLUGIN), ""
        chosen, priority, policy = name, pc.value, pc.preemption_policy
    given = spec.get("priority")
    if given is not None and given != priority:
        return (
            forbidden(
                request,
                f"the integer value of priority ({given}) must not be provided in pod spec; "
                f"priority admission controller computed {priority} from the given "
                "PriorityClass name",
                PLUGIN,
            ),
            "",
        )
    given_policy = spec.get("preemptionPolicy")
    if given_policy is not None and given_policy != policy:
        return (
            forbidden(
                request,
                f"the string value of PreemptionPolicy ({given_policy}) must not be provided in "
                f"pod spec; priority admission controller computed {policy} from the given "
                "PriorityClass name",
                PLUGIN,
            ),
            "",
        )
    via = f"PriorityClass {chosen}" if chosen else "no PriorityClass and no global default"
    return ALLOW, f"Priority: spec.priority={priority}, spec.preemptionPolicy={policy} ({via})"


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
        return invalid(request, f"{exc.path}: Invalid value: {exc.message}", VALIDATION)
    problems = validate_priority_class(pc)
    if old is not None:
        problems += validate_priority_class_update(pc, old)
    if problems:
        return invalid(request, aggregate(problems), VALIDATION)
    if pc.global_default:
        existing = [
            c for c in ctx.priority_classes() if c.name != pc.name or request.operation == "CREATE"
        ]
        default = default_class(existing)
        if default is not None and (request.operation == "CREATE" or default.name != pc.name):
            return forbidden(
                request,
                f"PriorityClass {default.name} is already marked as default. Only one default "
                "can exist",
                PLUGIN,
            )
    return ALLOW
