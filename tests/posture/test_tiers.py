"""Tier assignment: declared matches first, then score thresholds, then the catch-all."""

from __future__ import annotations

import pytest

from tests.posture.builders import spec
from vigil.posture.policy import PosturePolicy
from vigil.posture.tiers import classify

POLICY = PosturePolicy.model_validate(
    {
        "tiers": [
            {
                "name": "critical",
                "match": {
                    "namespaces": ["payments"],
                    "labels": {"tier": "critical", "team": "core"},
                    "priorityClasses": ["prod-critical"],
                },
            },
            {"name": "high-risk", "minScore": 50},
            {"name": "standard"},
        ],
        "isolation": [],
    }
)


@pytest.mark.parametrize(
    ("namespace", "labels", "class_name", "score", "expected"),
    [
        ("payments", {}, "", 90, ("critical", "namespace payments")),
        (
            "x",
            {"tier": "critical", "team": "core"},
            "",
            0,
            ("critical", "labels team=core, tier=critical"),
        ),
        ("x", {"tier": "critical"}, "", 0, ("standard", "score 0, no other tier")),
        ("x", {}, "prod-critical", 0, ("critical", "priorityClassName prod-critical")),
        ("x", {}, "", 50, ("high-risk", "score 50 >= 50")),
        ("x", {}, "", 49, ("standard", "score 49, no other tier")),
    ],
)
def test_classify(
    namespace: str, labels: dict[str, str], class_name: str, score: int, expected: tuple[str, str]
) -> None:
    pod = spec(priorityClassName=class_name) if class_name else spec()
    assert classify(namespace, labels, pod, score, POLICY) == expected
