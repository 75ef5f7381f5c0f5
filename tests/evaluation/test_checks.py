"""The further checks of ``vigil eval``: benign-set and half-split reports."""

from __future__ import annotations

from vigil.evaluation.benign import BenignResult
from vigil.evaluation.checks import benign_json, benign_report, half_split, half_split_report

from .test_detection import ATTACKS, normal


def test_half_split_learns_from_the_first_half_and_judges_the_second() -> None:
    split = half_split(normal(1, 300), ATTACKS, seconds_per_request=60.0)
    assert split.trained == 150
    assert split.result.false_positives + split.result.true_negatives == 150
    assert split.result.true_positives == 2
    lines = half_split_report(split)
    assert lines[1].endswith("0 / 150 = 0.000%")
    assert lines[2].endswith("66.67%")


def test_benign_reports_name_the_sets_and_the_worst_labels() -> None:
    result = BenignResult("people", total=200, flagged=3)
    result.flagged_labels.update({"fr_CA": 2, "he_IL": 1})
    result.examples.append("[fr_CA] GET /x: query.ciudad: expected ...")
    lines = benign_report([result])
    assert "people of 40 countries in the person forms" in lines[1]
    assert lines[1].rstrip().endswith("3 blocked   1.500%")
    assert lines[2] == "  people blocked most: fr_CA 2, he_IL 1"
    assert benign_json([result])[0]["blocked_by_label"] == {"fr_CA": 2, "he_IL": 1}
