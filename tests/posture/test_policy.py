"""The posture policy model: defaults, cross-field validation, tier lookups."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from vigil.posture.policy import PosturePolicy


def test_defaults_are_a_usable_policy() -> None:
    policy = PosturePolicy()
    assert [t.name for t in policy.tiers] == ["critical", "high-risk", "elevated", "standard"]
    assert policy.separated("critical") == {"high-risk"}
    assert policy.separated("high-risk") == {"critical"}
    assert policy.separated("standard") == frozenset()
    assert policy.rules_for("critical")[0].exclusive
    assert policy.tier("elevated") is not None
    assert policy.tier("nope") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "Policy"}, "expected PosturePolicy"),
        ({"apiVersion": "v1"}, "expected vigil.dev/v1"),
        ({"tiers": [{"name": "a"}, {"name": "a"}]}, "duplicate tier name 'a'"),
        ({"tiers": [{"name": "a", "minScore": 3}]}, "must have no match and no minScore"),
        ({"tiers": [{"name": "Bad_Name"}]}, "must be a DNS label"),
        (
            {"tiers": [{"name": "x", "match": {}}, {"name": "y"}]},
            "match needs namespaces, labels or priorityClasses",
        ),
        (
            {"isolation": [{"tier": "critical", "nodeLabels": {"pool": "secure"}}]},
            "a compromised kubelet can set it",
        ),
        ({"isolation": [{"tier": "ghost"}]}, "unknown tier 'ghost'"),
        ({"isolation": [{"tier": "critical", "separateFrom": ["ghost"]}]}, "unknown tier 'ghost'"),
        ({"risk": {"defaultTrust": "meh"}}, "defaultTrust 'meh' is not a level"),
        ({"risk": {"weights": {"privileged": -1}}}, "greater than or equal to 0"),
        ({"risk": {"weights": {"privilegd": 3}}}, "Extra inputs are not permitted"),
        ({"admission": {"sidecar": {"mode": "block"}}}, "mode must be learn, detect or enforce"),
        ({"priority": {"components": [{}]}}, "needs a namespace or a namePrefix"),
        ({"audit": {"suppressions": [{"check": "VA001", "reason": ""}]}}, "at least 1 character"),
    ],
)
def test_invalid_policies(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PosturePolicy.model_validate(data)


def test_separation_reads_both_directions_and_self() -> None:
    policy = PosturePolicy.model_validate(
        {
            "tiers": [{"name": "a", "minScore": 10}, {"name": "b"}],
            "isolation": [{"tier": "a", "separateFrom": ["a", "b"]}],
        }
    )
    assert policy.separated("a") == {"a", "b"}
    assert policy.separated("b") == {"a"}
