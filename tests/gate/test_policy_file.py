"""The policy file: fingerprints, change detection, and saves that never overwrite an edit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vigil.behavior.decision import Mode
from vigil.behavior.policy import Policy, PolicyError, save_policy
from vigil.gate.policy_file import PolicyFile, SaveOutcome, fingerprint


def policy(version: int, mode: Mode = Mode.LEARN) -> Policy:
    return Policy.model_validate({"version": version, "mode": mode.value})


def edit(path: Path, text: str) -> None:
    """Write like an editor, making sure the modification time moves."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 10_000_000, before + 10_000_000))


def test_a_missing_file_loads_as_none_and_is_saved(tmp_path: Path) -> None:
    file = PolicyFile(tmp_path / "p.yaml")
    assert file.load() is None
    assert not file.changed()
    saved = file.save(policy(1))
    assert saved.saved
    assert file.load() == policy(1)
    assert not file.changed()


def test_touch_is_not_a_change(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    save_policy(policy(1), path)
    file = PolicyFile(path)
    file.load()
    edit(path, path.read_text())
    assert not file.changed()
    assert file.save(policy(2)).saved


@pytest.mark.parametrize("valid", [True, False])
def test_an_edit_is_never_written_over(tmp_path: Path, valid: bool) -> None:
    path = tmp_path / "p.yaml"
    save_policy(policy(1), path)
    file = PolicyFile(path)
    file.load()
    edited = policy(1, Mode.ENFORCE).to_yaml() if valid else "mode: sometimes\n"
    edit(path, edited)
    assert file.changed()
    saved = file.save(policy(2))
    assert saved.outcome is SaveOutcome.EDITED
    assert "kept the edit" in saved.reason
    assert path.read_text() == edited
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_invalid_edit_is_reported_once_then_a_fix_is_a_change(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    save_policy(policy(1), path)
    file = PolicyFile(path)
    file.load()
    edit(path, "mode: sometimes\n")
    assert file.changed()
    with pytest.raises(PolicyError, match="mode"):
        file.load()
    assert not file.changed()
    assert file.edited()
    assert not file.save(policy(2)).saved
    edit(path, policy(3, Mode.DETECT).to_yaml())
    assert file.changed()
    assert file.load() == policy(3, Mode.DETECT)
    assert file.save(policy(4)).saved


def test_a_deleted_file_is_a_change_and_is_written_again_after_reading(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    save_policy(policy(1), path)
    file = PolicyFile(path)
    file.load()
    path.unlink()
    assert file.changed()
    assert file.load() is None
    assert file.save(policy(2)).saved
    assert path.exists()


def test_a_swapped_file_with_the_same_content_is_not_a_change(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    save_policy(policy(1), path)
    file = PolicyFile(path)
    file.load()
    other = tmp_path / "new.yaml"
    other.write_text(path.read_text())
    other.replace(path)
    assert not file.changed()


def test_fingerprint_of_a_missing_file() -> None:
    assert fingerprint(Path("/nonexistent/policy.yaml")) is None
