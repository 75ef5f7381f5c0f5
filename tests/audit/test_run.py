"""An audit end to end: ordering, counts and what was not audited."""

from __future__ import annotations

from tests.audit.harness import FIXTURES, audit


def test_findings_are_ordered_by_file_line_and_check() -> None:
    text = (
        (FIXTURES / "VA011" / "fail.yaml").read_text(encoding="utf-8")
        + "\n---\n"
        + (FIXTURES / "VA003" / "fail.yaml").read_text(encoding="utf-8")
        + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    )
    report = audit(text)
    keys = [(f.ref.line, f.check.id) for f in report.findings]
    assert keys == sorted(keys)
    assert report.objects == 3
    assert report.skipped == ["1 ConfigMap"]
