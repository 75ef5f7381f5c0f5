"""``vigil eval``: errors, and the CSIC 2010 result when the data set is present."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigil.cli.main import cli

CSIC = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "csic2010"


def test_missing_data_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "normalTrafficTraining.txt.gz: train file not found" in result.output


def test_unreadable_capture_is_a_usage_error(tmp_path: Path) -> None:
    for name in (
        "normalTrafficTraining.txt.gz",
        "normalTrafficTest.txt.gz",
        "anomalousTrafficTest.txt.gz",
    ):
        (tmp_path / name).write_bytes(b"not gzip")
    result = CliRunner().invoke(cli, ["eval", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "normalTrafficTraining.txt.gz: cannot read: Not a gzipped file" in result.output


@pytest.mark.skipif(
    not (CSIC / "anomalousTrafficTest.txt.gz").is_file(), reason="CSIC 2010 not present"
)
def test_csic2010_meets_the_detection_and_real_world_targets(tmp_path: Path) -> None:
    policy = tmp_path / "csic.yaml"
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            "--data",
            str(CSIC),
            "--output",
            "json",
            "--save-policy",
            str(policy),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["trained"] == 36000
    assert report["true_positives"] + report["false_negatives"] == 25065
    assert report["false_positives"] + report["true_negatives"] == 36000
    assert report["detection_rate"] >= 0.95
    assert report["false_positive_rate"] <= 0.01
    assert "GET /tienda1/publico/anadir.jsp" in policy.read_text()
    sets = {entry["name"]: entry for entry in report["benign_sets"]}
    assert sets["people"]["total"] == 12000
    assert sets["people"]["false_positive_rate"] <= 0.02
    assert sets["clients"]["total"] == 36000
    assert sets["clients"]["false_positive_rate"] <= 0.02
    assert report["half_split"] is None


def test_help_explains_the_benign_sets() -> None:
    result = CliRunner().invoke(cli, ["eval", "--help"])
    assert result.exit_code == 0
    assert "--people-per-form" in result.output
    assert "--half-split" in result.output
