"""The scheduling-posture auditor (pure): checks over manifests, suppressions, reports.

* `documents` and `inventory`: manifests (YAML, JSON, Lists) read with file and line, bounded;
* `model`: checks, findings, severities; `registry`: the checks by id;
* `checks`: the checks themselves, one module per theme;
* `context`, `placement`: what checks consult (risk profiles, priorities, static placement);
* `suppress`: suppressions from files and annotations, with reasons and expiries;
* `run`: an audit end to end; `report_text`, `report_json`, `sarif`: outputs;
* `catalogue`: the Markdown catalogue generated from the registry.
"""

from vigil.audit.inventory import Inventory, InventoryError, PodHolder, parse_sources
from vigil.audit.model import AuditReport, Check, Finding, ObjectRef, Severity, Violation
from vigil.audit.registry import all_checks
from vigil.audit.run import run_audit

__all__ = [
    "AuditReport",
    "Check",
    "Finding",
    "Inventory",
    "InventoryError",
    "ObjectRef",
    "PodHolder",
    "Severity",
    "Violation",
    "all_checks",
    "parse_sources",
    "run_audit",
]
