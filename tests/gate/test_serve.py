"""Building a worker's core from its settings, and settling the heap once it listens."""

from __future__ import annotations

import gc
import io
from pathlib import Path

import pytest

from vigil.behavior.decision import Mode
from vigil.behavior.policy import Policy, save_policy
from vigil.gate.proxy_config import ProxyConfig
from vigil.gate.serve import GateSettings, build_core, settle_heap


def settings(policy: Path | None, mode: Mode | None) -> GateSettings:
    return GateSettings(
        proxy=ProxyConfig(upstream="http://127.0.0.1:9"),
        policy_path=str(policy) if policy is not None else None,
        mode=mode,
    )


@pytest.mark.parametrize(
    ("saved_mode", "override", "expected"),
    [
        (None, None, Mode.LEARN),
        (Mode.DETECT, None, Mode.DETECT),
        (Mode.DETECT, Mode.ENFORCE, Mode.ENFORCE),
    ],
)
def test_build_core_loads_the_policy_and_applies_the_mode(
    tmp_path: Path, saved_mode: Mode | None, override: Mode | None, expected: Mode
) -> None:
    path = tmp_path / "policy.yaml"
    if saved_mode is not None:
        save_policy(Policy.model_validate({"mode": saved_mode.value}), path)
    core = build_core(settings(path, override), stream=io.StringIO())
    assert core.engine.policy.mode is expected
    assert core.policy_path == path


def test_only_worker_zero_saves_the_policy(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    other = build_core(settings(path, None), worker=1, stream=io.StringIO())
    assert other.policy_path == path
    assert other.save() is None
    assert not path.exists()
    first = build_core(settings(path, None), worker=0, stream=io.StringIO())
    assert first.save() == path
    assert path.exists()


def test_settle_heap_freezes_what_exists() -> None:
    try:
        assert settle_heap() > 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_local_learning_continues_across_a_restart(tmp_path: Path) -> None:
    from vigil.behavior.learn import LearnSettings
    from vigil.http.model import Request

    path = tmp_path / "policy.yaml"
    learn = LearnSettings(min_clients=3, min_windows=2, window_seconds=60)
    first = build_core(
        GateSettings(
            proxy=ProxyConfig(upstream="http://127.0.0.1:9"), policy_path=str(path), learn=learn
        ),
        stream=io.StringIO(),
    )

    def visit(core: object, client: str, at: float) -> None:
        request = Request("GET", "/users", "username=alice", [], client=client, received_at=at)
        tx = core.inspect_request(request)  # type: ignore[attr-defined]
        core.finish(tx)  # type: ignore[attr-defined]

    for client in ("10.0.0.1", "10.0.0.2"):
        visit(first, client, 1_000.0)
    first.close()
    assert "GET /users" not in first.engine.policy.routes
    assert (tmp_path / "policy.stats.json").exists()

    log = io.StringIO()
    second = build_core(
        GateSettings(
            proxy=ProxyConfig(upstream="http://127.0.0.1:9"), policy_path=str(path), learn=learn
        ),
        stream=log,
    )
    assert '"event":"statistics-restored"' in log.getvalue()
    visit(second, "10.0.0.3", 1_070.0)
    second.close()
    assert "GET /users" in second.engine.policy.routes


def test_a_broken_statistics_file_is_logged_and_learning_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    (tmp_path / "policy.stats.json").write_text('{"kind": "Statistics", "schema": 99}')
    log = io.StringIO()
    core = build_core(settings(path, None), stream=log)
    assert '"event":"statistics-unreadable"' in log.getvalue()
    assert core.engine.stats == {}


@pytest.mark.parametrize(
    ("learner", "watch", "expected"),
    [(False, True, (True, True)), (False, False, (False, True)), (True, True, (False, False))],
)
def test_a_gate_that_follows_a_learner_does_not_reload_its_policy_file(
    tmp_path: Path, learner: bool, watch: bool, expected: tuple[bool, bool]
) -> None:
    from dataclasses import replace

    from vigil.gate.config import LearnerLink
    from vigil.gate.serve import build_reloader

    link = LearnerLink(url="http://127.0.0.1:9", service="users") if learner else None
    base = settings(tmp_path / "policy.yaml", None)
    _, reloader = build_reloader(
        replace(base, learner=link, watch_policy=watch), stream=io.StringIO()
    )
    assert (reloader.watch_policy, reloader.policy_on_hangup) == expected
