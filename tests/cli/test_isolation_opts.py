"""``vigil schedule --isolation POLICY.yaml [--alerts FILE]``: end to end and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.scheduling.isolation.harness import critical_node, node, pod
from vigil.cli.main import cli


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def cluster(tmp_path: Path) -> str:
    manifests = [
        critical_node("crit-1"),
        node("gen-1"),
        node("gen-2"),
        pod("agent", "ops", node_name="gen-1", privileged=True),
        pod("pay", "payments", critical=True),
        pod("web", "web"),
    ]
    return _write(tmp_path, "cluster.yaml", "---\n".join(manifests))


def test_isolation_keeps_tiers_apart(tmp_path: Path, cluster: str) -> None:
    policy = _write(tmp_path, "policy.yaml", "apiVersion: vigil.dev/v1\nkind: PosturePolicy\n")
    result = CliRunner().invoke(cli, ["schedule", cluster, "--isolation", policy, "-o", "json"])
    assert result.exit_code == 0, result.output
    placed = {o["pod"]: o["node"] for o in json.loads(result.output)}
    assert placed == {"payments/pay": "crit-1", "web/web": "gen-2"}


def test_explain_names_the_plugin(tmp_path: Path, cluster: str) -> None:
    policy = _write(tmp_path, "policy.yaml", "")
    result = CliRunner().invoke(cli, ["schedule", cluster, "--isolation", policy, "--explain"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Isolation" in text
    assert "were reserved for isolation tier critical" in text


def test_alerts_raise_the_risk(tmp_path: Path) -> None:
    manifests = [
        node("gen-1"),
        pod("pay", "payments", node_name="gen-1", critical=True),
        pod("web", "web"),
    ]
    cluster = _write(tmp_path, "c.yaml", "---\n".join(manifests))
    policy = _write(
        tmp_path,
        "p.yaml",
        "isolation: [{tier: critical, separateFrom: [high-risk]}]\n"
        "risk: {weights: {alerts: {cap: 100}}}\n",
    )
    alerts = _write(
        tmp_path,
        "a.jsonl",
        json.dumps({"pod": "web/web", "alerts": [{"severity": "critical"}] * 3}) + "\n",
    )
    calm = CliRunner().invoke(cli, ["schedule", cluster, "--isolation", policy, "-o", "json"])
    assert json.loads(calm.output)[0]["node"] == "gen-1"
    hot = CliRunner().invoke(
        cli, ["schedule", cluster, "--isolation", policy, "--alerts", alerts, "-o", "json"]
    )
    out = json.loads(hot.output)[0]
    assert out["node"] is None
    assert "node(s) had pods of tier critical, isolated from tier high-risk" in out["message"]


@pytest.mark.parametrize(
    ("policy_text", "alerts_text", "message"),
    [
        ("tiers: 3\n", None, "p.yaml: tiers: Input should be a valid list"),
        ("risk: {weights: {hostPID: x}}\n", None, "risk.weights.hostPID"),
        ("", "nope\n", "a.jsonl: line 1: not a JSON object"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, cluster: str, policy_text: str, alerts_text: str | None, message: str
) -> None:
    args = ["schedule", cluster, "--isolation", _write(tmp_path, "p.yaml", policy_text)]
    if alerts_text is not None:
        args += ["--alerts", _write(tmp_path, "a.jsonl", alerts_text)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_policy_and_alerts_without_policy(tmp_path: Path, cluster: str) -> None:
    missing = CliRunner().invoke(cli, ["schedule", cluster, "--isolation", str(tmp_path / "x")])
    assert missing.exit_code == 2
    assert "no such file" in missing.output
    alone = CliRunner().invoke(cli, ["schedule", cluster, "--alerts", str(tmp_path / "x")])
    assert alone.exit_code == 2
    assert "--alerts needs --isolation" in alone.output
