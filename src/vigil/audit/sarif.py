"""The audit as SARIF 2.1.0, for code-scanning tools.

One run, the tool's rules generated from the check registry (every check, so rule indexes are
stable), one result per finding with a physical location (file and line of the object's
document) and a logical one (``Kind namespace/name``). Suppressed findings are results with a
``suppressions`` entry, as SARIF intends, and ``results`` is present even when empty.
"""

from __future__ import annotations

from typing import Any

from vigil.audit.model import AuditReport, Check, Finding, Severity
from vigil.audit.registry import all_checks

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def rule(check: Check) -> dict[str, Any]:
    """A ``reportingDescriptor`` for one check."""
    help_text = f"{check.rationale}\n\nRemediation: {check.remediation}"
    refs = "".join(f"\n- {r}" for r in check.references)
    out: dict[str, Any] = {
        "id": check.id,
        "name": check.name,
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.rationale},
        "help": {
            "text": help_text + ("\n\nReferences:" + refs if refs else ""),
            "markdown": f"**{check.title}**\n\n{check.rationale}\n\n**Remediation:** "
            f"{check.remediation}" + ("\n\n**References:**" + refs if refs else ""),
        },
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "properties": {
            "tags": ["security", "kubernetes", "scheduling"],
            "security-severity": SECURITY_SEVERITY[check.severity],
            "severity": check.severity.label,
        },
    }
    if check.references:
        out["helpUri"] = check.references[0]
    return out


def _result(f: Finding, index: int) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": f.ref.name,
                "fullyQualifiedName": f.ref.display,
                "kind": "object",
            }
        ]
    }
    if f.ref.source:
        physical: dict[str, Any] = {"artifactLocation": {"uri": f.ref.source}}
        if f.ref.line:
            physical["region"] = {"startLine": f.ref.line}
        location["physicalLocation"] = physical
    message = f"{f.ref.display}: {f.message}" + (f" ({f.note})" if f.note else "")
    out: dict[str, Any] = {
        "ruleId": f.check.id,
        "ruleIndex": index,
        "level": LEVELS[f.severity],
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {
            "vigilObject/v1": f"{f.check.id}:{f.ref.kind}:{f.ref.namespace}:{f.ref.name}:{f.path}"
        },
    }
    if f.suppressed_by:
        source, _, reason = f.suppressed_by.partition(": ")
        out["suppressions"] = [
            {
                "kind": "inSource" if source == "annotation" else "external",
                "status": "accepted",
                "justification": reason,
            }
        ]
    return out


def report_sarif(report: AuditReport, version: str) -> dict[str, Any]:
    """The SARIF log of a report."""
    checks = [entry.check for entry in all_checks()]
    index = {c.id: i for i, c in enumerate(checks)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vigil",
                        "version": version,
                        "rules": [rule(c) for c in checks],
                    }
                },
                "results": [_result(f, index[f.check.id]) for f in report.findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
