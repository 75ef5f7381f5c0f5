"""Every check has a fail fixture that triggers it and a pass fixture that does not."""

from __future__ import annotations

import pytest

from tests.audit.harness import FIXTURES, audit, checks_of, fixture_policy
from vigil.audit import all_checks

CHECK_IDS = [e.check.id for e in all_checks()]


def test_every_check_has_both_fixtures() -> None:
    for check_id in CHECK_IDS:
        assert (FIXTURES / check_id / "fail.yaml").is_file(), check_id
        assert (FIXTURES / check_id / "pass.yaml").is_file(), check_id
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(CHECK_IDS)


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_fail_fixture_triggers_the_check(check_id: str) -> None:
    text = (FIXTURES / check_id / "fail.yaml").read_text(encoding="utf-8")
    report = audit(text, fixture_policy(check_id), source=f"{check_id}/fail.yaml")
    assert check_id in checks_of(report), [f.message for f in report.findings]


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_pass_fixture_does_not(check_id: str) -> None:
    text = (FIXTURES / check_id / "pass.yaml").read_text(encoding="utf-8")
    report = audit(text, fixture_policy(check_id), source=f"{check_id}/pass.yaml")
    assert check_id not in checks_of(report), [f.message for f in report.findings]


def test_checks_have_complete_metadata() -> None:
    for entry in all_checks():
        check = entry.check
        assert check.id.startswith("VA")
        assert check.name == check.name.lower()
        assert " " not in check.name
        assert check.title
        assert check.rationale.endswith(".")
        assert check.remediation.endswith(".")
