"""Reading rule files: valid files load, every mistake is reported with file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from vigil.signatures.rules.schema import Action, RuleSeverity
from vigil.signatures.rules.source import MAX_FILE_BYTES, RulesError, load_rules, parse_rules

VALID = """\
apiVersion: vigil.dev/v1
kind: Rules
rules:
  - id: CVE-2024-0001-login
    reference: https://nvd.nist.gov/vuln/detail/CVE-2024-0001
    severity: critical
    action: block
    expires: 2030-12-31
    route: POST /login
    fields: form.username
    require:
      regex: '^[a-z]{1,32}$'
  - id: no-sqli-in-search
    fields: [query.q, header.User-Agent]
    forbid:
      detector: sqli
"""


def test_a_valid_file_loads() -> None:
    rules = parse_rules(VALID).rules
    assert [r.id for r in rules] == ["CVE-2024-0001-login", "no-sqli-in-search"]
    patch, signature = rules
    assert patch.is_patch
    assert (patch.severity, patch.action) == (RuleSeverity.CRITICAL, Action.BLOCK)
    assert patch.fields == ["form.username"]
    assert patch.expiry() == dt.datetime(2030, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
    assert not signature.is_patch
    assert (signature.severity, signature.action) == (RuleSeverity.HIGH, Action.ALERT)


def rule(body: str) -> str:
    return "rules:\n  - id: r1\n" + "".join(f"    {line}\n" for line in body.splitlines())


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            rule("forbid: {regex: '(a'}"),
            "r.yaml:3: rules[0].forbid.regex: invalid RE2 pattern: missing ): (a",
        ),
        (
            rule("forbid: {regex: '(?<=a)b'}"),
            "r.yaml:3: rules[0].forbid.regex: invalid RE2 pattern",
        ),
        (
            rule("fields: [nope.x]\nforbid: {regex: x}"),
            "r.yaml:3: rules[0].fields: unknown field selector 'nope.x'",
        ),
        (rule("forbid: {}"), "r.yaml:3: rules[0].forbid: a condition needs regex, equals"),
        (
            rule("require: {regex: x}\nforbid: {regex: x}"),
            "r.yaml:2: rules[0]: a rule has exactly one of require",
        ),
        (
            rule("expires: 2026-13-01\nforbid: {regex: x}"),
            "r.yaml:3: rules[0].expires: Input should be a valid",
        ),
        (
            rule("forbid: {length: {min: 5, max: 2}}"),
            "r.yaml:3: rules[0].forbid.length: min 5 is above max 2",
        ),
        (rule("forbid: {type: number}"), "r.yaml:3: rules[0].forbid.type: Input should be 'int'"),
        (
            rule("forbid: {detector: sqlx}"),
            "r.yaml:3: rules[0].forbid.detector: Input should be 'sqli'",
        ),
        (
            rule("severity: huge\nforbid: {regex: x}"),
            "r.yaml:3: rules[0].severity: Input should be 'low'",
        ),
        (
            rule("route: /login\nforbid: {regex: x}"),
            "r.yaml:3: rules[0].route: route '/login' must read",
        ),
        (
            rule("methods: [get]\nforbid: {regex: x}"),
            "r.yaml:3: rules[0].methods: methods are upper-case",
        ),
        (
            rule("forbid: {regex: x}\ncolour: red"),
            "r.yaml:4: rules[0].colour: Extra inputs are not permitted",
        ),
        (
            rule("fields: [query.a, response.body]\nforbid: {regex: x}"),
            "r.yaml:2: rules[0]: a rule selects request fields or response fields",
        ),
        (
            "rules:\n  - id: a\n    forbid: {regex: x}\n  - id: a\n    forbid: {regex: y}\n",
            "r.yaml:4: rules[1].id: 'a' is already the id of rules[0]",
        ),
        (
            "rules:\n  - id: 'bad id'\n    forbid: {regex: x}\n",
            "r.yaml:2: rules[0].id: an id is 1-128 letters",
        ),
        ("kind: Rules\nkind: Rules\n", "r.yaml:2: kind: duplicate key"),
        ("kind: Policy\n", "r.yaml:1: kind: Input should be 'Rules'"),
        ("rules: [\n", "r.yaml:2: invalid YAML"),
        ("- a\n- b\n", "r.yaml:1: expected a mapping"),
        ("{[a]: 1}", "r.yaml:1: invalid YAML: found unhashable key"),
    ],
)
def test_mistakes_name_file_line_and_field(text: str, problem: str) -> None:
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "r.yaml")
    assert str(caught.value).startswith(problem), str(caught.value)


def test_every_problem_is_listed() -> None:
    text = rule("severity: huge\nforbid: {regex: x}\ncolour: red")
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "r.yaml")
    assert caught.value.problems == [
        "r.yaml:3: rules[0].severity: Input should be 'low', 'medium', 'high' or 'critical'",
        "r.yaml:5: rules[0].colour: Extra inputs are not permitted",
    ]


def test_an_empty_file_has_no_rules() -> None:
    assert parse_rules("").rules == []


def test_files_are_read_with_their_path(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(rule("forbid: {regex: '(a'}"))
    with pytest.raises(RulesError, match=r"rules\.yaml:3: rules\[0\]\.forbid\.regex"):
        load_rules(path)
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")
    path.write_bytes(b"rules: []\n\xff")
    with pytest.raises(RulesError, match="not UTF-8"):
        load_rules(path)


def test_oversized_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vigil.signatures.rules import source

    monkeypatch.setattr(source, "MAX_FILE_BYTES", 16)
    path = tmp_path / "big.yaml"
    path.write_text("rules: []\n" * 4)
    with pytest.raises(RulesError, match="larger than 16 bytes"):
        load_rules(path)
    assert MAX_FILE_BYTES == 8 << 20
