"""``vigil gate``'s availability options: checked values, passed to ProxyConfig unchanged."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from vigil.cli import gate_cmd
from vigil.cli.main import cli
from vigil.gate.proxy_config import ProxyConfig
from vigil.gate.serve import GateSettings

UPSTREAM = ["--upstream", "http://127.0.0.1:8080"]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--max-connections", "0"),
        ("--max-client-connections", "-1"),
        ("--max-client-in-flight", "many"),
        ("--first-byte-timeout", "0"),
        ("--min-body-rate", "-5"),
        ("--route-concurrency", "1.5"),
        ("--route-queue", "-1"),
    ],
)
def test_bad_bounds_exit_2_naming_the_option(option: str, value: str) -> None:
    result = CliRunner().invoke(cli, ["gate", *UPSTREAM, option, value])
    assert result.exit_code == 2
    assert option in result.output
    assert "Traceback" not in result.output


def captured_config(monkeypatch: pytest.MonkeyPatch, *args: str) -> ProxyConfig:
    seen: list[GateSettings] = []

    def fake_run(settings: GateSettings, workers: int = 1) -> int:
        seen.append(settings)
        return 0

    monkeypatch.setattr(gate_cmd, "run", fake_run)
    result = CliRunner().invoke(cli, ["gate", *UPSTREAM, *args])
    assert result.exit_code == 0, result.output
    return seen[0].proxy


def test_defaults_are_proxy_configs(monkeypatch: pytest.MonkeyPatch) -> None:
    config = captured_config(monkeypatch)
    assert config == ProxyConfig(upstream=UPSTREAM[1], host="127.0.0.1", port=8000, metrics_port=0)


def test_every_bound_reaches_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    config = captured_config(
        monkeypatch,
        *("--max-connections", "100", "--max-client-connections", "0"),
        *("--max-in-flight", "50", "--max-client-in-flight", "5", "--max-receiving", "20"),
        *("--first-byte-timeout", "2.5", "--min-body-rate", "0", "--body-rate-grace", "1"),
        *("--upstream-connections", "32", "--route-concurrency", "4", "--route-queue", "2"),
        *("--refusal-hold", "0.5"),
    )
    assert (config.max_connections, config.max_client_connections) == (100, 0)
    assert (config.max_in_flight, config.max_client_in_flight, config.max_receiving) == (50, 5, 20)
    assert (config.first_byte_timeout, config.min_body_rate, config.body_rate_grace) == (
        2.5,
        0.0,
        1.0,
    )
    assert (config.upstream_connections, config.refusal_hold) == (32, 0.5)
    assert config.route_shares() == (4, 2)
