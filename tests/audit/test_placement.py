"""Static placement: which nodes a spec fits, which labels it selects nodes by."""

from __future__ import annotations

import pytest

from tests.posture.builders import spec
from vigil.audit.placement import fits, selections, tolerated_keys, tolerates_everything
from vigil.cluster.meta import ObjectMeta
from vigil.cluster.node import Node, Taint
from vigil.cluster.pod import Toleration

NODE = Node(ObjectMeta("n1", labels={"pool": "a"}), taints=(Taint("dedicated", "NoSchedule", "x"),))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, False),
        ({"tolerations": [{"key": "dedicated", "operator": "Exists"}]}, True),
        ({"tolerations": [{"operator": "Exists"}], "nodeSelector": {"pool": "b"}}, False),
        ({"tolerations": [{"operator": "Exists"}], "nodeName": "n2"}, False),
        (
            {
                "tolerations": [{"operator": "Exists"}],
                "nodeName": "n1",
                "nodeSelector": {"pool": "a"},
            },
            True,
        ),
    ],
)
def test_fits(fields: dict[str, object], expected: bool) -> None:
    assert fits(spec(**fields), NODE) is expected


def test_selections_required_and_preferred() -> None:
    pod = spec(
        nodeSelector={"pool": "a"},
        affinity={
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": "zone", "operator": "In", "values": ["z1"]},
                                {"key": "gpu", "operator": "DoesNotExist"},
                            ]
                        }
                    ]
                },
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 1,
                        "preference": {"matchExpressions": [{"key": "ssd", "operator": "Exists"}]},
                    }
                ],
            }
        },
    )
    assert [(s.key, s.values, s.required) for s in selections(pod)] == [
        ("pool", ("a",), True),
        ("zone", ("z1",), True),
        ("ssd", (), False),
    ]


def test_toleration_helpers() -> None:
    wildcard = (Toleration(operator="Exists"),)
    assert tolerates_everything(wildcard)
    assert not tolerates_everything((Toleration("k", "Exists"),))
    assert tolerates_everything((Toleration(operator="Exists", effect="NoSchedule"),))
    prefer_only = (Toleration(operator="Exists", effect="PreferNoSchedule"),)
    assert not tolerates_everything(prefer_only)
    assert tolerated_keys(prefer_only, ["a"]) == []
    assert tolerated_keys(wildcard, ["a", "b"]) == ["a", "b"]
    only_prefer = (Toleration("a", "Exists", effect="PreferNoSchedule"),)
    assert tolerated_keys(only_prefer, ["a"]) == []
    assert tolerated_keys((Toleration("b", "Equal", "x", "NoExecute"),), ["a", "b"]) == ["b"]
