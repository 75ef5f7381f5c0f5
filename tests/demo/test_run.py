"""``vigil demo`` end to end: a learner and two gates learn, enforce, block; Ctrl-C stops all."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from vigil.demo.run import Answer, problem_request_id
from vigil.demo.traffic import attacks, controls

VIGIL = str(Path(sys.executable).parent / "vigil")


def descendants_of(pid: int) -> list[int]:
    """Process ids below ``pid`` (children, grandchildren...; Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
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
        timeout=180,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < 120
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
    assert any("via a" in row for row in rows.values())
    assert any("via b" in row for row in rows.values())
    assert "7/7 attacks blocked, 6/6 benign controls passed" in out
    assert "ALL 50 users dumped" in rows["GET /users?username=' OR '1'='1"]
    assert "the learner merged their 1500 observations into policy version" in out
    assert "gates a and b follow it without a restart" in out
    assert "learning: 1500/1500 requests" in result.stderr
    assert "GET /users" in kept.read_text()
    assert "mode: enforce" in kept.read_text()


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
            if line.startswith("gate b in learn mode"):
                break
        started = descendants_of(proc.pid)
        assert len(started) >= 3, "the demo should have started a learner and two gates"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in started if alive(pid)]


def test_problem_request_id() -> None:
    body = b'{"type": "x", "status": 403, "request_id": "abc"}'
    assert problem_request_id(Answer(403, "application/problem+json", "hdr", body)) == "abc"
    assert problem_request_id(Answer(403, "application/problem+json", "hdr", b"{")) == "hdr"
    assert problem_request_id(Answer(200, "application/json", None, b"{}")) is None
