"""``vigil audit``: inputs (files, directories, stdin), formats, exit codes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigil.cli.main import cli

FIXTURES = Path(__file__).resolve().parents[1] / "audit" / "fixtures"
FAIL = str(FIXTURES / "VA003" / "fail.yaml")
PASS = str(FIXTURES / "VA003" / "pass.yaml")


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["audit", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_clean_input_exits_0() -> None:
    code, out, _ = run(PASS)
    assert code == 0
    assert out.strip().endswith("objects audited")


def test_findings_exit_1_and_fail_on_raises_the_bar() -> None:
    assert run(FAIL)[0] == 1
    assert run(FAIL, "--fail-on", "high")[0] == 1
    assert run(FAIL, "--fail-on", "critical")[0] == 0
    assert run(FAIL, "--fail-on", "never")[0] == 0


def test_stdin_and_directories() -> None:
    code, out, _ = run("-", "-o", "json", stdin=Path(FAIL).read_text(encoding="utf-8"))
    assert code == 1
    assert json.loads(out)["findings"][0]["file"] == "-"
    code, out, _ = run(str(FIXTURES / "VA012"), "-o", "json")
    files = {f["file"] for f in json.loads(out)["findings"]}
    assert files == {str(FIXTURES / "VA012" / "fail.yaml")}


def test_sarif_output_is_pure_json() -> None:
    code, out, _ = run(FAIL, "-o", "sarif")
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    assert log["runs"][0]["results"][0]["ruleId"] == "VA003"


def test_suppressions_file(tmp_path: Path) -> None:
    supp = tmp_path / "s.yaml"
    supp.write_text(
        "suppressions:\n- {check: VA003, namespace: data, reason: 'batch pool', expires: 2999-01-01}\n",
        encoding="utf-8",
    )
    code, out, _ = run(FAIL, "--suppressions", str(supp), "--show-suppressed")
    assert code == 0
    assert "[suppressed, file: batch pool]" in out


def test_policy_changes_the_verdict(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("reservedNodes: {allowedNamespaces: [kube-system, data]}\n", encoding="utf-8")
    assert run(FAIL, "--policy", str(policy))[0] == 0


def test_list_checks() -> None:
    code, out, _ = run("--list-checks")
    assert code == 0
    assert "## VA001 critical-beside-risky" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "no input"),
        (("missing.yaml",), "missing.yaml: no such file or directory"),
        (("--policy", "nope.yaml", PASS), "nope.yaml: no such file or directory"),
    ],
)
def test_bad_arguments_exit_2(args: tuple[str, ...], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert message in out + err
    assert "Traceback" not in out + err


def test_bad_manifest_and_policy_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nmetadata: {name: p}\nspec: {containers: 3}\n", encoding="utf-8")
    code, out, err = run(str(bad))
    assert code == 2
    assert f"{bad}:1: Pod default/p: spec.containers: expected a list" in out + err
    policy = tmp_path / "p.yaml"
    policy.write_text("tiers: [{name: x, minScore: -1}]\n", encoding="utf-8")
    code, out, err = run(PASS, "--policy", str(policy))
    assert code == 2
    assert "tiers[0].minScore" in out + err
    supp = tmp_path / "s.yaml"
    supp.write_text("suppressions: [{check: VA001}]\n", encoding="utf-8")
    code, out, err = run(PASS, "--suppressions", str(supp))
    assert code == 2
    assert "suppressions[0].reason: Field required" in out + err
