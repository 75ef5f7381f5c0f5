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
