"""The gate's configuration file: validation with file and field in every error, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.behavior.decision import Mode
from vigil.behavior.promotion import PromotionSettings
from vigil.gate.config import (
    GateConfig,
    GateConfigError,
    load_gate_config,
    override,
)

FULL = """\
upstream: http://127.0.0.1:8080
listen: 0.0.0.0:8000
metrics_listen: 127.0.0.1:9100
policy: policies/users.yaml
mode: detect
learn_every: 500
learn_seconds: 30
workers: 2
log_level: warning
watch_policy: false
rules: rules/patches.yaml
signatures: false
reload_seconds: 5
bounds:
  max_in_flight: 64
  route_concurrency: 0
learner:
  url: http://learner.vigil:7070
  service: users
  token_file: secrets/token
  batch_size: 200
promotion:
  enforce: true
  enforce_quiet_hours: 24
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gate.yaml"
    path.write_text(text)
    return path


def test_a_full_file_loads_with_paths_relative_to_it(tmp_path: Path) -> None:
    config = load_gate_config(write(tmp_path, FULL))
    assert config.upstream == "http://127.0.0.1:8080"
    assert config.mode is Mode.DETECT
    assert config.workers == 2
    assert config.policy == tmp_path / "policies" / "users.yaml"
    assert config.learner is not None
    assert config.learner.url == "http://learner.vigil:7070"
    assert config.learner.token_file == tmp_path / "secrets" / "token"
    assert config.learner.batch_size == 200
    assert config.learner.flush_seconds == 2.0
    assert config.promotion.settings() == PromotionSettings(enforce=True, enforce_quiet_hours=24)
    assert config.rules == tmp_path / "rules" / "patches.yaml"
    assert (config.signatures, config.reload_seconds) == (False, 5.0)
    assert (config.bounds.max_in_flight, config.bounds.route_concurrency) == (64, 0)
    assert config.bounds.max_connections == GateConfig().bounds.max_connections


def test_an_empty_file_is_every_default(tmp_path: Path) -> None:
    assert load_gate_config(write(tmp_path, "")) == GateConfig()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("upstream: ftp://x\n", "upstream: upstream URL 'ftp://x' must start with http://"),
        ("listen: 8000\n", "listen: "),
        ("listen: '127.0.0.1:70000'\n", "listen: expected HOST:PORT"),
        ("mode: block\n", "mode: expected one of learn, detect, enforce, got 'block'"),
        ("workers: 0\n", "workers: "),
        ("log_level: loud\n", "log_level: "),
        ("listne: 127.0.0.1:1\n", "listne: unknown option"),
        ("learner:\n  url: http://l:1\n", "learner.service: Field required"),
        ("learner:\n  url: http://l:1\n  service: Users!\n", "learner.service: "),
        ("learner:\n  url: http://l:1/x\n  service: u\n", "learner.url: learner URL"),
        ("learner:\n  url: http://l:1\n  service: u\n  batch_size: 5000\n", "learner.batch_size"),
        ("bounds:\n  max_in_flight: 0\n", "bounds.max_in_flight: "),
        ("bounds:\n  max_inflight: 9\n", "bounds.max_inflight: unknown option"),
        ("reload_seconds: 0\n", "reload_seconds: "),
        ("promotion:\n  detect_samples: 0\n", "promotion.detect_samples: "),
        ("promotion:\n  enfroce: true\n", "promotion.enfroce: unknown option"),
        ("- a list\n", "expected a mapping of options, got list"),
        ("upstream: [unclosed\n", "invalid YAML"),
    ],
)
def test_errors_name_the_file_and_the_field(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(GateConfigError) as caught:
        load_gate_config(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert needle in message
    assert "\n" not in message


def test_unreadable_and_oversized_files(tmp_path: Path) -> None:
    with pytest.raises(GateConfigError, match="cannot read"):
        load_gate_config(tmp_path / "missing.yaml")
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (1 << 20) + "\n")
    with pytest.raises(GateConfigError, match="larger than"):
        load_gate_config(big)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(GateConfigError, match="not UTF-8"):
        load_gate_config(binary)


def test_options_override_the_file_and_merge_the_learner_section(tmp_path: Path) -> None:
    config = load_gate_config(write(tmp_path, FULL))
    merged = override(
        config, {"mode": Mode.ENFORCE, "workers": 1, "learner": {"service": "orders"}}
    )
    assert merged.mode is Mode.ENFORCE
    assert merged.workers == 1
    assert merged.upstream == config.upstream
    assert merged.learner is not None
    assert merged.learner.service == "orders"
    assert merged.learner.url == "http://learner.vigil:7070"
    assert override(config, {}) is config


def test_bound_options_override_the_files_bounds_section(tmp_path: Path) -> None:
    config = load_gate_config(write(tmp_path, FULL))
    merged = override(config, {"bounds": {"max_client_in_flight": 0}})
    assert merged.bounds.max_client_in_flight == 0
    assert merged.bounds.max_in_flight == 64


def test_a_bad_override_names_its_source() -> None:
    with pytest.raises(GateConfigError, match=r"^command line: workers: "):
        override(GateConfig(), {"workers": 0}, "command line")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("client:\n  source: forwarded\n", "needs at least one trusted proxy"),
        ("client:\n  source: header\n", "needs the header's name"),
        ("client:\n  source: forwarded\n  trusted_proxies: [10.0.0.0/33]\n", "is not an address"),
        ("client:\n  source: cookie\n", "client.source: "),
    ],
)
def test_client_identity_errors(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(GateConfigError, match="client") as caught:
        load_gate_config(write(tmp_path, text))
    assert needle in str(caught.value)


def test_client_identity_from_the_file(tmp_path: Path) -> None:
    config = load_gate_config(
        write(
            tmp_path,
            "client:\n  source: forwarded\n  trusted_proxies: [10.0.0.0/8, 127.0.0.1]\n"
            "  key_file: key\n",
        )
    )
    assert config.client.key_file == tmp_path / "key"
    identity = config.client.identity()
    assert identity.trusts("10.1.2.3")
    assert not identity.trusts("192.0.2.1")
