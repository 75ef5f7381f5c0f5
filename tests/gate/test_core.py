"""GateCore: learning cadence, saving, and failure handling."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.gate.conftest import usernames
from vigil.behavior.decision import Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import Policy, load_policy
from vigil.gate.core import (
    GateCore,
    LearnEvery,
    bounded_state,
    requote,
)
from vigil.gate.logging import GateLog
from vigil.http.model import BodyState, Request, Response

ONE_CLIENT = LearnSettings(min_clients=1, min_windows=1)
"""These tests send from one client within a second: support is counted in samples alone."""


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def exchange(core: GateCore, name: str) -> bool:
    tx = core.inspect_request(Request("GET", "/users", f"username={name}", [("host", "svc")]))
    core.inspect_response(
        tx, Response(200, [("content-type", "application/json")], b'{"ok": true}')
    )
    return core.finish(tx)


def make(**kwargs: object) -> tuple[GateCore, io.StringIO]:
    log = io.StringIO()
    return GateCore(Engine(settings=ONE_CLIENT), log=GateLog(log), **kwargs), log  # type: ignore[arg-type]


def test_learn_every_requests() -> None:
    core, log = make(learn_every=LearnEvery(requests=30, seconds=None))
    for name in usernames(29):
        assert exchange(core, name)
    assert core.engine.policy.version == 0
    exchange(core, "final")
    assert core.engine.policy.version == 1
    assert "GET /users" in core.engine.policy.routes
    assert '"event":"policy-learned"' in log.getvalue()


def test_learn_every_seconds_with_injected_clock() -> None:
    clock = Clock()
    core, _ = make(learn_every=LearnEvery(requests=None, seconds=60), clock=clock)
    exchange(core, "alice")
    assert not core.learning_due()
    clock.now += 61
    assert core.learning_due()
    assert core.learn_if_due() is not None
    assert core.engine.policy.version == 1
    clock.now += 61
    assert core.learn_if_due() is None


def test_only_learning_routes_are_observed() -> None:
    core, _ = make(learn_every=LearnEvery(None, None))
    core.engine.set_mode(Mode.DETECT)
    assert not exchange(core, "alice")
    core.engine.set_mode(Mode.LEARN)
    assert exchange(core, "alice")


def test_finish_is_idempotent() -> None:
    core, _ = make(learn_every=LearnEvery(None, None))
    tx = core.inspect_request(Request("GET", "/a"))
    assert core.finish(tx)
    assert not core.finish(tx)


def test_save_on_close_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    core, _ = make(policy_path=path, learn_every=LearnEvery(None, None))
    for name in usernames(40):
        exchange(core, name)
    core.close()
    saved = load_policy(path)
    assert saved == core.engine.policy
    assert saved.version == 1
    assert not list(tmp_path.glob("*.tmp"))


class Broken(Engine):
    def inspect_request(self, request: Request) -> object:  # type: ignore[override]
        raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("mode", "verdict"), [(Mode.LEARN, Verdict.ALLOW), (Mode.ENFORCE, Verdict.BLOCK)]
)
def test_engine_failure_fails_closed_only_when_enforcing(mode: Mode, verdict: Verdict) -> None:
    log = io.StringIO()
    core = GateCore(Broken(Policy(mode=mode)), log=GateLog(log))  # type: ignore[call-arg]
    tx = core.inspect_request(Request("GET", "/x"))
    assert tx.decision.verdict is verdict
    assert '"event":"inspection-error"' in log.getvalue()
    assert "boom" not in log.getvalue()
    assert "vigil_inspection_errors_total 1.0" in core.metrics.exposition().decode()


def test_bounded_state() -> None:
    assert bounded_state(10, 10, True, True) is BodyState.COMPLETE
    assert bounded_state(11, 10, False, True) is BodyState.TRUNCATED
    assert bounded_state(11, 10, False, False) is BodyState.UNKNOWN_LENGTH


def test_requote() -> None:
    assert requote("/a b/caf\u00e9/%41") == "/a%20b/caf%C3%A9/%41"
    assert requote("") == "/"


@pytest.mark.parametrize("mode", list(Mode))
def test_ambiguous_requests_are_refused_in_every_mode_before_the_engine(mode: Mode) -> None:
    core, log = make()
    core.engine.set_mode(mode)
    request = Request("GET", "/profile%2f%27%20OR%201=1", "", [("x-request-id", "rid-1")])
    tx = core.inspect_request(request)
    assert tx.blocked
    assert tx.refusal is not None
    assert tx.refusal.code.value == "encoded-slash"
    answer = core.blocked(tx)
    assert answer.status == 400
    assert b"ambiguous-request" in answer.body
    assert b"%2f" not in answer.body
    assert not core.finish(tx)
    assert core.engine.stats == {}
    line = log.getvalue().splitlines()[-1]
    assert '"event":"request-refused"' in line
    assert '"code":"encoded-slash"' in line
    assert '"request_id":"rid-1"' in line
    assert 'vigil_ambiguous_requests_total{reason="encoded-slash"} 1.0' in (
        core.metrics.exposition().decode()
    )


def test_an_ordinary_request_is_not_refused() -> None:
    core, _ = make()
    tx = core.inspect_request(Request("GET", "/users", "q=a%2Fb", [("host", "svc")]))
    assert tx.refusal is None
    assert not tx.blocked
