"""The Priority admission plugin and PriorityClass validation, on real AdmissionReviews."""

from __future__ import annotations

from typing import Any

import pytest

from tests.admission.builders import CLASSES, context, pod, request
from vigil.admission.priority import admit_pod, validate_class


@pytest.mark.parametrize(
    ("spec", "allowed", "text"),
    [
        (
            {"priorityClassName": "dev-pc"},
            True,
            "spec.priority=1000000, spec.preemptionPolicy=PreemptLowerPriority (PriorityClass dev-pc)",
        ),
        (
            {"priorityClassName": "prod-pc"},
            True,
            "spec.priority=4000000, spec.preemptionPolicy=Never",
        ),
        ({"priorityClassName": "dev-pc", "priority": 1000000}, True, "spec.priority=1000000"),
        (
            {},
            True,
            "spec.priority=0, spec.preemptionPolicy=PreemptLowerPriority (no PriorityClass and no global default)",
        ),
        ({"priorityClassName": "system-node-critical"}, True, "spec.priority=2000001000"),
        (
            {"priorityClassName": "gold"},
            False,
            'pods "web" is forbidden: no PriorityClass with name gold was found',
        ),
        (
            {"priorityClassName": "dev-pc", "priority": 10},
            False,
            'pods "web" is forbidden: the integer value of priority (10) must not be provided in pod spec; '
            "priority admission controller computed 1000000 from the given PriorityClass name",
        ),
        (
            {"priorityClassName": "prod-pc", "preemptionPolicy": "PreemptLowerPriority"},
            False,
            'pods "web" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be '
            "provided in pod spec; priority admission controller computed Never from the given PriorityClass name",
        ),
    ],
)
def test_pod_create(spec: dict[str, Any], allowed: bool, text: str) -> None:
    decision, trace = admit_pod(request("Pod", pod("web", **spec), namespace="dev"), context())
    assert decision.allowed is allowed
    assert text in (trace if allowed else decision.message)
    if not allowed:
        assert decision.code == 403


def test_global_default_is_used_and_the_lowest_wins() -> None:
    cluster = (
        CLASSES
        + """
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: base}
value: 100
globalDefault: true
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: base-high}
value: 500
globalDefault: true
"""
    )
    decision, trace = admit_pod(request("Pod", pod(), namespace="dev"), context(cluster))
    assert decision.allowed
    assert "spec.priority=100" in trace
    assert "(PriorityClass base)" in trace


def test_updates_are_left_alone() -> None:
    decision, _ = admit_pod(
        request("Pod", pod(priority=5), operation="UPDATE", old=pod(), namespace="dev"), context()
    )
    assert decision.allowed


def _pc(name: str, value: int | str, **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": name},
        "value": value,
        **extra,
    }


@pytest.mark.parametrize(
    ("obj", "operation", "old", "code", "message"),
    [
        (_pc("team", 5), "CREATE", None, 200, ""),
        (
            _pc("team", 1_000_000_001),
            "CREATE",
            None,
            422,
            'PriorityClass.scheduling.k8s.io "team" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
        ),
        (
            _pc("system-mine", 5),
            "CREATE",
            None,
            422,
            'PriorityClass.scheduling.k8s.io "system-mine" is invalid: metadata.name: Forbidden: priority class names '
            "with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
        ),
        (
            _pc("late", 5, globalDefault=True),
            "CREATE",
            None,
            403,
            'priorityclasses.scheduling.k8s.io "late" is forbidden: PriorityClass base is already marked as default. '
            "Only one default can exist",
        ),
        (
            _pc("base", 100, globalDefault=True, description="x"),
            "UPDATE",
            _pc("base", 100, globalDefault=True),
            200,
            "",
        ),
        (
            _pc("dev-pc", 7),
            "UPDATE",
            _pc("dev-pc", 1_000_000),
            422,
            'PriorityClass.scheduling.k8s.io "dev-pc" is invalid: value: Forbidden: may not be changed in an update.',
        ),
    ],
)
def test_priority_class_validation(
    obj: dict[str, Any], operation: str, old: dict[str, Any] | None, code: int, message: str
) -> None:
    cluster = (
        CLASSES
        + "\n---\n"
        + "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: base}\nvalue: 100\nglobalDefault: true\n"
    )
    decision = validate_class(
        request("PriorityClass", obj, operation=operation, old=old), context(cluster)
    )
    assert (decision.code, decision.message) == (code, message)


def test_a_pod_spec_field_of_the_wrong_type_is_a_bad_request() -> None:
    decision, _ = admit_pod(request("Pod", pod("web", priority="high"), namespace="dev"), context())
    assert (decision.allowed, decision.code, decision.reason) == (False, 400, "BadRequest")
    assert decision.message == 'spec.priority: expected an integer, got "high"'


@pytest.mark.parametrize(
    ("kind", "obj", "message"),
    [
        (
            "Pod",
            pod("web", priority=3_000_000_000),
            "spec.priority: 3000000000 does not fit a 32-bit integer",
        ),
        (
            "PriorityClass",
            _pc("low", -3_000_000_000),
            "value: -3000000000 does not fit a 32-bit integer",
        ),
        ("PriorityClass", _pc("x", "high"), 'value: expected an integer, got "high"'),
    ],
)
def test_values_the_api_server_cannot_decode_are_bad_requests(
    kind: str, obj: dict[str, Any], message: str
) -> None:
    """``value`` and ``spec.priority`` are int32: the API server's decoder refuses anything else
    with 400 before any admission plugin or validation runs (a -3e9 class was admitted)."""
    req = request(kind, obj, namespace="dev" if kind == "Pod" else "")
    if kind == "Pod":
        decision, _ = admit_pod(req, context())
    else:
        decision = validate_class(req, context())
    assert (decision.allowed, decision.code, decision.reason, decision.message) == (
        False,
        400,
        "BadRequest",
        message,
    )


TWO_DEFAULTS = (
    "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: base}\nvalue: 100\n"
    "globalDefault: true\n---\n"
    "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: low}\nvalue: 10\n"
    "globalDefault: true\n"
)


@pytest.mark.parametrize(
    ("obj", "old", "code", "message"),
    [
        pytest.param(
            _pc("low", 10, globalDefault=True, description="x"),
            _pc("low", 10, globalDefault=True),
            200,
            "",
            id="the lowest default may be updated",
        ),
        pytest.param(
            _pc("base", 100, globalDefault=True, description="x"),
            _pc("base", 100, globalDefault=True),
            403,
            'priorityclasses.scheduling.k8s.io "base" is forbidden: PriorityClass low is already '
            "marked as default. Only one default can exist",
            id="another default wins",
        ),
    ],
)
def test_updates_of_a_default_class_compare_with_the_default_upstream_finds(
    obj: dict[str, Any], old: dict[str, Any], code: int, message: str
) -> None:
    """``validatePriorityClass`` (plugin/pkg/admission/priority/admission.go): on UPDATE the
    default is looked up among every class, the one updated included (its stored version), and
    the request is refused when that default is another class. With two defaults (a race), the
    lowest is the default: updating it is allowed, updating the other is not."""
    decision = validate_class(
        request("PriorityClass", obj, operation="UPDATE", old=old), context(TWO_DEFAULTS)
    )
    assert (decision.code, decision.message) == (code, message)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        pytest.param(
            _pc("Gold", 5),
            'PriorityClass.scheduling.k8s.io "Gold" is invalid: metadata.name: Invalid value: '
            '"Gold": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric '
            "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            id="upper case name",
        ),
        pytest.param(
            _pc("gold", 5, preemptionPolicy="Bogus"),
            'PriorityClass.scheduling.k8s.io "gold" is invalid: preemptionPolicy: Unsupported '
            'value: "Bogus": supported values: "PreemptLowerPriority", "Never"',
            id="unknown preemption policy",
        ),
        pytest.param(
            _pc("gold", 5, preemptionPolicy=""),
            'PriorityClass.scheduling.k8s.io "gold" is invalid: preemptionPolicy: Required value',
            id="empty preemption policy",
        ),
    ],
)
def test_priority_class_validation_messages_are_upstream_ones(
    obj: dict[str, Any], message: str
) -> None:
    """``ValidatePriorityClass`` (pkg/apis/scheduling/validation/validation.go) with
    ``ValidateObjectMeta`` and ``ValidatePreemptionPolicy`` (pkg/apis/core/validation)."""
    decision = validate_class(request("PriorityClass", obj), context())
    assert (decision.code, decision.message) == (422, message)
