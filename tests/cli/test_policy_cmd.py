"""``vigil policy show|check``: readable summaries, YAML, and one-line errors with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vigil.behavior.engine import Engine
from vigil.behavior.policy import save_policy
from vigil.cli.main import cli
from vigil.http.model import Request, Response


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    engine = Engine()
    for i in range(60):
        name = "abcdefghij"[: 3 + i % 7]
        request = Request("GET", "/users", f"username={name}&page={i % 3}", [("host", "svc")])
        request.client, request.received_at = f"10.0.0.{i % 5}", 1e9 + 60 * i
        decision = engine.inspect_request(request)
        engine.observe(
            engine.inspect_response(
                decision, Response(200, [("content-type", "application/json")], b'{"n": 1}')
            )
        )
    path = tmp_path / "policy.yaml"
    save_policy(engine.learn(), path)
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_show_table(policy_file: Path) -> None:
    code, out = run("policy", "show", str(policy_file))
    assert code == 0, out
    assert "version 1" in out
    assert "GET /users  mode=learn (default)  samples=60" in out
    assert "query.username" in out
    assert "field" in out
    assert "length" in out
    assert "response: statuses 200" in out
    page = next(line for line in out.splitlines() if "query.page" in line)
    assert "0,1,2" in page


def test_show_one_route_and_unknown_route(policy_file: Path) -> None:
    code, out = run("policy", "show", str(policy_file), "--route", "GET /users")
    assert code == 0
    code, out = run("policy", "show", str(policy_file), "--route", "GET /nope")
    assert code == 2
    assert "unknown route 'GET /nope'" in out


def test_show_yaml(policy_file: Path) -> None:
    code, out = run("policy", "show", str(policy_file), "--format", "yaml")
    assert code == 0
    assert out == policy_file.read_text()


def test_check_ok(policy_file: Path) -> None:
    code, out = run("policy", "check", str(policy_file))
    assert code == 0
    assert "ok (version 1, 1 route(s), mode learn)" in out


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("apiVersion: vigil.dev/v1\nkind: Policy\nmode: block\n", "mode"),
        ("apiVersion: vigil.dev/v1\nroutes:\n  users: {}\n", "routes"),
        ("a: [1,\n", "invalid YAML"),
        ("- 1\n", "expected a mapping"),
    ],
)
def test_check_invalid(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, out = run("policy", "check", str(path))
    assert code == 2
    assert needle in out
    assert str(path) in out
    assert len(out.strip().splitlines()) == 1


def test_check_missing_file(tmp_path: Path) -> None:
    code, out = run("policy", "check", str(tmp_path / "none.yaml"))
    assert code == 2
    assert "cannot read" in out


def test_show_prints_learning_progress_from_the_statistics(tmp_path: Path) -> None:
    import io

    from vigil.behavior.learn import LearnSettings
    from vigil.gate.core import GateCore, LearnEvery
    from vigil.gate.logging import GateLog

    path = tmp_path / "policy.yaml"
    core = GateCore(
        Engine(settings=LearnSettings(min_clients=2, min_windows=1)),
        log=GateLog(io.StringIO()),
        policy_path=path,
        learn_every=LearnEvery(None, None),
    )
    for i in range(30):
        request = Request("GET", "/users", "username=alice", [], client=f"10.0.0.{i % 2}")
        core.finish(core.inspect_request(request))
    core.finish(core.inspect_request(Request("GET", "/admin", "", [], client="192.0.2.1")))
    core.close()
    code, out = run("policy", "show", str(path))
    assert code == 0, out
    assert (
        "GET /users  mode=learn (default)  samples=30  block_score=3  clients 2  windows 1  ready"
        in out
    )
    assert "learning: 1 route(s) still gathering support: GET /admin" in out
