"""The pure benchmark scripts still run: their set-up learns and judges benign traffic.

Speed is not asserted here (that is each script's own job, against a baseline of the same run);
what is asserted is that a script gets through its set-up and prints its result lines, so a
change of the core (e.g. learning support counted in clients) cannot silently break one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPTS = [
    ("signatures.py", ["--seconds", "0.05", "--rounds", "1"], "1000 rules"),
    ("parsing.py", ["--seconds", "0.05"], "check + inspection"),
    ("inspect.py", ["--seconds", "0.05", "--gets", "64", "--posts", "16"], "inspections/s"),
]


@pytest.mark.parametrize(("script", "args", "expected"), SCRIPTS)
def test_the_benchmark_runs_through(script: str, args: list[str], expected: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    assert expected in done.stdout
