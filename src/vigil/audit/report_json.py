"""The audit as JSON: a stable document for scripts (field names are a contract)."""

from __future__ import annotations

from typing import Any

from vigil.audit.model import AuditReport, Finding, Severity


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding."""
    out: dict[str, Any] = {
        "check": f.check.id,
        "name": f.check.name,
        "severity": f.severity.label,
        "kind": f.ref.kind,
        "namespace": f.ref.namespace or None,
        "object": f.ref.name,
        "file": f.ref.source or None,
        "line": f.ref.line or None,
        "path": f.path or None,
        "message": f.message,
    }
    if f.suppressed_by:
        out["suppressedBy"] = f.suppressed_by
    if f.note:
        out["note"] = f.note
    return out


def report_json(report: AuditReport) -> dict[str, Any]:
    """``{"findings": [...], "suppressed": [...], "summary": {...}}``."""
    active = report.active
    return {
        "findings": [finding_json(f) for f in active],
        "suppressed": [finding_json(f) for f in report.suppressed],
        "summary": {
            "findings": len(active),
            "bySeverity": {s.label: sum(1 for f in active if f.severity is s) for s in Severity},
            "suppressed": len(report.suppressed),
            "objects": report.objects,
            "notAudited": report.skipped,
        },
    }
