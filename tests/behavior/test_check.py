"""Judging one value against compiled criteria: one alert per kind, graded severities."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.behavior.alerts import Alert, Severity
from vigil.behavior.check import (
    check_value,
    encoding_severity,
    specials_severity,
)
from vigil.behavior.policy import FieldCheck, FieldPolicy
from vigil.http.body import BodyField
from vigil.http.urlcodec import Encoding

ROUTE = "GET /users"
L, M, H = Severity.LOW, Severity.MEDIUM, Severity.HIGH
USERNAME: dict[str, Any] = {
    "length": (1, 10),
    "classes": ["lower"],
    "shapes": ["word"],
}


def compiled(**spec: Any) -> FieldCheck:
    return FieldCheck.compile(FieldPolicy(**{**USERNAME, **spec}))


def run(
    text: str,
    path: str = "query.username",
    flags: int = 0,
    repeat: int = 1,
    **spec: Any,
) -> list[Alert]:
    return check_value(ROUTE, BodyField(path, text, flags), compiled(**spec), repeat)


def only(alerts: list[Alert], code: str) -> Alert:
    found = [a for a in alerts if a.code == code]
    assert len(found) == 1, alerts
    return found[0]


def test_a_learned_value_passes() -> None:
    assert run("tom") == []


@pytest.mark.parametrize(
    ("text", "spec", "severity", "seen"),
    [
        pytest.param("o'brien", {}, H, '"\'" in "o\'brien"', id="quote-high"),
        pytest.param("a<b", {}, H, "'<' in 'a<b'", id="angle-high"),
        pytest.param("a;b", {}, H, "';' in 'a;b'", id="semicolon-high"),
        pytest.param("a(b", {}, M, "'(' in 'a(b'", id="paren-medium"),
        pytest.param("a(b)=", {}, H, "'()=' in 'a(b)='", id="three-medium-high"),
        pytest.param("a.b", {}, M, "'.' in 'a.b'", id="harmless-medium"),
        pytest.param(
            "a.b",
            {"classes": ["lower", "space"], "specials": ",-!?", "shapes": ["text"]},
            L,
            "'.' in 'a.b'",
            id="free-text-low",
        ),
        pytest.param(
            "a.b:c@d",
            {"classes": ["lower", "space"], "specials": ",-!?", "shapes": ["text"]},
            M,
            "'.:@' in 'a.b:c@d'",
            id="free-text-many-medium",
        ),
    ],
)
def test_new_special_characters_v101(
    text: str, spec: dict[str, Any], severity: Severity, seen: str
) -> None:
    alert = only(run(text, **spec), "V101")
    assert alert.severity is severity
    assert alert.seen == seen
    assert alert.field == "query.username"
    assert alert.route == ROUTE
    assert alert.expected.startswith("specials ")


@pytest.mark.parametrize(
    ("chars", "free_text", "severity"),
    [
        pytest.param("'", False, H, id="quote"),
        pytest.param("`", False, H, id="backtick"),
        pytest.param("$", False, H, id="dollar"),
        pytest.param("(", False, M, id="paren"),
        pytest.param("()", False, M, id="two-medium"),
        pytest.param("(){", False, H, id="three-medium"),
        pytest.param(".", False, M, id="harmless"),
        pytest.param(".", True, L, id="harmless-free-text"),
        pytest.param(".,:", True, M, id="many-harmless-free-text"),
        pytest.param("'", True, H, id="quote-free-text"),
    ],
)
def test_specials_severity(chars: str, free_text: bool, severity: Severity) -> None:
    assert specials_severity(frozenset(chars), free_text) is severity


@pytest.mark.parametrize(
    ("text", "spec", "severity"),
    [
        pytest.param("a--b", {"specials": "-"}, H, id="sql-comment-high"),
        pytest.param("..\\..\\x", {"specials": ".\\"}, H, id="traversal-high"),
        pytest.param("0x1f", {"classes": ["lower", "digit"], "shapes": []}, L, id="hex-prefix-low"),
    ],
)
def test_new_sequences_v102(text: str, spec: dict[str, Any], severity: Severity) -> None:
    alert = only(run(text, **spec), "V102")
    assert alert.severity is severity
    assert alert.expected == "no such sequence"
    assert repr(text)[1:-1][:4] in alert.seen


def test_learned_sequences_pass() -> None:
    assert run("a--b", specials="-", sequences=["--"], shapes=["text"]) == []


@pytest.mark.parametrize(
    ("text", "severity", "seen"),
    [
        pytest.param("Tom", L, "upper in 'Tom'", id="upper-low"),
        pytest.param("tom2", L, "digit in 'tom2'", id="digit-low"),
        pytest.param("to m", M, "space in 'to m'", id="space-medium"),
        pytest.param("tom\u20ac", M, "non-ascii-symbol in 'tom\u20ac'", id="symbol-medium"),
        pytest.param("tom\x1b", H, "control in 'tom\\\\x1b'", id="control-high"),
    ],
)
def test_new_character_classes_v103(text: str, severity: Severity, seen: str) -> None:
    alert = only(run(text, shapes=[]), "V103")
    assert alert.severity is severity
    assert alert.expected == "classes lower"
    assert alert.seen == seen


@pytest.mark.parametrize(
    ("flags", "severity", "seen"),
    [
        pytest.param(Encoding.DOUBLE_ENCODED, H, "double-percent-encoding", id="double"),
        pytest.param(Encoding.OVERLONG_UTF8, H, "overlong-utf8", id="overlong"),
        pytest.param(Encoding.NUL, H, "nul-byte", id="nul"),
        pytest.param(Encoding.CONTROL, H, "control-character", id="control"),
        pytest.param(Encoding.CRLF, H, "crlf", id="crlf"),
        pytest.param(Encoding.BAD_PERCENT, M, "bad-percent-escape", id="bad-escape"),
        pytest.param(Encoding.NON_UTF8, L, "non-utf8", id="non-utf8"),
        pytest.param(Encoding.NFKC_CHANGED, L, "unicode-compatibility-form", id="nfkc"),
        pytest.param(
            Encoding.NON_UTF8 | Encoding.OVERLONG_UTF8, H, "non-utf8,overlong-utf8", id="combined"
        ),
    ],
)
def test_encoding_anomalies_v107(flags: Encoding, severity: Severity, seen: str) -> None:
    alert = only(run("tom", flags=flags), "V107")
    assert alert.severity is severity
    assert alert.seen == seen
    assert alert.expected == "encodings none"
    assert encoding_severity(flags) is severity


def test_learned_encodings_pass_and_only_new_ones_alert() -> None:
    assert run("tom", flags=Encoding.NON_UTF8, encodings=["non-utf8"]) == []
    alert = only(run("tom", flags=Encoding.NON_UTF8 | Encoding.NUL, encodings=["non-utf8"]), "V107")
    assert alert.seen == "nul-byte"
    assert alert.expected == "encodings non-utf8"


@pytest.mark.parametrize(
    ("length", "path", "severity"),
    [
        pytest.param(11, "query.username", L, id="slightly-longer-low"),
        pytest.param(28, "query.username", L, id="at-twice-plus-8-low"),
        pytest.param(29, "query.username", M, id="much-longer-medium"),
        pytest.param(29, "header.x-name", L, id="much-longer-header-low"),
        pytest.param(144, "query.username", M, id="at-8x-plus-64-medium"),
        pytest.param(145, "query.username", H, id="oversized-high"),
        pytest.param(145, "header.x-name", H, id="oversized-header-high"),
    ],
)
def test_length_out_of_range_v104(length: int, path: str, severity: Severity) -> None:
    alert = only(run("a" * length, path=path, shapes=[]), "V104")
    assert alert.severity is severity
    assert alert.expected == "length 1..10"
    assert alert.seen == str(length)


def test_shorter_than_learned_is_low() -> None:
    alert = only(run("ab", length=(3, 10), shapes=[]), "V104")
    assert (alert.severity, alert.seen, alert.expected) == (L, "2", "length 3..10")


@pytest.mark.parametrize(
    ("path", "severity"),
    [
        pytest.param("query.sort", M, id="parameter-medium"),
        pytest.param("json.sort", M, id="body-medium"),
        pytest.param("header.accept", L, id="header-low"),
        pytest.param("cookie.lang", L, id="cookie-low"),
    ],
)
def test_value_not_in_enum_v106(path: str, severity: Severity) -> None:
    alerts = run("random", path=path, enum=["asc", "desc"])
    alert = only(alerts, "V106")
    assert alert.severity is severity
    assert alert.expected == "one of 2 known values"
    assert alert.seen == "'random'"
    assert run("asc", path=path, enum=["asc", "desc"]) == []


def test_pattern_mismatch_v105() -> None:
    alert = only(run("ab12", shapes=[], classes=["lower", "digit"], patterns=["9A"]), "V105")
    assert alert.severity is M
    assert alert.expected == "pattern 9A"
    assert alert.seen == "'a9' 'ab12'"


def test_pattern_alert_never_carries_raw_control_characters() -> None:
    alert = only(run("a\r\nSet-Cookie:x", shapes=[], patterns=["a"], flags=Encoding.CRLF), "V105")
    assert alert.seen.isprintable()


@pytest.mark.parametrize(
    ("text", "shapes", "severity", "seen"),
    [
        pytest.param("abc", ["int"], M, "word 'abc'", id="typed-medium"),
        pytest.param("1.5", ["int"], M, "float '1.5'", id="float-in-int-medium"),
        pytest.param("tom42", ["word"], L, "alnum 'tom42'", id="untyped-low"),
    ],
)
def test_shape_mismatch_v105(text: str, shapes: list[str], severity: Severity, seen: str) -> None:
    alerts = run(text, shapes=shapes, classes=["lower", "digit"], specials=".")
    alert = only(alerts, "V105")
    assert alert.severity is severity
    assert alert.seen == seen
    assert alert.expected == "|".join(shapes)


def test_float_field_admits_ints() -> None:
    assert run("42", shapes=["float"], classes=["digit"]) == []


def test_entropy_above_bound_v108() -> None:
    text = "q8Zx3Kp0Lm7Rt2Vb"
    alert = only(
        run(text, length=(1, 40), classes=["lower", "upper", "digit"], shapes=[], entropy_max=2.0),
        "V108",
    )
    assert (alert.severity, alert.expected, alert.seen) == (L, "entropy <= 2.0", "4.00")


def test_entropy_is_not_judged_on_short_values() -> None:
    assert run("abcdefgh", shapes=[], entropy_max=0.5) == []


def test_repeated_field_v112() -> None:
    alert = only(run("tom", repeat=3, max_repeat=2), "V112")
    assert (alert.severity, alert.expected, alert.seen) == (M, "at most 2 occurrence(s)", "3")


def test_wrong_json_type_v125_stops_further_checks() -> None:
    check = compiled(kinds=["number"])
    alerts = check_value(ROUTE, BodyField("json.age", "<x>", 0, "string"), check, 1)
    assert [(a.code, a.severity, a.expected, a.seen) for a in alerts] == [
        ("V125", M, "number", "string")
    ]


@pytest.mark.parametrize(
    ("size", "severity"),
    [
        pytest.param(5, None, id="within"),
        pytest.param(6, L, id="slightly-larger-low"),
        pytest.param(19, M, id="much-larger-medium"),
    ],
)
def test_array_length_v124(size: int, severity: Severity | None) -> None:
    check = compiled(kinds=["array"], length=(0, 5))
    alerts = check_value(ROUTE, BodyField("json.tags", "", 0, "array", size), check, 1)
    if severity is None:
        assert alerts == []
    else:
        assert [(a.code, a.severity, a.seen) for a in alerts] == [("V124", severity, str(size))]


def test_clean_values_are_remembered_and_alerted_ones_are_not() -> None:
    check = compiled()
    assert check_value(ROUTE, BodyField("query.username", "tom"), check, 1) == []
    assert ("tom", 0) in check.clean
    assert check_value(ROUTE, BodyField("query.username", "tom"), check, 1) == []
    check_value(ROUTE, BodyField("query.username", "to'm"), check, 1)
    assert ("to'm", 0) not in check.clean
    flagged = check_value(ROUTE, BodyField("query.username", "tom", int(Encoding.NUL)), check, 1)
    assert [a.code for a in flagged] == ["V107"]


def test_remembered_value_repeated_too_often_still_alerts() -> None:
    check = compiled()
    check_value(ROUTE, BodyField("query.username", "tom"), check, 1)
    alerts = check_value(ROUTE, BodyField("query.username", "tom"), check, 2)
    assert [a.code for a in alerts] == ["V112"]


def test_attack_values_raise_every_relevant_alert_at_once() -> None:
    alerts = run("' OR '1'='1", patterns=["a"])
    assert sorted(a.code for a in alerts) == ["V101", "V103", "V104", "V105", "V109"]
    assert only(alerts, "V101").severity is H


@pytest.mark.parametrize(
    ("path", "severity"),
    [
        pytest.param("query.q", Severity.HIGH, id="parameter"),
        pytest.param("header.x-agent", Severity.MEDIUM, id="header-one-level-lower"),
        pytest.param("cookie.theme", Severity.MEDIUM, id="cookie-one-level-lower"),
    ],
)
def test_new_specials_in_client_chosen_fields_are_one_level_lower(
    path: str, severity: Severity
) -> None:
    check = FieldCheck.compile(FieldPolicy(length=(0, 40), classes=["lower", "space"]))
    alerts = check_value("GET /x", BodyField(path, "abc (x; y)"), check, 1)
    (specials,) = [a for a in alerts if a.code == "V101"]
    assert specials.severity is severity


# Kinds of field, dangerous structure, standard headers ----------------------------------------

NAME_FIELD: dict[str, Any] = {
    "length": (3, 16),
    "classes": ["lower", "upper"],
    "shapes": ["word"],
    "patterns": ["Aa"],
    "grammar": "name",
}


@pytest.mark.parametrize(
    "text",
    [
        "Anne-Sophie",
        "García-López",
        "O'Brien",
        "Jean Pierre",
        "&#1040;&#1085;&#1085;&#1072;",
        "J.R.R. Tolkien",
    ],
)
def test_a_name_field_admits_real_names(text: str) -> None:
    assert run(text, **NAME_FIELD) == []


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        pytest.param("-Re'th", ["V101", "V105"], id="not-a-name"),
        pytest.param("Na.varra", ["V101", "V105"], id="period-inside"),
        pytest.param(
            "O'Brien' or 1=1 --", ["V101", "V102", "V103", "V104", "V105", "V109"], id="sqli"
        ),
        pytest.param("Tom2", ["V103", "V105"], id="digit"),
    ],
)
def test_a_name_field_judges_what_is_no_name(text: str, codes: list[str]) -> None:
    assert sorted(a.code for a in run(text, **NAME_FIELD)) == codes


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        pytest.param(
            {
                "classes": ["lower", "digit"],
                "specials": "@.",
                "shapes": ["email"],
                "grammar": "email",
            },
            "john+tag@example.com",
            id="email-with-plus",
        ),
        pytest.param(
            {"classes": ["digit"], "shapes": ["int"], "patterns": ["9"], "grammar": "code"},
            "SW1A 1AA",
            id="foreign-postcode",
        ),
        pytest.param(
            {
                "classes": ["digit", "upper"],
                "shapes": ["alnum"],
                "patterns": ["9A"],
                "grammar": "code",
            },
            "X1234567L",
            id="foreign-id",
        ),
        pytest.param(
            {"classes": ["digit"], "shapes": ["int"], "patterns": ["9"], "grammar": "digits"},
            "4111 1111 1111 1111",
            id="card-with-spaces",
        ),
        pytest.param(
            {"classes": ["digit"], "shapes": ["float"], "specials": ".", "grammar": "number"},
            "1,234.5",
            id="thousands-separator",
        ),
    ],
)
def test_kinds_admit_their_grammar(spec: dict[str, Any], text: str) -> None:
    assert run(text, **{"length": (1, 24), **spec}) == []


def test_a_card_number_field_does_not_admit_letters() -> None:
    spec = {"length": (16, 19), "classes": ["digit"], "shapes": ["int"], "grammar": "digits"}
    assert {a.code for a in run("879303512199884A", **spec)} == {"V103", "V105"}


def test_an_admitted_value_is_still_judged_on_length_enum_and_encodings() -> None:
    alerts = run("Anne-Sophie", flags=Encoding.NUL, **{**NAME_FIELD, "length": (3, 5)})
    assert sorted(a.code for a in alerts) == ["V104", "V107"]
    enum = run("Zoe", **{**NAME_FIELD, "enum": ["Anne", "Bob"]})
    assert [a.code for a in enum] == ["V106"]


@pytest.mark.parametrize("path", ["query.q", "header.x-note", "cookie.session"])
def test_dangerous_structure_is_high_everywhere(path: str) -> None:
    spec = {"classes": ["lower", "space", "digit"], "specials": "'=;#()", "shapes": ["text"]}
    alert = only(run("1 or sleep(5)#", path=path, length=(0, 40), **spec), "V109")
    assert alert.severity is H
    assert alert.expected == "no sql structure"
    assert alert.seen == "sql in '1 or sleep(5)#'"


def test_a_field_that_normally_carries_a_structure_admits_only_that_one() -> None:
    spec = {
        "classes": ["lower", "space"],
        "specials": "<>/'=",
        "shapes": ["text"],
        "dangers": ["markup"],
    }
    assert run("<b>bold</b>", length=(0, 40), **spec) == []
    alert = only(run("<b>x</b>' or 'a'='a", length=(0, 40), **spec), "V109")
    assert alert.expected == "no sql structure (normal: markup)"


@pytest.mark.parametrize(
    ("path", "learned", "seen"),
    [
        pytest.param("header.accept", "application/json", "*/*", id="accept-any"),
        pytest.param(
            "header.accept",
            "application/json",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            id="browser-accept",
        ),
        pytest.param("header.host", "localhost:8080", "users.prod.svc:8443", id="other-host"),
        pytest.param("header.accept-language", "en", "de-DE,de;q=0.9,en;q=0.8", id="language"),
        pytest.param("header.user-agent", "python-requests/2.31", "curl/8.5.0", id="curl"),
    ],
)
def test_standard_headers_are_judged_by_grammar_not_by_the_learned_values(
    path: str, learned: str, seen: str
) -> None:
    check = FieldCheck.compile(
        FieldPolicy(length=(len(learned), len(learned)), classes=["lower"], enum=[learned])
    )
    assert check_value(ROUTE, BodyField(path, seen), check, 1) == []


def test_a_standard_header_breaking_its_grammar_is_judged_on_what_was_learned() -> None:
    check = FieldCheck.compile(
        FieldPolicy(length=(16, 16), classes=["lower"], specials="/", enum=["application/json"])
    )
    alerts = check_value(ROUTE, BodyField("header.accept", "' OR '1'='1"), check, 1)
    assert {a.code for a in alerts} >= {"V101", "V106", "V109"}
    assert only(alerts, "V109").severity is H


def test_a_standard_header_with_dangerous_structure_alerts_high() -> None:
    check = FieldCheck.compile(FieldPolicy(length=(4, 40), classes=["lower"]))
    alerts = check_value(
        ROUTE, BodyField("header.user-agent", "Mozilla/5.0 ${jndi:ldap://x/a}"), check, 1
    )
    assert [(a.code, a.severity) for a in alerts] == [("V109", H)]


CRLF, CONTROL = int(Encoding.CRLF), int(Encoding.CONTROL)
NOTE: dict[str, Any] = {"length": (1, 80), "classes": ["lower", "space"], "shapes": ["text"]}


@pytest.mark.parametrize(
    ("text", "flags", "spec", "expected"),
    [
        pytest.param("line one\nline two", CRLF, NOTE, [("V107", L)], id="second-line-of-a-note"),
        pytest.param("line one\r\nline two", CRLF, NOTE, [("V107", L)], id="textarea-crlf"),
        pytest.param(
            "line one\n\x01two",
            CRLF | CONTROL,
            NOTE,
            [("V103", H), ("V107", H)],
            id="another-control-character",
        ),
        pytest.param("tom\nx", CRLF, {}, [("V103", H), ("V107", H)], id="in-a-word-field"),
    ],
)
def test_line_breaks_are_low_only_in_fields_that_learned_spaces(
    text: str, flags: int, spec: dict[str, Any], expected: list[tuple[str, Severity]]
) -> None:
    alerts = run(text, "json.note", flags, **spec)
    assert [(a.code, a.severity) for a in alerts if a.code in {"V103", "V107"}] == expected


@pytest.mark.parametrize(("kind", "severity"), [("null", L), ("string", M), ("object", M)])
def test_a_null_where_another_kind_was_learned_is_low(kind: str, severity: Severity) -> None:
    value = BodyField("json.age", "", kind=kind)
    [alert] = check_value(ROUTE, value, compiled(kinds=["number"]), 1)
    assert (alert.code, alert.severity, alert.seen) == ("V125", severity, kind)
