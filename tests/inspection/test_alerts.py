"""Alerts: stable codes, human reasons, and redaction of attacker input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.inspection.alerts import CODES, SEEN_LIMIT, Alert, Severity, redact


def alert(code: str = "V101", severity: Severity = Severity.HIGH) -> Alert:
    return Alert(code, "GET /users", "query.username", "specials 'none'", '"\'" in "\'"', severity)


def test_codes_are_unique_and_well_formed() -> None:
    assert len(set(CODES.values())) == len(CODES)
    assert all(code[0] == "V" and code[1:].isdigit() and len(code) == 4 for code in CODES)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        pytest.param("V100", "unknown-route", id="V100"),
        pytest.param("V101", "unexpected-special-character", id="V101"),
        pytest.param("V113", "unknown-method", id="V113"),
        pytest.param("V120", "body-over-bound", id="V120"),
        pytest.param("V125", "unexpected-type", id="V125"),
        pytest.param("V999", "unknown", id="unregistered"),
    ],
)
def test_alert_name_is_the_codes_stable_name(code: str, name: str) -> None:
    assert alert(code).name == name


@pytest.mark.parametrize(
    ("severity", "weight", "label"),
    [
        pytest.param(Severity.LOW, 1, "low", id="low"),
        pytest.param(Severity.MEDIUM, 3, "medium", id="medium"),
        pytest.param(Severity.HIGH, 6, "high", id="high"),
        pytest.param(Severity.CRITICAL, 10, "critical", id="critical"),
    ],
)
def test_severity_weight_and_label(severity: Severity, weight: int, label: str) -> None:
    assert int(severity) == weight
    assert severity.label == label


def test_reason_and_dict_carry_route_field_expected_and_seen() -> None:
    a = alert()
    assert a.reason == "query.username: expected specials 'none', seen \"'\" in \"'\""
    assert a.as_dict() == {
        "code": "V101",
        "name": "unexpected-special-character",
        "route": "GET /users",
        "field": "query.username",
        "expected": "specials 'none'",
        "seen": '"\'" in "\'"',
        "severity": "high",
        "detector": "model",
    }


def test_dict_names_the_reference_and_action_of_an_operator_rule() -> None:
    a = Alert(
        "V200",
        "POST /login",
        "form.username",
        "matches ^[a-z]{1,32}$",
        "'x y'",
        Severity.HIGH,
        detector="virtual-patch",
        reference="CVE-2026-0001",
        enforced=True,
    )
    view = a.as_dict()
    assert view["detector"] == "virtual-patch"
    assert view["reference"] == "CVE-2026-0001"
    assert view["action"] == "block"
    assert "reference" not in alert().as_dict()
    assert "action" not in alert().as_dict()


def test_behaviour_package_still_exports_the_same_types() -> None:
    from vigil.behavior import alerts as legacy

    assert legacy.Alert is Alert
    assert legacy.Severity is Severity


def test_alerts_are_immutable_values() -> None:
    assert alert() == alert()
    with pytest.raises(AttributeError):
        alert().code = "V100"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("tom", "'tom'", id="short"),
        pytest.param("", "''", id="empty"),
        pytest.param("a" * SEEN_LIMIT, repr("a" * SEEN_LIMIT), id="at-limit"),
        pytest.param(
            "a" * (SEEN_LIMIT + 1), repr("a" * SEEN_LIMIT) + "... (49 chars)", id="over-limit"
        ),
        pytest.param("x" * 1_048_576, repr("x" * SEEN_LIMIT) + "... (1048576 chars)", id="1-mib"),
        pytest.param("a\r\nb", repr("a\\r\\nb"), id="crlf-escaped"),
        pytest.param("\x00", repr("\\x00"), id="nul-escaped"),
        pytest.param("caf\u00e9", "'caf\u00e9'", id="printable-unicode-kept"),
    ],
)
def test_redact(value: str, expected: str) -> None:
    assert redact(value) == expected


def test_redact_limit_is_configurable() -> None:
    assert redact("abcdef", 3) == "'abc'... (6 chars)"


@given(st.text(max_size=300))
def test_redacted_text_is_printable_and_bounded(value: str) -> None:
    out = redact(value)
    assert out.isprintable()
    assert "\r" not in out
    assert "\n" not in out
    assert len(out) <= 2 * SEEN_LIMIT + len("''... (300 chars)")
