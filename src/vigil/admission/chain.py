"""The admission chain, in the API server's order.

1. NodeRestriction (mutating phase, in-tree), 2. Priority on pods (mutating, in-tree),
3. the gate sidecar (vigil's mutating webhook), 4. the object's labels validated (in-tree),
5. PriorityClass validation and the Priority plugin's validation (in-tree), 6. vigil's rules
(vigil's validating webhook). The first denial
decides; warnings of every stage are kept. The in-tree stages run only with
``context.upstream`` (the API server runs them itself in front of a real webhook).
"""

from __future__ import annotations

from vigil.admission import node_restriction, object_validation, priority, rules, sidecar
from vigil.admission.context import AdmissionContext
from vigil.admission.request import AdmissionRequest, Decision, Outcome

BAD_REQUEST = 400


MODES = ("both", "validate", "mutate")


def review(request: AdmissionRequest, ctx: AdmissionContext, mode: str = "both") -> Outcome:
    """Run the chain on one request.

    ``mode`` is ``both`` (the whole chain, as ``vigil admission review`` shows it),
    ``mutate`` (the mutating webhook: in-tree mutating stages and the sidecar) or ``validate``
    (the validating webhook: everything but the sidecar).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    out = Outcome()
    is_pod = request.resource.group == "" and request.resource.resource == "pods"
    is_class = (
        request.resource.group == "scheduling.k8s.io"
        and request.resource.resource == "priorityclasses"
    )
    if ctx.upstream:
        decision, trace = node_restriction.admit(request, ctx)
        out.trace.append(trace or f"NodeRestriction: {decision.message}")
        if not decision.allowed:
            out.decision = decision
            return out
        if is_pod:
            decision, trace = priority.admit_pod(request, ctx)
            out.trace.append(trace or f"Priority: {decision.message}")
            if not decision.allowed:
                out.decision = decision
                return out
    if mode != "validate":
        patch, trace = sidecar.injection(request, ctx)
        out.patch = patch
        out.trace.append(trace)
    if mode == "mutate":
        return out
    if ctx.upstream:
        decision = object_validation.validate_metadata(request)
        if not decision.allowed:
            out.trace.append(f"{object_validation.STAGE}: {decision.message}")
            out.decision = decision
            return out
    if ctx.upstream and is_class:
        decision = priority.validate_class(request, ctx)
        out.trace.append(f"PriorityClass: {decision.message or 'valid'}")
        if not decision.allowed:
            out.decision = decision
            return out
    try:
        found, trace = rules.run_rules(request, ctx)
    except ValueError as exc:
        out.decision = Decision(
            False, BAD_REQUEST, f"cannot read the object: {exc}", "BadRequest", "vigil"
        )
        return out
    out.trace.append(trace)
    denial, warnings = rules.rule_decision(request, ctx, found)
    out.warnings.extend(warnings)
    if denial is not None:
        out.decision = denial
    return out
