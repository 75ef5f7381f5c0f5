"""PriorityClasses: critical pods and components without a high class (VA007), namespaces using
another class than expected (VA008), several global defaults (VA011), classes the API server
would refuse (VA012)."""

from __future__ import annotations

from collections.abc import Iterator

from vigil.audit.checks.common import PRIORITY_DOC, names, spec_path
from vigil.audit.context import AuditContext
from vigil.audit.inventory import PodHolder
from vigil.audit.model import Check, Severity, Violation
from vigil.audit.registry import cluster_check, entry_violation, pod_check, violation
from vigil.cluster.priority_classes import aggregate, default_class, validate_priority_class

HIGH_PRIORITY = Check(
    id="VA007",
    name="critical-without-high-priority",
    title="A critical pod or cluster component runs without a high PriorityClass",
    severity=Severity.MEDIUM,
    rationale=(
        "Under resource pressure the scheduler preempts lower-priority pods first and leaves them "
        "pending. A critical workload, the cluster autoscaler or vigil itself at default priority "
        "can be evicted by any ordinary pod, or never come back."
    ),
    remediation=(
        "Give it a PriorityClass whose value reaches priority.highMinimum (system-cluster-critical "
        "for cluster components)."
    ),
    references=(PRIORITY_DOC,),
    admission=True,
)

NAMESPACE_CLASS = Check(
    id="VA008",
    name="namespace-priority-class",
    title="A pod uses another PriorityClass than its namespace expects",
    severity=Severity.MEDIUM,
    rationale=(
        "Priorities order preemption across teams: when dev pods may use prod's class (or none), "
        "a dev rollout can preempt production. The policy lists the classes each namespace may use."
    ),
    remediation="Set spec.priorityClassName to one of the classes the policy lists for the namespace.",
    references=(PRIORITY_DOC,),
    admission=True,
)

GLOBAL_DEFAULT = Check(
    id="VA011",
    name="multiple-global-default",
    title="More than one PriorityClass is globalDefault",
    severity=Severity.HIGH,
    rationale=(
        "The API server refuses a second globalDefault class, so the manifests cannot all apply; "
        "where several exist anyway (a race), pods without a class silently get the lowest value."
    ),
    remediation="Keep globalDefault: true on one PriorityClass only.",
    references=(PRIORITY_DOC,),
)

INVALID_CLASS = Check(
    id="VA012",
    name="priority-class-invalid",
    title="A PriorityClass the API server would refuse",
    severity=Severity.HIGH,
    rationale=(
        "User classes may not exceed 1000000000 and names starting with system- are reserved for "
        "the two system classes; the API server rejects such objects, so the workloads that name "
        "them are rejected at admission too."
    ),
    remediation="Use a value of at most 1000000000 and a name without the system- prefix.",
    references=(PRIORITY_DOC,),
)


def _describe(class_name: str, value: int | None) -> str:
    return (
        f"PriorityClass {class_name} ({value})"
        if class_name
        else f"no PriorityClass (priority {value})"
    )


@pod_check(HIGH_PRIORITY)
def high_priority(holder: PodHolder, ctx: AuditContext) -> Iterator[Violation]:
    """Critical pods and components below priority.highMinimum."""
    if not (ctx.protected(holder) or ctx.component(holder)):
        return
    prio = ctx.priority(holder)
    minimum = ctx.policy.priority.high_minimum
    if prio.value is None or prio.value >= minimum:
        return
    what = "a critical workload" if ctx.protected(holder) else "a cluster component"
    yield violation(
        holder,
        f"{what} runs with {_describe(prio.class_name, prio.value)}, below {minimum}: ordinary "
        "pods can preempt it",
        f"{spec_path(holder)}.priorityClassName",
    )


@pod_check(NAMESPACE_CLASS)
def namespace_class(holder: PodHolder, ctx: AuditContext) -> Iterator[Violation]:
    """The class of a pod in a namespace the policy constrains."""
    allowed = ctx.policy.priority.namespaces.get(holder.namespace)
    if allowed is None:
        return
    prio = ctx.priority(holder)
    if prio.class_name in allowed:
        return
    uses = f"PriorityClass {prio.class_name}" if prio.class_name else "no PriorityClass"
    yield violation(
        holder,
        f"namespace {holder.namespace} expects PriorityClass {names(allowed)}; this pod uses {uses}",
        f"{spec_path(holder)}.priorityClassName",
    )


@cluster_check(GLOBAL_DEFAULT)
def global_default(ctx: AuditContext) -> Iterator[Violation]:
    """Every default class, when there are several."""
    defaults = [e for e in ctx.inventory.priority_classes if e.obj.global_default]
    if len(defaults) < 2:
        return
    winner = default_class(e.obj for e in defaults)
    if winner is None:
        return
    listed = names([e.obj.name for e in defaults])
    for entry in defaults:
        yield entry_violation(
            entry,
            f"{len(defaults)} PriorityClasses are globalDefault ({listed}); pods without a class "
            f"get the lowest, {winner.name} ({winner.value}), and the API server refuses the "
            f"second one: PriorityClass {defaults[0].obj.name} is already marked as default. Only "
            "one default can exist",
            "globalDefault",
        )


@cluster_check(INVALID_CLASS)
def invalid_class(ctx: AuditContext) -> Iterator[Violation]:
    """Classes failing the API server's validation, with its message."""
    for entry in ctx.inventory.priority_classes:
        problems = validate_priority_class(entry.obj)
        if problems:
            yield entry_violation(
                entry,
                f'PriorityClass.scheduling.k8s.io "{entry.obj.name}" is invalid: {aggregate(problems)}',
                problems[0].path,
            )
