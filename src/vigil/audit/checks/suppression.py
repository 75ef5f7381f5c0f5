"""VA000: an inline suppression that cannot be honoured (no reason, a bad date, forbidden)."""

from __future__ import annotations

from collections.abc import Iterator

from vigil.audit.context import AuditContext
from vigil.audit.model import Check, Severity, Violation
from vigil.audit.registry import cluster_check

CHECK = Check(
    id="VA000",
    name="invalid-suppression",
    title="An inline suppression is ignored",
    severity=Severity.LOW,
    rationale=(
        "A suppression must say why (vigil.dev/suppress-reason) and may say until when "
        "(vigil.dev/suppress-expires, YYYY-MM-DD). One without a reason, with a date that does "
        "not parse, or written while the policy forbids annotation suppressions is ignored, and "
        "the findings it meant to hide stay."
    ),
    remediation=(
        "Add vigil.dev/suppress-reason, fix vigil.dev/suppress-expires, or move the suppression "
        "to the suppressions file when annotations are not allowed."
    ),
)


@cluster_check(CHECK)
def invalid_suppression(ctx: AuditContext) -> Iterator[Violation]:
    """Produced by the suppression step (see `vigil.audit.suppress`), not by a scan."""
    return iter(())
