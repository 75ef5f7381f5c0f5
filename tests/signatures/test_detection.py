"""Detections: classes, detector names and bounded evidence."""

from __future__ import annotations

from vigil.signatures.detection import EVIDENCE_LIMIT, Attack, Detection, Leak, excerpt


def test_a_detection_names_its_detector() -> None:
    assert Detection(Attack.SQLI, "union select", "union select 1").detector == "sqli"
    assert Detection(Leak.SECRET, "AWS access key", "AKIA...").detector == "secret"


def test_excerpts_are_bounded() -> None:
    text = "x" * 500
    assert len(excerpt(text, 10)) == EVIDENCE_LIMIT
    assert excerpt("abcdef", 2, 4) == "cd"
    assert excerpt("abc", -5) == "abc"
