"""The demo's processes: startup waits, failures with stderr, stop then kill, log reading."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from vigil.demo.processes import DemoError, GateProcess, LearnerProcess, vigil_command


async def test_startup_failure_names_the_process_and_its_stderr(tmp_path: Path) -> None:
    gate = GateProcess("a", vigil_command("gate", "--upstream", "ftp://nowhere"), tmp_path)
    with pytest.raises(
        DemoError, match=r"the a gate exited with status 2 before listening(.|\n)*--upstream"
    ):
        await gate.start(timeout=20)
    await gate.stop(timeout=1)


async def test_startup_timeout_then_stop(tmp_path: Path) -> None:
    learner = LearnerProcess(
        "users", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path
    )
    with pytest.raises(DemoError, match="did not report 'learner-started' within 1 s"):
        await learner.start(timeout=1)
    assert learner.proc is not None
    assert await learner.stop(timeout=5) == -signal.SIGTERM


async def test_stop_kills_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    script = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        'print(\'{"event": "gate-started", "listen": "http://127.0.0.1:9"}\', flush=True)\n'
        "time.sleep(60)\n"
    )
    gate = GateProcess("b", [sys.executable, "-c", script], tmp_path)
    assert await gate.start(timeout=20) == "http://127.0.0.1:9"
    with pytest.raises(DemoError, match="did not stop within 1 s"):
        await gate.stop(timeout=1)
    assert gate.proc is not None
    assert gate.proc.poll() == -signal.SIGKILL


def test_alerts_and_policy_versions_are_read_from_the_log(tmp_path: Path) -> None:
    gate = GateProcess("a", ["true"], tmp_path)
    gate.log_path.write_text(
        '{"event": "gate-started", "listen": "http://127.0.0.1:9"}\n'
        "not json\n"
        '{"event": "policy-received", "version": 3}\n'
        '{"event": "alert", "request_id": "r1", "phase": "request", "alerts": ['
        '{"code": "V104", "field": "query.username", "severity": "high"}]}\n'
        '{"event": "alert", "request_id": "r2", "phase": "response", "alerts": []}\n'
        '{"event": "policy-received", "version": 5}\n'
    )
    assert set(gate.alerts_by_request()) == {"r1"}
    assert gate.policy_version() == 5


def test_commands_use_this_installation() -> None:
    command = vigil_command("gate")
    assert command[-1] == "gate"
    assert os.path.exists(command[0])
