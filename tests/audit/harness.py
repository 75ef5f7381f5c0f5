"""Running audits on YAML text in tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from vigil.audit import AuditReport, parse_sources, run_audit
from vigil.posture import PosturePolicy, parse_policy
from vigil.posture.policy import Suppression

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date(2026, 6, 1)


def audit(
    text: str,
    policy: PosturePolicy | None = None,
    *,
    suppressions: tuple[Suppression, ...] = (),
    source: str = "t.yaml",
) -> AuditReport:
    """Audit one YAML text (default policy, fixed date)."""
    inventory = parse_sources([(source, text)])
    return run_audit(inventory, policy or PosturePolicy(), TODAY, suppressions=suppressions)


def fixture_policy(check_id: str) -> PosturePolicy:
    """The fixture's policy.yaml, or the default policy."""
    path = FIXTURES / check_id / "policy.yaml"
    if not path.exists():
        return PosturePolicy()
    return parse_policy(path.read_text(encoding="utf-8"), str(path))


def checks_of(report: AuditReport) -> list[str]:
    """Ids of the active findings, in report order."""
    return [f.check.id for f in report.active]
