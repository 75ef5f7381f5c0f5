"""KubeSchedulerConfiguration: upstream's merge of defaults, multiPoint expansion, clear errors."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from vigil.cluster.errors import FieldError
from vigil.scheduling.config import ConfigError, load_config, parse_config
from vigil.scheduling.preemption import preemption_profile, preemption_registry

DEFAULT = replace(preemption_profile(), plugin_args={})
HEAD = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration"}


def config(**fields: Any) -> dict[str, Any]:
    return {**HEAD, **fields}


def profile(plugins: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"schedulerName": "default-scheduler", **extra}
    if plugins is not None:
        out["plugins"] = plugins
    return out


def parse(data: dict[str, Any]):  # type: ignore[no-untyped-def]
    return parse_config(data, preemption_registry())


def test_no_profiles_is_the_default_profile() -> None:
    cfg = parse(config())
    assert cfg.profiles == [DEFAULT]
    assert cfg.percentage_of_nodes_to_score == 0
    assert cfg.notes == [
        "profile default-scheduler: not modelled by vigil: ImageLocality, NodeVolumeLimits, "
        "VolumeBinding, VolumeRestrictions, VolumeZone"
    ]


@pytest.mark.parametrize(
    ("plugins", "field", "expected"),
    [
        pytest.param(
            {"score": {"disabled": [{"name": "NodeResourcesBalancedAllocation"}]}},
            "score",
            (
                ("TaintToleration", 3),
                ("NodeAffinity", 2),
                ("NodeResourcesFit", 1),
                ("PodTopologySpread", 2),
                ("InterPodAffinity", 2),
            ),
            id="disable one score plugin",
        ),
        pytest.param(
            {"score": {"enabled": [{"name": "NodeAffinity", "weight": 10}]}},
            "score",
            (
                ("NodeAffinity", 10),
                ("TaintToleration", 3),
                ("NodeResourcesFit", 1),
                ("PodTopologySpread", 2),
                ("InterPodAffinity", 2),
                ("NodeResourcesBalancedAllocation", 1),
            ),
            id="re-configured at score comes first with its weight",
        ),
        pytest.param(
            {"multiPoint": {"enabled": [{"name": "NodeAffinity", "weight": 7}]}},
            "score",
            (
                ("TaintToleration", 3),
                ("NodeAffinity", 7),
                ("NodeResourcesFit", 1),
                ("PodTopologySpread", 2),
                ("InterPodAffinity", 2),
                ("NodeResourcesBalancedAllocation", 1),
            ),
            id="re-enabled default keeps its place, takes the weight",
        ),
        pytest.param(
            {"score": {"enabled": [{"name": "NodeAffinity"}]}},
            "score",
            (
                ("NodeAffinity", 1),
                ("TaintToleration", 3),
                ("NodeResourcesFit", 1),
                ("PodTopologySpread", 2),
                ("InterPodAffinity", 2),
                ("NodeResourcesBalancedAllocation", 1),
            ),
            id="weight 0 means 1",
        ),
        pytest.param(
            {
                "score": {
                    "disabled": [{"name": "*"}],
                    "enabled": [{"name": "NodeResourcesFit", "weight": 5}],
                }
            },
            "score",
            (("NodeResourcesFit", 5),),
            id="star disables every default at that point",
        ),
        pytest.param(
            {"filter": {"disabled": [{"name": "TaintToleration"}]}},
            "filter",
            (
                "NodeUnschedulable",
                "NodeName",
                "NodeAffinity",
                "NodePorts",
                "NodeResourcesFit",
                "PodTopologySpread",
                "InterPodAffinity",
            ),
            id="disable a filter",
        ),
        pytest.param(
            {"multiPoint": {"disabled": [{"name": "DefaultPreemption"}]}},
            "post_filter",
            (),
            id="no preemption",
        ),
    ],
)
def test_plugin_merge(plugins: dict[str, Any], field: str, expected: tuple[Any, ...]) -> None:
    (p,) = parse(config(profiles=[profile(plugins)])).profiles
    assert getattr(p, field) == expected


def test_percentages_and_args_and_profiles() -> None:
    cfg = parse(
        config(
            percentageOfNodesToScore=30,
            profiles=[
                profile(percentageOfNodesToScore=70),
                profile(
                    schedulerName="packer",
                    pluginConfig=[
                        {
                            "name": "NodeResourcesFit",
                            "args": {"scoringStrategy": {"type": "MostAllocated"}},
                        },
                        {
                            "name": "PodTopologySpread",
                            "args": {
                                "defaultingType": "List",
                                "defaultConstraints": [
                                    {
                                        "maxSkew": 1,
                                        "topologyKey": "topology.kubernetes.io/zone",
                                        "whenUnsatisfiable": "ScheduleAnyway",
                                    }
                                ],
                            },
                        },
                    ],
                ),
            ],
        )
    )
    assert cfg.percentage_of_nodes_to_score == 30
    first, packer = cfg.profiles
    assert first.percentage_of_nodes_to_score == 70
    assert packer.scheduler_name == "packer"
    assert packer.plugin_args["NodeResourcesFit"] == {"scoringStrategy": {"type": "MostAllocated"}}
    (constraint,) = packer.plugin_args["PodTopologySpread"]["defaultConstraints"]
    assert constraint.max_skew == 1


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        pytest.param(
            {"apiVersion": "v1", "kind": "KubeSchedulerConfiguration"},
            "apiVersion",
            '"v1" is not supported (expected kubescheduler.config.k8s.io/v1)',
            id="apiVersion",
        ),
        pytest.param(config(bogus=1), "bogus", "unknown field", id="unknown field"),
        pytest.param(
            config(extenders=[{"urlPrefix": "http://x"}]),
            "extenders",
            "scheduler extenders are not supported",
            id="extenders",
        ),
        pytest.param(
            config(percentageOfNodesToScore=150),
            "percentageOfNodesToScore",
            "must be between 0 and 100, got 150",
            id="percentage",
        ),
        pytest.param(
            config(profiles=[profile({"score": {"enabled": [{"name": "Magic"}]}})]),
            "profiles[0].plugins.score",
            'plugin "Magic" is not supported',
            id="unknown plugin",
        ),
        pytest.param(
            config(profiles=[profile({"queueSort": {"enabled": [{"name": "MySort"}]}})]),
            "profiles[0].plugins.queueSort.enabled[0].name",
            'plugin "MySort" at queueSort is not supported',
            id="custom queue sort",
        ),
        pytest.param(
            config(
                profiles=[
                    profile(
                        pluginConfig=[
                            {
                                "name": "NodeResourcesFit",
                                "args": {"scoringStrategy": {"type": "Cheapest"}},
                            }
                        ]
                    )
                ]
            ),
            "profiles[0].plugins.multiPoint",
            "invalid args for NodeResourcesFit: scoring strategy Cheapest is not supported",
            id="plugin args",
        ),
        pytest.param(
            config(profiles=[profile(), profile()]),
            "profiles[1].schedulerName",
            "duplicate scheduler name",
            id="duplicate profile",
        ),
        pytest.param(
            config(profiles=[profile({"score": {"enabled": [{"name": "NodeName"}]}})]),
            "profiles[0].plugins.score",
            "plugin NodeName does not implement score",
            id="wrong extension point",
        ),
    ],
)
def test_errors_name_the_field(data: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(FieldError) as info:
        parse(data)
    assert info.value.path == path
    assert info.value.message.startswith(message)


def test_load_config_is_one_line() -> None:
    yaml = b"apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
    assert load_config(yaml, "s.yaml", preemption_registry()).profiles == [DEFAULT]
    with pytest.raises(ConfigError, match=r"^s\.yaml: kind: expected KubeSchedulerConfiguration"):
        load_config(
            b"apiVersion: kubescheduler.config.k8s.io/v1\nkind: Pod\n",
            "s.yaml",
            preemption_registry(),
        )
    with pytest.raises(ConfigError, match=r"^s\.yaml: line 1: invalid YAML"):
        load_config(b"a: [\n", "s.yaml", preemption_registry())
