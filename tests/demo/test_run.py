"""``vigil demo`` end to end, and the demo's process handling (startup, stop, Ctrl-C)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vigil.demo import run
from vigil.demo.run import (
    Answer,
    DemoError,
    GateProcess,
    Outcome,
    problem_request_id,
    reason_of,
    render_table,
)
from vigil.demo.traffic import attacks, controls

VIGIL = str(Path(sys.executable).parent / "vigil")


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_demo_blocks_every_attack_and_passes_every_control(tmp_path: Path) -> None:
    kept = tmp_path / "learned.yaml"
    started = time.monotonic()
    result = subprocess.run(
        [VIGIL, "demo", "--requests", "1500", "--keep-policy", str(kept)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < 60
    out = result.stdout
    rows = {
        line.split("  ")[1].strip(): line
        for line in out.splitlines()
        if line.startswith(("ok ", "FAIL"))
    }
    for attack in attacks():
        assert "BLOCKED 403" in rows[attack.label], out
    for control in controls():
        assert "ALLOWED 200" in rows[control.label], out
    assert "7/7 attacks blocked, 6/6 benign controls passed" in out
    assert "ALL 50 users dumped" in rows["GET /users?username=' OR '1'='1"]
    assert "learning: 1500/1500 requests" in result.stderr
    assert "GET /users" in kept.read_text()


def test_ctrl_c_stops_everything(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [VIGIL, "demo", "--requests", "200000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("gate in learn mode"):
                break
        gates = children_of(proc.pid)
        assert gates, "the demo should have started a gate"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert not [pid for pid in gates if alive(pid)]


async def test_startup_failure_names_the_gate_and_its_stderr(tmp_path: Path) -> None:
    gate = GateProcess("learn", "ftp://nowhere", tmp_path / "p.yaml", "learn", tmp_path)
    with pytest.raises(DemoError, match=r"exited with status 2 before listening(.|\n)*--upstream"):
        await gate.start(timeout=20)
    await gate.stop(timeout=1)


async def test_startup_timeout_then_kill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        run, "gate_command", lambda: [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    gate = GateProcess("learn", "http://127.0.0.1:1", tmp_path / "p.yaml", "learn", tmp_path)
    with pytest.raises(DemoError, match="did not report 'gate-started' within 1 s"):
        await gate.start(timeout=1)
    assert gate.proc is not None
    # The sleeper dies of SIGTERM; stop returns its status.
    assert await gate.stop(timeout=5) == -signal.SIGTERM


async def test_stop_kills_a_gate_that_ignores_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        'print(\'{"event": "gate-started", "listen": "http://127.0.0.1:9"}\', flush=True)\n'
        "time.sleep(60)\n"
    )
    monkeypatch.setattr(run, "gate_command", lambda: [sys.executable, "-c", script])
    gate = GateProcess("enforce", "http://127.0.0.1:1", tmp_path / "p.yaml", "enforce", tmp_path)
    assert await gate.start(timeout=20) == "http://127.0.0.1:9"
    with pytest.raises(DemoError, match="did not stop within 1 s"):
        await gate.stop(timeout=1)
    assert gate.proc is not None
    assert gate.proc.poll() == -signal.SIGKILL


def test_alerts_are_matched_by_request_id(tmp_path: Path) -> None:
    gate = GateProcess("enforce", "http://127.0.0.1:1", tmp_path / "p.yaml", "enforce", tmp_path)
    gate.log_path.write_text(
        '{"event": "gate-started", "listen": "http://127.0.0.1:9"}\n'
        "not json\n"
        '{"event": "alert", "request_id": "r1", "phase": "request", "alerts": ['
        '{"code": "V104", "name": "length-out-of-range", "field": "query.username",'
        ' "expected": "length 1..13", "seen": "5000", "severity": "high"},'
        '{"code": "V110", "name": "unknown-field", "field": "query.x",'
        ' "expected": "a known field", "seen": "x", "severity": "medium"}]}\n'
        '{"event": "alert", "request_id": "r2", "phase": "response", "alerts": []}\n'
    )
    found = gate.alerts_by_request()
    assert set(found) == {"r1"}
    assert reason_of(found["r1"]) == (
        "[high] length-out-of-range query.username: expected length 1..13, seen 5000 (+1 more)"
    )
    assert reason_of([]) == ""


def test_problem_request_id() -> None:
    body = b'{"type": "x", "status": 403, "request_id": "abc"}'
    assert problem_request_id(Answer(403, "application/problem+json", "hdr", body)) == "abc"
    assert problem_request_id(Answer(403, "application/problem+json", "hdr", b"{")) == "hdr"
    assert problem_request_id(Answer(200, "application/json", None, b"{}")) is None


def test_table_marks_failures() -> None:
    attack, control = attacks()[1], controls()[0]
    outcomes = [
        Outcome(control, 200, False, None, "", "200: 1 user"),
        Outcome(attack, 200, False, None, "", "200: ALL 50 users dumped"),
    ]
    table = render_table(outcomes)
    assert "benign controls:" in table
    assert "attacks:" in table
    lines = table.splitlines()
    assert any(line.startswith("ok") and "ALLOWED 200" in line for line in lines)
    assert any(line.startswith("FAIL") and attack.label in line for line in lines)
    assert not outcomes[1].as_expected
    assert outcomes[0].as_expected
    assert Outcome(control, 403, True, "r", "x", "").as_expected is False
    assert Outcome(attack, 403, True, "r", "x", "").verdict == "BLOCKED 403"


def test_gate_command_uses_this_installation() -> None:
    command = run.gate_command()
    assert command[-1] == "gate"
    assert os.path.exists(command[0])
