"""The checked-in catalogue is the one the code generates."""

from __future__ import annotations

from pathlib import Path

from vigil.audit import all_checks
from vigil.audit.catalogue import catalogue

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit-checks.md"


def test_docs_match_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == catalogue(), (
        "docs/audit-checks.md is stale: run python -m vigil.audit.catalogue > docs/audit-checks.md"
    )


def test_every_check_has_a_section() -> None:
    text = catalogue()
    for entry in all_checks():
        assert f"## {entry.check.id} {entry.check.name}" in text
