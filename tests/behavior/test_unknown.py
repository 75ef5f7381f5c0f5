"""Fields a route never showed: the field itself, and its content, one level lower in headers."""

from __future__ import annotations

import pytest

from vigil.behavior.alerts import Severity
from vigil.behavior.unknown import UNKNOWN_MAX_LENGTH, check_unknown, link_decoration
from vigil.http.body import BodyField
from vigil.http.urlcodec import Encoding

ROUTE = "GET /users"
L, M, H = Severity.LOW, Severity.MEDIUM, Severity.HIGH


@pytest.mark.parametrize(
    ("path", "severity"),
    [
        pytest.param("query.debug", M, id="query-medium"),
        pytest.param("json.admin", M, id="json-medium"),
        pytest.param("header.x-new", L, id="header-low"),
    ],
)
def test_unknown_field_v110(path: str, severity: Severity) -> None:
    alerts = check_unknown(ROUTE, BodyField(path, "1"))
    assert [(a.code, a.severity, a.field, a.expected, a.seen) for a in alerts] == [
        ("V110", severity, path, "a known field", repr(path))
    ]


def test_unknown_field_with_dangerous_content() -> None:
    alerts = check_unknown(ROUTE, BodyField("query.q", "1' -- x", int(Encoding.NUL)))
    by_code = {a.code: a for a in alerts}
    assert sorted(by_code) == ["V101", "V102", "V107", "V109", "V110"]
    assert by_code["V101"].severity is H
    assert by_code["V101"].expected == "no special characters in an unknown field"
    assert by_code["V102"].severity is H
    assert by_code["V107"].seen == "nul-byte"


def test_unknown_header_content_is_judged_one_level_lower_but_structure_stays_high() -> None:
    alerts = check_unknown(ROUTE, BodyField("header.x-note", "a;b ../c"))
    assert [(a.code, a.severity) for a in alerts] == [
        ("V110", L),
        ("V109", H),
        ("V101", M),
        ("V102", M),
    ]


@pytest.mark.parametrize(
    ("text", "flags", "codes"),
    [
        pytest.param("dark", 0, [], id="plain"),
        pytest.param("GS2.1.s1732000000$o3$g1$t1732000456$j60$l0$h0", 0, [], id="ga4-dollars"),
        pytest.param('[null,null,null,["CQ","2~"],null,null,[]]', 0, [], id="consent-json"),
        pytest.param("ID=abc:T=1732000000:RT=1732000000:S=ALNI_Mab--c", 0, [], id="ads-id"),
        pytest.param("' OR '1'='1", 0, ["V109"], id="sql-structure"),
        pytest.param("<script>alert(1)</script>", 0, ["V109"], id="markup"),
        pytest.param("x", int(Encoding.NUL), ["V107"], id="nul-byte"),
        pytest.param("a" * (UNKNOWN_MAX_LENGTH + 1), 0, ["V104"], id="oversized"),
    ],
)
def test_an_unknown_cookie_alerts_only_on_attack_evidence(
    text: str, flags: int, codes: list[str]
) -> None:
    alerts = check_unknown(ROUTE, BodyField("cookie.pref", text, flags))
    assert [a.code for a in alerts] == codes
    assert all(a.severity >= M for a in alerts)


@pytest.mark.parametrize(
    ("path", "decoration"),
    [
        ("query.utm_source", True),
        ("query.UTM_Campaign", True),
        ("query.gclid", True),
        ("query.fbclid", True),
        ("query.msclkid", True),
        ("query.debug", False),
        ("query.utm", False),
        ("form.utm_source", False),
        ("json.gclid", False),
        ("header.fbclid", False),
    ],
)
def test_link_decoration(path: str, decoration: bool) -> None:
    assert link_decoration(path) is decoration


@pytest.mark.parametrize(
    ("path", "text", "codes"),
    [
        pytest.param("query.utm_campaign", "winter_sale-2026 (fr)", [], id="utm-campaign"),
        pytest.param("query.gclid", "Cj0KCQiA4NWrBhD-ARIsAFCKwWs7_BwE", [], id="gclid"),
        pytest.param("query.utm_source", "' OR '1'='1", ["V109"], id="utm-sql-structure"),
        pytest.param("query.debug", "1", ["V110"], id="not-a-decoration"),
    ],
)
def test_a_link_decoration_alerts_only_on_attack_evidence(
    path: str, text: str, codes: list[str]
) -> None:
    assert [a.code for a in check_unknown(ROUTE, BodyField(path, text))] == codes


@pytest.mark.parametrize(
    ("length", "codes"),
    [
        pytest.param(UNKNOWN_MAX_LENGTH, ["V110"], id="at-bound"),
        pytest.param(UNKNOWN_MAX_LENGTH + 1, ["V110", "V104"], id="over-bound"),
        pytest.param(1 << 20, ["V110", "V104"], id="1-mib"),
    ],
)
def test_long_unknown_values_are_high(length: int, codes: list[str]) -> None:
    alerts = check_unknown(ROUTE, BodyField("header.x-big", "a" * length))
    assert [a.code for a in alerts] == codes
    if "V104" in codes:
        assert alerts[1].severity is H
        assert alerts[1].seen == str(length)
