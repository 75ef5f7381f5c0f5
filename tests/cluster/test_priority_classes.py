"""PriorityClass validation with the API server's messages, and the default class."""

from __future__ import annotations

import pytest

from vigil.cluster.meta import ObjectMeta
from vigil.cluster.policy import PriorityClass
from vigil.cluster.priority_classes import (
    aggregate,
    default_class,
    validate_priority_class,
    validate_priority_class_update,
)


def _pc(
    name: str, value: int, *, default: bool = False, policy: str = "PreemptLowerPriority"
) -> PriorityClass:
    return PriorityClass(ObjectMeta(name), value, default, policy)


@pytest.mark.parametrize(
    ("pc", "message"),
    [
        (_pc("team", 1_000_000_000), None),
        (_pc("team", -5), None),
        (
            _pc("team", 1_000_000_001),
            "value: Forbidden: maximum allowed value of a user defined priority is 1000000000",
        ),
        (
            _pc("system-foo", 5),
            "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for "
            "system use only. error: system-foo is not a known system priority class",
        ),
        (
            _pc("system-node-critical", 2_000_000_000),
            "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for "
            "system use only. error: value of system-node-critical PriorityClass must be 2000001000",
        ),
        (
            _pc("system-cluster-critical", 2_000_000_000, default=True),
            "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for "
            "system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
        ),
        (_pc("system-cluster-critical", 2_000_000_000), None),
        (
            _pc("team", 1, policy="Always"),
            'preemptionPolicy: Unsupported value: "Always": supported values: '
            '"PreemptLowerPriority", "Never"',
        ),
        (_pc("team", 1, policy=""), "preemptionPolicy: Required value"),
        (
            _pc("Gold", 5),
            'metadata.name: Invalid value: "Gold": a lowercase RFC 1123 subdomain must consist of '
            "lower case alphanumeric characters, '-' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
        (
            _pc("team", 1_000_000_001, policy="Sometimes"),
            "[value: Forbidden: maximum allowed value of a user defined priority is 1000000000, "
            'preemptionPolicy: Unsupported value: "Sometimes": supported values: '
            '"PreemptLowerPriority", "Never"]',
        ),
    ],
)
def test_validate(pc: PriorityClass, message: str | None) -> None:
    problems = validate_priority_class(pc)
    assert (aggregate(problems) if problems else None) == message


def test_update_is_immutable() -> None:
    old = _pc("team", 10)
    problems = validate_priority_class_update(_pc("team", 11, policy="Never"), old)
    assert aggregate(problems) == (
        '[value: Forbidden: may not be changed in an update., preemptionPolicy: Invalid value: "Never": field is immutable]'
    )
    assert validate_priority_class_update(_pc("team", 10), old) == []


def test_default_class_is_the_lowest_default() -> None:
    classes = [_pc("a", 50, default=True), _pc("b", 10, default=True), _pc("c", 1)]
    found = default_class(classes)
    assert found is not None
    assert found.name == "b"
    assert default_class([_pc("c", 1)]) is None


@pytest.mark.parametrize(
    "name",
    [
        "System-cluster-critical",
        "system-cluster-critical\n",
        "gold.",
        "-gold",
        "a" * 254,
        "gold_pc",
    ],
)
def test_names_are_dns_subdomains(name: str) -> None:
    """``ValidateObjectMeta`` (``NameIsDNSSubdomain``) runs before the ``system-`` rule: case
    games and look-alikes are invalid names, not user classes."""
    problems = validate_priority_class(_pc(name, 5))
    assert problems
    assert problems[0].path == "metadata.name"
    assert problems[0].type == "Invalid value"
