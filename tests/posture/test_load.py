"""Loading policy files: one line naming the file, the field and the problem."""

from __future__ import annotations

import pytest

from vigil.posture.load import MAX_POLICY_BYTES, PolicyError, parse_policy


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [", "p.yaml: line 1 invalid YAML"),
        ("- 1", "p.yaml: expected a mapping"),
        (
            "risk:\n  weights:\n    hostPID: many\n",
            "p.yaml: risk.weights.hostPID: Input should be a valid integer",
        ),
        (
            "tiers:\n- name: a\n  minScore: 1\n- name: b\n  minScore: x\n",
            "p.yaml: tiers[1].minScore: Input should be a valid integer",
        ),
        (
            "isolation:\n- tier: critical\n  nodeLabels: {pool: x}\n",
            "p.yaml: isolation[0].nodeLabels: label 'pool' is not under node-restriction.kubernetes.io/",
        ),
        ("tiers: []\n", "p.yaml: tiers: List should have at least 1 item"),
    ],
)
def test_errors_are_one_line(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(text, "p.yaml")
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_empty_file_is_the_default_policy() -> None:
    assert parse_policy("", "p.yaml").tiers[0].name == "critical"


def test_oversized_file_is_refused_before_parsing() -> None:
    with pytest.raises(PolicyError, match="larger than"):
        parse_policy("#" * (MAX_POLICY_BYTES + 1), "p.yaml")


def test_camel_case_fields() -> None:
    policy = parse_policy(
        """
apiVersion: vigil.dev/v1
kind: PosturePolicy
exemptNamespaces: [kube-system, monitoring]
reservedNodes: {taintKeys: [dedicated], allowedNamespaces: [ops]}
priority: {namespaces: {prod: [prod-pc]}, highMinimum: 5000}
""",
        "p.yaml",
    )
    assert policy.exempt_namespaces == ["kube-system", "monitoring"]
    assert policy.reserved_nodes.taint_keys == ["dedicated"]
    assert policy.priority.namespaces == {"prod": ["prod-pc"]}
    assert policy.priority.high_minimum == 5000
