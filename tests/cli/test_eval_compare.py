"""``vigil eval --compare`` on small data sets written by the test (CSIC format and CRS YAML)."""

from __future__ import annotations

import gzip
import json
import random
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from vigil.cli.main import cli


def raw_get(query: str) -> str:
    return (
        f"GET http://localhost:8080/tienda1/publico/buscar.jsp?{query} HTTP/1.1\n"
        "User-Agent: Mozilla/5.0 (compatible; Konqueror/3.5; Linux)\n"
        "Host: localhost:8080\n"
        "Connection: close\n\n\n"
    )


def write_csic(folder: Path, seed: int = 5) -> None:
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9)))

    normal = [raw_get(f"texto={word()}&pagina={rng.randint(1, 9)}") for _ in range(400)]
    files = {
        "normalTrafficTraining.txt.gz": normal[:300],
        "normalTrafficTest.txt.gz": normal[300:],
        "anomalousTrafficTest.txt.gz": [
            raw_get("texto=%27+or+%271%27%3D%271&pagina=1"),
            raw_get("texto=" + "a" * 60 + "&pagina=1"),
        ],
    }
    for name, requests in files.items():
        with gzip.open(folder / name, "wt", encoding="latin-1") as out:
            out.write("".join(requests))


CRS_TEST = """
rule_id: 942100
tests:
  - test_id: 1
    stages:
      - input: {method: POST, uri: /post, headers: {Host: localhost, User-Agent: OWASP CRS test agent}, data: "var=1 union select 1,2"}
        output: {log: {expect_ids: [942100]}}
  - test_id: 2
    stages:
      - input: {uri: "/get?var=hello", headers: {Host: localhost, User-Agent: OWASP CRS test agent}}
        output: {log: {no_expect_ids: [942100]}}
"""


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, Path]:
    csic = tmp_path / "csic"
    csic.mkdir()
    write_csic(csic)
    crs = tmp_path / "crs" / "tests" / "REQUEST-942-APPLICATION-ATTACK-SQLI"
    crs.mkdir(parents=True)
    (crs / "942100.yaml").write_text(CRS_TEST)
    return csic, tmp_path / "crs"


def test_the_comparison_reports_every_set(data: tuple[Path, Path]) -> None:
    csic, crs = data
    result = CliRunner().invoke(
        cli, ["eval", "--data", str(csic), "--crs", str(crs), "--compare", "--output", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["trained"] == 300
    sets = report["sets"]
    anomalous = sets["csic-anomalous"]["classes"]["anomalous"]
    assert sets["csic-anomalous"]["kind"] == "detection"
    assert anomalous["requests"] == 2
    assert anomalous["flagged"]["signatures"] == 1
    assert anomalous["flagged"]["both"] >= anomalous["flagged"]["signatures"]
    assert sets["csic-normal"]["kind"] == "benign"
    assert sets["csic-normal"]["classes"]["normal"]["requests"] == 100
    assert sets["clients"]["kind"] == "benign"
    assert sum(c["requests"] for c in sets["clients"]["classes"].values()) == 100
    assert sets["crs-attacks-placed"]["classes"]["sqli"]["requests"] == 1
    assert sets["crs-attacks-placed"]["classes"]["sqli"]["flagged"]["signatures"] == 1
    assert sets["crs-attacks-sent"]["classes"]["sqli"]["flagged"] == {"signatures": 1}
    near = sets["crs-near-misses-sent"]
    assert near["kind"] == "near-miss"
    assert near["classes"]["sqli"]["flagged"] == {"signatures": 0}
    assert "crs-benign-sent" not in sets
    assert "crs-benign-sent skipped: no requests" in report["notes"]


def test_text_tables_and_a_missing_corpus(data: tuple[Path, Path], tmp_path: Path) -> None:
    csic, _ = data
    result = CliRunner().invoke(
        cli, ["eval", "--data", str(csic), "--crs", str(tmp_path / "none"), "--compare"]
    )
    assert result.exit_code == 0, result.output
    assert "DETECTION: share of attacks stopped (higher is better)" in result.output
    assert "FALSE POSITIVES: share of requests known to be benign" in result.output
    assert "  CSIC 2010 normal test set                         100" in result.output
    assert "model      signatures            both" in result.output
    assert "CRS corpus skipped:" in result.output
    assert "NEAR-MISSES" not in result.output
