"""Pod spec decoding: validation of enumerations and ranges, defaults."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from vigil.cluster.decode_pod import decode_label_selector, decode_pod_spec, decode_pod_status
from vigil.cluster.errors import FieldError
from vigil.cluster.reader import Fields

C = [{"name": "c"}]


@pytest.mark.parametrize(
    ("spec", "path", "message"),
    [
        (
            {"containers": [{"name": "c", "ports": [{"containerPort": 1, "protocol": "HTTP"}]}]},
            "spec.containers[0].ports[0].protocol",
            'unsupported protocol "HTTP"',
        ),
        (
            {"containers": [{"name": "c", "ports": [{"containerPort": 1, "hostPort": 70000}]}]},
            "spec.containers[0].ports[0].hostPort",
            "must be between 0 and 65535, got 70000",
        ),
        (
            {"containers": C, "tolerations": [{"operator": "Maybe"}]},
            "spec.tolerations[0].operator",
            '"Maybe" is not a valid toleration operator',
        ),
        (
            {"containers": C, "tolerations": [{"effect": "Sometimes"}]},
            "spec.tolerations[0].effect",
            '"Sometimes" is not a valid taint effect',
        ),
        (
            {"containers": C, "preemptionPolicy": "Always"},
            "spec.preemptionPolicy",
            'unsupported value "Always"',
        ),
        (
            {
                "containers": C,
                "topologySpreadConstraints": [
                    {"maxSkew": 1, "topologyKey": "z", "whenUnsatisfiable": "Maybe"}
                ],
            },
            "spec.topologySpreadConstraints[0].whenUnsatisfiable",
            'unsupported value "Maybe"',
        ),
        (
            {
                "containers": C,
                "topologySpreadConstraints": [
                    {
                        "maxSkew": 1,
                        "topologyKey": "z",
                        "whenUnsatisfiable": "DoNotSchedule",
                        "minDomains": 0,
                    }
                ],
            },
            "spec.topologySpreadConstraints[0].minDomains",
            "must be greater than zero, got 0",
        ),
        (
            {
                "containers": C,
                "topologySpreadConstraints": [
                    {
                        "maxSkew": 1,
                        "topologyKey": "z",
                        "whenUnsatisfiable": "DoNotSchedule",
                        "nodeTaintsPolicy": "Sometimes",
                    }
                ],
            },
            "spec.topologySpreadConstraints[0].nodeTaintsPolicy",
            'unsupported value "Sometimes"',
        ),
        (
            {
                "containers": C,
                "affinity": {
                    "podAffinity": {
                        "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1}]
                    }
                },
            },
            "spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm",
            "required",
        ),
        (
            {
                "containers": C,
                "affinity": {
                    "podAntiAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": [
                            {
                                "topologyKey": "z",
                                "labelSelector": {
                                    "matchExpressions": [
                                        {"key": "a", "operator": "Gt", "values": ["1"]}
                                    ]
                                },
                            }
                        ]
                    }
                },
            },
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector"
            ".matchExpressions[0].operator",
            "\"Gt\" is not a valid operator (expected ['DoesNotExist', 'Exists', 'In', 'NotIn'])",
        ),
    ],
)
def test_invalid_specs(spec: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(FieldError) as info:
        decode_pod_spec(Fields(spec, "spec"))
    assert (info.value.path, info.value.message) == (path, message)


def test_defaults() -> None:
    spec = decode_pod_spec(Fields({"containers": C}, "spec"))
    assert spec.scheduler_name == "default-scheduler"
    assert spec.priority is None
    assert spec.preemption_policy is None
    assert spec.affinity is None
    assert spec.resources is None
    assert spec.containers[0].restart_policy is None


def test_nil_and_empty_selectors_differ() -> None:
    assert decode_label_selector(None) is None
    empty = decode_label_selector(Fields({}, "s"))
    assert empty is not None
    assert empty.is_empty()


def test_status_phase_is_validated() -> None:
    assert decode_pod_status(None).phase == "Pending"
    with pytest.raises(FieldError, match="unsupported phase"):
        decode_pod_status(Fields({"phase": "Sleeping"}, "status"))


@pytest.mark.parametrize(
    ("resources", "requests"),
    [
        ({"limits": {"nvidia.com/gpu": 1}}, {"nvidia.com/gpu": 1}),
        ({"limits": {"cpu": "1"}, "requests": {"cpu": "250m"}}, {"cpu": Fraction(1, 4)}),
        (
            {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}},
            {"cpu": Fraction(1, 2), "memory": 2**30},
        ),
        ({"requests": {"cpu": "2"}}, {"cpu": 2}),
    ],
    ids=["gpu only as a limit", "request kept", "missing request defaulted", "no limits"],
)
def test_requests_default_to_limits(resources: dict[str, Any], requests: dict[str, Any]) -> None:
    spec = decode_pod_spec(
        Fields(
            {"containers": [{"name": "c", "resources": resources}], "resources": resources},
            "spec",
        )
    )
    assert dict(spec.containers[0].resources.requests) == requests
    assert spec.resources is not None
    assert dict(spec.resources.requests) == requests


def test_empty_dir_volumes_are_named() -> None:
    spec = decode_pod_spec(
        Fields(
            {
                "containers": C,
                "volumes": [
                    {"name": "cache", "emptyDir": {}},
                    {"name": "cfg", "configMap": {"name": "x"}},
                    {"name": "scratch", "emptyDir": {"medium": "Memory"}},
                ],
            },
            "spec",
        )
    )
    assert spec.empty_dir_volumes == ("cache", "scratch")
