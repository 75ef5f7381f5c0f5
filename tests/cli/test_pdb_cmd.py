"""``vigil pdb`` on the multi-team export: statuses as the disruption controller computes them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.fixture import EXPORT, run, run_json


def test_statuses_of_the_export() -> None:
    data = run_json("pdb", EXPORT)
    assert [
        (
            d["pdb"],
            d["expectedPods"],
            d["currentHealthy"],
            d["desiredHealthy"],
            d["disruptionsAllowed"],
        )
        for d in data
    ] == [
        ("kube-system/coredns", 2, 2, 1, 1),
        ("shop/web", 4, 3, 2, 1),
        ("payments/api", 2, 1, 1, 0),
    ]
    assert data[2]["reason"] == "InsufficientPods"


def test_text_and_notes(tmp_path: Path) -> None:
    code, out, _ = run("pdb", EXPORT)
    assert code == 0
    assert out.splitlines()[0].split() == [
        "PDB",
        "EXPECTED",
        "HEALTHY",
        "DESIRED",
        "ALLOWED",
        "WHY",
    ]
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        """
kind: PodDisruptionBudget
metadata: {name: web}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
status: {disruptionsAllowed: 3}
---
kind: Pod
metadata: {name: bare, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: c}]}
---
kind: Pod
metadata:
  name: orphan
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: gone, controller: true}]
spec: {nodeName: n1, containers: [{name: c}]}
"""
    )
    code, out, _ = run("pdb", str(manifest))
    flat = " ".join(out.split())
    assert 'SyncFailed: found no controllers for pod "orphan"' in flat
    assert "the input's recorded status says 3 allowed" in flat
    assert run("pdb", str(tmp_path / "none.yaml"))[0] == 2
