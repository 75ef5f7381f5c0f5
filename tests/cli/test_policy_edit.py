"""``vigil policy diff|allow|mode`` on files and at a learner, as an operator uses them."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from tests.learner.builders import OPERATOR, TOKENS, USERS, sample
from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.policy import Policy, load_policy, save_policy
from vigil.behavior.wire import encode_batch
from vigil.cli.main import cli
from vigil.gate.core import GateCore
from vigil.gate.logging import GateLog
from vigil.http.model import Request
from vigil.learner.auth import Tokens
from vigil.learner.config import LearnerConfig, override
from vigil.learner.log import LearnerLog
from vigil.learner.server import RunningLearner, start_learner

POLICY: dict[str, Any] = {
    "mode": "enforce",
    "routes": {
        "GET /users": {
            "samples": 500,
            "fields": {
                "query.username": {
                    "samples": 500,
                    "length": [1, 12],
                    "classes": ["lower"],
                }
            },
        }
    },
}


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["policy", *args], input=stdin)
    return result.exit_code, result.output


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    save_policy(Policy.model_validate(POLICY), path)
    return path


def blocked_request(policy_file: Path, log: Path, name: str = "o'brien") -> tuple[str, GateCore]:
    with log.open("a") as stream:
        core = GateCore(Engine(load_policy(policy_file)), log=GateLog(stream))  # type: ignore[arg-type]
        tx = core.inspect_request(
            Request("GET", "/users", f"username={name}", [("x-request-id", "req-obrien-1")])
        )
    return tx.request_id if tx.blocked else "", core


def test_diff_of_two_files(policy_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    changed = Policy.model_validate(POLICY)
    route = changed.routes["GET /users"]
    field = route.fields["query.username"].model_copy(update={"specials": "'"})
    changed = changed.model_copy(
        update={
            "version": 2,
            "routes": {
                "GET /users": route.model_copy(update={"fields": {"query.username": field}})
            },
        }
    )
    save_policy(changed, other)
    code, out = run("diff", str(policy_file), str(other))
    assert code == 0
    assert "~ GET /users query.username specials: '' -> \"'\"" in out
    assert run("diff", str(policy_file), str(other), "--exit-code")[0] == 1
    code, out = run("diff", str(policy_file), str(policy_file), "--exit-code")
    assert (code, out.strip().splitlines()[-1]) == (0, "no differences")
    code, out = run("diff", str(policy_file), str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "cannot read" in out
    code, out = run("diff", "@1", "@latest")
    assert code == 2
    assert "needs --learner" in out


def test_allow_a_blocked_request_from_the_gate_log(policy_file: Path, tmp_path: Path) -> None:
    log = tmp_path / "gate.log"
    request_id, _ = blocked_request(policy_file, log)
    assert request_id == "req-obrien-1"
    code, out = run(
        "allow", str(policy_file), "--request-id", request_id, "--log", str(log), "--yes"
    )
    assert code == 0, out
    assert 'allow special character(s) "\'" in query.username of GET /users' in out
    assert "+ operator" in out
    decided = load_policy(policy_file)
    assert decided.operator.routes["GET /users"].fields["query.username"].allow is not None
    again, _ = blocked_request(policy_file, tmp_path / "after.log")
    assert again == ""
    other, _ = blocked_request(policy_file, tmp_path / "after.log", name="x%3Cscript%3E")
    assert other


def test_allow_asks_first_and_a_no_changes_nothing(policy_file: Path, tmp_path: Path) -> None:
    log = tmp_path / "gate.log"
    request_id, _ = blocked_request(policy_file, log)
    before = policy_file.read_bytes()
    code, out = run(
        "allow", str(policy_file), "--request-id", request_id, "--log", str(log), stdin="n\n"
    )
    assert code == 1
    assert "Aborted" in out
    assert policy_file.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--request-id", "nope-0001", "--log", "LOG"], "no alert of request nope-0001"),
        (["--request-id", "req-obrien-1"], "give the gate's log file(s) with --log"),
        (["--request-id", "x" * 200, "--log", "LOG"], "--request-id"),
    ],
)
def test_allow_errors(policy_file: Path, tmp_path: Path, args: list[str], needle: str) -> None:
    log = tmp_path / "gate.log"
    blocked_request(policy_file, log)
    code, out = run("allow", str(policy_file), *[str(log) if a == "LOG" else a for a in args])
    assert code == 2
    assert needle in out


def test_an_alert_no_decision_allows_is_named(policy_file: Path, tmp_path: Path) -> None:
    log = tmp_path / "gate.log"
    entry = {
        "event": "alert",
        "request_id": "req-big-1",
        "verdict": "block",
        "alerts": [
            {"code": "V120", "route": "POST /upload", "field": "body", "seen": "x", "expected": ""}
        ],
    }
    log.write_bytes(orjson.dumps(entry) + b"\n")
    code, out = run("allow", str(policy_file), "--request-id", "req-big-1", "--log", str(log))
    assert code == 2
    assert "not allowed: V120 body" in out
    assert "body.oversize" in out


def test_mode_of_a_route_in_a_file(policy_file: Path) -> None:
    code, out = run("mode", "GET /users", "detect", str(policy_file), "--yes")
    assert code == 0, out
    assert "mode" in out
    assert load_policy(policy_file).mode_of("GET /users") is Mode.DETECT
    code, out = run("mode", "GET /nope", "detect", str(policy_file), "--yes")
    assert code == 2
    assert "unknown route 'GET /nope'; known: GET /users" in out
    code, out = run("mode", "GET /users", "block", str(policy_file), "--yes")
    assert code == 2


@pytest.fixture
def running_learner(tmp_path: Path) -> Iterator[tuple[RunningLearner, Path]]:
    """A learner on its own thread and loop, so the blocking CLI client can call it."""
    ready = threading.Event()
    started: list[tuple[RunningLearner, asyncio.AbstractEventLoop, asyncio.Event]] = []
    config = override(
        LearnerConfig(),
        {
            "listen": "127.0.0.1:0",
            "database": str(tmp_path / "learner.db"),
            "learn": {"worker": "thread", "seconds": 0.05},
            "thresholds": {"clients": 3, "windows": 2, "window_seconds": 60},
        },
        "test",
    )

    async def main() -> None:
        running = await start_learner(
            config, Tokens.parse(TOKENS, "t"), log=LearnerLog(io.StringIO())
        )
        stop = asyncio.Event()
        started.append((running, asyncio.get_running_loop(), stop))
        ready.set()
        await stop.wait()
        await running.close()

    thread = threading.Thread(target=lambda: asyncio.run(main()))
    thread.start()
    assert ready.wait(30)
    running, loop, stop = started[0]
    token = tmp_path / "operator-token"
    token.write_text(OPERATOR)
    try:
        yield running, token
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)


def post(url: str, body: bytes) -> None:
    import urllib.request

    request = urllib.request.Request(
        f"{url}/v1/services/users/observations",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {USERS}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202


def wait_for(condition: Any, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)


def test_allow_and_mode_at_a_learner(running_learner: tuple[RunningLearner, Path]) -> None:
    learner, token = running_learner
    samples = [sample(client=c, time=1e9 + 60 * w) for w in range(2) for c in range(1, 6)]
    alert = {
        "code": "V101",
        "route": "GET /users",
        "field": "query.username",
        "expected": "specials 'none'",
        "seen": '"\'" in "o\'brien"',
        "severity": "high",
        "verdict": "block",
        "request_id": "req-at-learner",
    }
    post(learner.url, encode_batch("users", samples, alerts=[alert]))
    wait_for(lambda: learner.state.publications.get("users") is not None)
    options = ["--learner", learner.url, "--service", "users", "--token-file", str(token)]
    code, out = run("show", *options)
    assert code == 0, out
    assert "GET /users  mode=learn (default)" in out
    assert "clients 3  windows 2" in out
    code, out = run("allow", *options, "--request-id", "req-at-learner", "--yes")
    assert code == 0, out
    assert "recorded decision(s) 1" in out
    code, out = run("mode", "GET /users", "enforce", *options, "--yes")
    assert code == 0, out

    def enforced() -> bool:
        entry = learner.state.publications.get("users")
        return entry is not None and b'"mode":"enforce"' in entry.body

    wait_for(enforced)
    code, out = run("diff", "@1", "@latest", *options)
    assert code == 0, out
    assert "+ operator" in out
    code, out = run("show", *options)
    assert "mode=enforce (operator)" in out
    assert "operator: allow query.username" in out
    bad = token.parent / "bad-token"
    bad.write_text("not-the-operator-token-000000")
    code, out = run(
        "show", "--learner", learner.url, "--service", "users", "--token-file", str(bad)
    )
    assert code == 2
    assert "401 the token is not known" in out
