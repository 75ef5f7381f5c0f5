"""Project-wide quality gates run as tests, so the one test command checks them too."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    tool = BIN / args[0]
    if not tool.exists() and shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} is not installed: install the dev extras")
    command = [str(tool) if tool.exists() else args[0], *args[1:]]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("ruff", "check", "src", "tests", "benchmarks"), id="ruff-lint"),
        pytest.param(("ruff", "format", "--check", "src", "tests", "benchmarks"), id="ruff-format"),
        pytest.param(("mypy", "--strict", "src"), id="mypy-strict"),
        pytest.param(("lint-imports",), id="import-contracts"),
    ],
)
def test_quality_gate(args: tuple[str, ...]) -> None:
    result = _run(*args)
    assert result.returncode == 0, (
        f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    )
