"""``vigil demo``: help and option errors (the full run is tested in tests/demo/test_run.py)."""

from __future__ import annotations

from click.testing import CliRunner

from vigil.cli.main import cli


def test_help() -> None:
    result = CliRunner().invoke(cli, ["demo", "--help"])
    assert result.exit_code == 0
    assert "--requests" in result.output
    assert "--keep-policy" in result.output


def test_listed_in_main_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "demo" in result.output


def test_unknown_option_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["demo", "--nope"])
    assert result.exit_code == 2
    assert "--nope" in result.output


def test_too_few_requests_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["demo", "--requests", "5"])
    assert result.exit_code == 2
    assert "--requests" in result.output


def test_keep_policy_in_a_missing_directory_is_a_usage_error(tmp_path: object) -> None:
    result = CliRunner().invoke(cli, ["demo", "--keep-policy", "/nonexistent/dir/policy.yaml"])
    assert result.exit_code == 2
    assert "--keep-policy" in result.output
