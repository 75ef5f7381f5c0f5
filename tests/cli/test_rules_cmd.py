"""``vigil rules lint`` and ``vigil rules test``: results, reasons and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigil.cli.main import cli

RULES = """\
apiVersion: vigil.dev/v1
kind: Rules
rules:
  - id: CVE-2026-0001-users
    reference: https://example.test/advisories/CVE-2026-0001
    action: block
    route: GET /users
    fields: query.username
    require: {regex: '^[a-z]{1,32}$'}
  - id: no-sqli
    forbid: {detector: sqli}
  - id: admin
    route: POST /admin/*
    forbid: {regex: zzz}
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["rules", *args])
    return result.exit_code, result.output


def test_a_request_that_breaks_the_patch(rules: Path) -> None:
    code, out = run("test", str(rules), "--request", "GET /users?username=tom'--", "--detectors")
    assert code == 0
    assert "CVE-2026-0001-users  (virtual patch)  FIRES -> block (high)" in out
    assert '! query.username = "tom\'--": does not match ^[a-z]{1,32}$' in out
    assert "no-sqli  (signature)  FIRES -> alert (high)" in out
    assert "admin  (signature)  not applied: request is outside POST /admin/*" in out
    assert "! sqli: query.username: expected no SQL injection" in out
    assert out.strip().endswith("result: blocked by CVE-2026-0001-users (action block)")


def test_a_clean_request(rules: Path) -> None:
    code, out = run("test", str(rules), "--request", "GET /users?username=tom")
    assert code == 0
    assert "rules (0 of 3 fire)" in out
    assert out.strip().endswith("result: no rule fires")


def test_json_output_and_bodies(rules: Path) -> None:
    code, out = run(
        "test",
        str(rules),
        "--request",
        "POST /admin/users",
        "--data",
        "q=1 union select 1,2",
        "--output",
        "json",
    )
    assert code == 0
    report = json.loads(out)
    fired = {r["id"]: r["fired"] for r in report["rules"]}
    assert fired == {"CVE-2026-0001-users": False, "no-sqli": True, "admin": False}
    (sqli,) = [r for r in report["rules"] if r["id"] == "no-sqli"]
    assert [f["field"] for f in sqli["fields"] if f["fired"]] == ["form.q"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--request", "GET users"], "expected 'METHOD /path?query'"),
        (["--request", "GET /x", "-H", "broken"], "expected 'Name: value'"),
        (["--request", "GET /x", "--at", "yesterday"], "expected an ISO date"),
    ],
)
def test_bad_options_exit_2(rules: Path, args: list[str], needle: str) -> None:
    code, out = run("test", str(rules), *args)
    assert code == 2
    assert needle in out


def test_an_invalid_file_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - id: a\n    forbid: {regex: '(a'}\n")
    code, out = run("test", str(path), "--request", "GET /")
    assert code == 2
    assert (
        out.strip() == f"Error: {path}:3: rules[0].forbid.regex: invalid RE2 pattern: missing ): (a"
    )


def test_lint_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - id: a\n    forbid: {regex: '(a'}\n    colour: x\n")
    code, out = run("lint", str(path))
    assert code == 2
    assert out.splitlines() == [
        f"{path}:3: rules[0].forbid.regex: invalid RE2 pattern: missing ): (a",
        f"{path}:4: rules[0].colour: Extra inputs are not permitted",
    ]


def test_lint_summarises_and_warns(tmp_path: Path, rules: Path) -> None:
    code, out = run("lint", str(rules))
    assert (code, out.strip()) == (
        0,
        f"{rules}: 3 rules (1 virtual patches, 2 signatures), 0 warnings",
    )
    loose = tmp_path / "loose.yaml"
    loose.write_text("rules:\n  - id: l\n    require: {regex: '[0-9]+'}\n")
    code, out = run("lint", str(loose), "--strict")
    assert code == 1
    assert "rule l: warning: require regex '[0-9]+' is not anchored" in out
    code, out = run("lint", str(loose), "--output", "json")
    assert code == 0
    assert json.loads(out)["warnings"][0]["rule"] == "l"


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    code, out = run("lint", str(tmp_path / "none.yaml"))
    assert code == 2
    assert "none.yaml: cannot read: No such file or directory" in out
