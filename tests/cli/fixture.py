"""The multi-team export (tests/fixtures/multi-team) and a runner for cluster commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from vigil.cli.main import cli

EXPORT = str(Path(__file__).resolve().parents[1] / "fixtures" / "multi-team" / "export.yaml")


def run(*args: str) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of ``vigil ARGS``."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str, code: int = 0) -> Any:
    """The JSON output of ``vigil ARGS --output json``, checking the exit code."""
    exit_code, out, err = run(*args, "--output", "json")
    assert exit_code == code, out + err
    return json.loads(out)
