"""Running an audit: every registered check over an inventory, then suppressions, in a stable
order (by file, line, check)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from vigil.audit.context import AuditContext
from vigil.audit.inventory import Inventory
from vigil.audit.model import AuditReport, Finding, Violation
from vigil.audit.registry import all_checks
from vigil.audit.suppress import apply_suppressions
from vigil.posture.alerts import AlertCounts
from vigil.posture.policy import PosturePolicy, Suppression


def collect(ctx: AuditContext) -> list[tuple[Finding, Violation]]:
    """Every violation of every check, attributed to its check."""
    out: list[tuple[Finding, Violation]] = []
    holders = ctx.inventory.holders
    for entry in all_checks():
        if entry.pod_rule is not None:
            rule = entry.pod_rule
            violations: Iterable[Violation] = (v for h in holders for v in rule(h, ctx))
        elif entry.cluster_rule is not None:
            violations = entry.cluster_rule(ctx)
        else:
            continue
        out.extend((Finding(entry.check, v.ref, v.message, v.path), v) for v in violations)
    return out


def run_audit(
    inventory: Inventory,
    policy: PosturePolicy,
    today: date,
    *,
    alerts: AlertCounts | None = None,
    suppressions: Iterable[Suppression] = (),
) -> AuditReport:
    """Audit ``inventory``; ``today`` decides which suppressions have expired."""
    ctx = AuditContext.build(inventory, policy, today, alerts)
    findings = apply_suppressions(
        collect(ctx),
        [*policy.audit.suppressions, *suppressions],
        allow_annotations=policy.audit.allow_annotation_suppressions,
        today=today,
    )
    findings.sort(key=lambda f: (f.ref.source, f.ref.line, f.ref.display, f.check.id, f.message))
    skipped = [f"{count} {kind}" for kind, count in sorted(inventory.skipped.items())]
    return AuditReport(findings, inventory.object_count, skipped)
