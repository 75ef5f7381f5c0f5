"""GateCore: learning cadence, saving, and failure handling."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.gate.conftest import usernames
from vigil.behavior.decision import Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import Policy, load_policy, save_policy
from vigil.behavior.promotion import PromotionSettings
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
    core.flush()
    assert core.engine.policy.version == 0
    exchange(core, "final")
    core.flush()
    assert core.engine.policy.version == 1
    assert "GET /users" in core.engine.policy.routes
    assert '"event":"policy-learned"' in log.getvalue()


def test_learn_every_seconds_with_injected_clock() -> None:
    clock = Clock()
    core, _ = make(learn_every=LearnEvery(requests=None, seconds=60), clock=clock)
    exchange(core, "alice")
    core.flush()
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


def test_would_be_blocks_are_remembered_per_route_and_promotion_is_logged() -> None:
    wall = Clock()
    promotion = PromotionSettings(detect_samples=1, detect_quiet_hours=0.0)
    core, log = make(learn_every=LearnEvery(None, None), wall_clock=wall, promotion=promotion)
    for name in usernames(6):
        exchange(core, name)
    core.learn_now()
    assert core.engine.policy.mode_of("GET /users") is Mode.DETECT
    assert '"event":"route-promoted"' in log.getvalue()
    assert '"after":"detect"' in log.getvalue()
    exchange(core, "alice")
    assert core.last_would_block == {}
    wall.now = 250.0
    exchange(core, "x' union select password from users --")
    assert core.last_would_block == {"GET /users": 250.0}


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


def edit(path: Path, policy: Policy | str) -> None:
    """Write the file as an operator's editor would, moving its modification time."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(policy if isinstance(policy, str) else policy.to_yaml())
    os.utime(path, ns=(before + 10_000_000, before + 10_000_000))


def with_route_mode(policy: Policy, route: str, mode: Mode) -> Policy:
    routes = dict(policy.routes)
    routes[route] = routes[route].model_copy(update={"mode": mode})
    return policy.model_copy(update={"routes": routes})


def test_an_operator_edit_made_while_the_gate_learns_survives_the_stop(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    core, log = make(policy_path=path, learn_every=LearnEvery(None, None))
    for name in usernames(40):
        exchange(core, name)
    first = core.learn_now()
    assert load_policy(path) == first
    for name in usernames(40, seed=99):
        exchange(core, name)
    edit(path, with_route_mode(first, "GET /users", Mode.ENFORCE))
    core.close()
    saved = load_policy(path)
    assert saved.routes["GET /users"].mode is Mode.ENFORCE
    assert saved.version > first.version
    assert saved.routes["GET /users"].samples > first.routes["GET /users"].samples
    assert '"event":"policy-not-saved"' in log.getvalue()


def test_a_reload_after_an_edit_applies_the_edit_and_relearns_on_top(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    core, _ = make(policy_path=path, learn_every=LearnEvery(None, None))
    for name in usernames(40):
        exchange(core, name)
    first = core.learn_now()
    assert core.check_policy_file() is None
    edit(path, with_route_mode(first, "GET /users", Mode.DETECT))
    result = core.check_policy_file()
    assert result is not None
    assert result.loaded
    assert core.engine.policy.mode_of("GET /users") is Mode.DETECT
    assert core.check_policy_file() is None


@pytest.mark.parametrize(
    ("content", "outcome"),
    [("mode: sometimes\n", "invalid"), ("[1, 2\n", "invalid"), (None, "missing")],
)
def test_a_bad_reload_keeps_the_last_good_policy(
    tmp_path: Path, content: str | None, outcome: str
) -> None:
    path = tmp_path / "policy.yaml"
    save_policy(Policy(mode=Mode.ENFORCE, version=7), path)
    core, log = make(policy_path=path)
    core.reload_policy("start")
    good = core.engine.policy
    if content is None:
        path.unlink()
    else:
        edit(path, content)
    result = core.reload_policy("sighup")
    assert result.outcome.value == outcome
    assert core.engine.policy is good
    assert '"event":"policy-reload-failed"' in log.getvalue()
    text = core.metrics.exposition().decode()
    assert f'vigil_policy_reloads_total{{result="{outcome}",source="sighup"}} 1.0' in text


def test_a_command_line_mode_survives_reloads(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    save_policy(Policy(mode=Mode.LEARN, version=3), path)
    core, _ = make(policy_path=path, mode_override=Mode.ENFORCE)
    assert core.reload_policy().loaded
    assert core.engine.policy.mode is Mode.ENFORCE
    assert core.engine.policy.version == 3


def test_no_file_means_nothing_to_reload() -> None:
    core, _ = make()
    assert core.reload_policy().outcome.value == "no-file"
    assert core.check_policy_file() is None
    assert core.save() is None


def test_a_core_that_follows_a_learner_does_not_learn_locally() -> None:
    core, _ = make(learn_locally=False)
    assert exchange(core, "alice")
    assert len(core.observations) == 1
    assert core.learning is None
    assert core.learn_if_due() is None
    with pytest.raises(RuntimeError, match="learner"):
        core.learn_now()


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),
        ("127.0.0.1", "203.0.113.9, 127.0.0.1", "203.0.113.9"),
        ("192.0.2.50", "203.0.113.9", "192.0.2.50"),
    ],
)
def test_the_client_identity_is_resolved_before_judging(
    peer: str, forwarded: str, expected: str
) -> None:
    from vigil.behavior.exchange import Exchange
    from vigil.behavior.identity import IdentitySource

    core, _ = make(identity=IdentitySource.parse("forwarded", ["127.0.0.1/32"]))
    tx = core.inspect_request(
        Request("GET", "/users", "username=a", [("x-forwarded-for", forwarded)], client=peer)
    )
    exchange = tx.decision.observation
    assert isinstance(exchange, Exchange)
    assert exchange.request.client == expected


def test_learning_progress_is_exported_after_a_run() -> None:
    core = GateCore(
        Engine(settings=LearnSettings(min_clients=2, min_windows=1)),
        log=GateLog(io.StringIO()),
        learn_every=LearnEvery(None, None),
    )
    for i, name in enumerate(usernames(30)):
        request = Request("GET", "/users", f"username={name}", [("host", "svc")])
        request.client = f"10.0.0.{i % 3}"
        core.finish(core.inspect_request(request))
    scan = Request("GET", "/admin", "", [("host", "svc")], client="192.0.2.9")
    core.finish(core.inspect_request(scan))
    core.learn_now()
    text = core.metrics.exposition().decode()
    assert 'vigil_learning_route_samples{route="GET /users"} 30.0' in text
    assert 'vigil_learning_route_clients{route="GET /users"} 2.0' in text
    assert 'vigil_learning_route_ready{route="GET /users"} 1.0' in text
    assert "vigil_learning_routes_gathering 1.0" in text
    assert 'vigil_learning_route_samples{route="GET /admin"}' not in text


def test_a_buffered_observation_keeps_only_what_learning_needs() -> None:
    from vigil.behavior.exchange import Exchange

    core, _ = make(learn_locally=False)
    body = b'{"name": "' + b"abc " * 300 + b'"}'
    request = Request(
        "POST", "/items", "", [("content-type", "application/json")], body, client="10.0.0.1"
    )
    tx = core.inspect_request(request)
    core.inspect_response(tx, Response(200, [("content-type", "application/json")], b'{"ok": 1}'))
    assert core.finish(tx)
    (pending,) = core.observations.take()
    kept = pending.decision.observation
    assert isinstance(kept, Exchange)
    assert kept.context is None
    assert kept.request.body == b""
    assert kept.response is not None
    assert kept.response.body == b""
    assert pending.size > 1200
    assert core.engine.collector.sample(pending.decision) is not None


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
