"""The learner's configuration: defaults, file validation naming file and field, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.learner.config import (
    LearnerConfig,
    LearnerConfigError,
    load_learner_config,
    override,
)


def test_defaults_are_documented_bounds() -> None:
    config = LearnerConfig()
    assert config.listen == "127.0.0.1:7070"
    assert config.sync == "full"
    assert config.bounds.request_bytes == 4 << 20
    assert config.bounds.observations_per_batch == 1000
    assert config.bounds.alerts_kept == 10_000
    assert config.learn.worker == "process"


def test_a_file_with_relative_paths(tmp_path: Path) -> None:
    path = tmp_path / "learner.yaml"
    path.write_text(
        "listen: 0.0.0.0:7070\ndatabase: data/learner.db\ntokens: secrets/tokens.yaml\n"
        "bounds:\n  alerts_kept: 50\nlearn:\n  seconds: 5\n"
    )
    config = load_learner_config(path)
    assert config.database == tmp_path / "data" / "learner.db"
    assert config.tokens == tmp_path / "secrets" / "tokens.yaml"
    assert config.bounds.alerts_kept == 50
    assert config.bounds.request_bytes == 4 << 20
    assert config.learn.seconds == 5


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("listen: nope\n", "listen: expected HOST:PORT"),
        ("listen: 7070\n", "listen: Input should be a valid string"),
        ("bounds:\n  alerts_kept: 0\n", "bounds.alerts_kept: Input should be greater than"),
        ("bounds:\n  alert_kept: 5\n", "bounds.alert_kept: unknown option"),
        ("learn:\n  worker: fork\n", "learn.worker: "),
        ("sync: sometimes\n", "sync: "),
        ("[1]\n", "expected a mapping"),
        ("listen: [\n", "invalid YAML"),
    ],
)
def test_errors_name_the_file_and_field(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "learner.yaml"
    path.write_text(text)
    with pytest.raises(LearnerConfigError) as caught:
        load_learner_config(path)
    assert str(caught.value).startswith(str(path))
    assert needle in str(caught.value)


def test_overrides_merge_sections() -> None:
    config = override(
        LearnerConfig(), {"listen": "127.0.0.1:0", "bounds": {"alerts_kept": 7}}, "command line"
    )
    assert config.listen == "127.0.0.1:0"
    assert config.bounds.alerts_kept == 7
    assert config.bounds.request_bytes == 4 << 20
    with pytest.raises(LearnerConfigError, match=r"^command line: listen: "):
        override(LearnerConfig(), {"listen": "nope"}, "command line")
