"""A KubeSchedulerConfiguration (``kubescheduler.config.k8s.io/v1``) read into profiles.

The merge follows upstream: the default plugins are enabled at ``multiPoint`` with their
weights (``default_plugins.go``); each extension point's ``enabled``/``disabled`` lists are
merged into the defaults (``mergePluginSet``: ``"*"`` disables every default, a default
re-enabled keeps its place and takes the new weight, other plugins are appended); then
``multiPoint`` plugins are expanded into every point they implement (``expandMultiPointPlugins``:
plugins re-configured at a specific point come first, then ``multiPoint`` ones, then the other
plugins of that point). A Score weight of 0 means 1. ``percentageOfNodesToScore`` is read at
the top level and per profile (0..100), ``pluginConfig`` args are checked by building each
plugin.

What vigil does not simulate is refused with the field's path (extenders, plugins it does not
know, a queue sort other than PrioritySort), or accepted and reported in
`SchedulerConfig.notes` when it cannot change a placement vigil computes (the volume plugins,
ImageLocality, the binder, leader election and other process settings).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.cluster.decode_pod import decode_node_affinity, decode_spread_constraint
from vigil.cluster.documents import parse_documents_of
from vigil.cluster.errors import FieldError, ManifestError, quote
from vigil.cluster.pod import DEFAULT_SCHEDULER_NAME
from vigil.cluster.reader import Fields
from vigil.scheduling.framework import Framework
from vigil.scheduling.interfaces import (
    FilterPlugin,
    PostFilterPlugin,
    PreFilterPlugin,
    PreScorePlugin,
    ScorePlugin,
)
from vigil.scheduling.profile import Profile
from vigil.scheduling.registry import Registry, UnknownPluginError

API_VERSIONS = ("kubescheduler.config.k8s.io/v1",)
KIND = "KubeSchedulerConfiguration"

DEFAULT_MULTI_POINT: tuple[tuple[str, int], ...] = (
    ("SchedulingGates", 0),
    ("PrioritySort", 0),
    ("NodeUnschedulable", 0),
    ("NodeName", 0),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", 0),
    ("NodeResourcesFit", 1),
    ("VolumeRestrictions", 0),
    ("NodeVolumeLimits", 0),
    ("VolumeBinding", 0),
    ("VolumeZone", 0),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DefaultPreemption", 0),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", 0),
)
"""``getDefaultPlugins().MultiPoint``, in upstream order, with Score weights (0: no weight)."""

BUILT_IN = frozenset({"SchedulingGates", "PrioritySort", "DefaultBinder"})
"""Plugins whose job the simulator does itself (gated pods are left out, the queue is sorted
by priority, binding is immediate)."""
NOT_MODELLED = frozenset(
    {
        "VolumeRestrictions",
        "NodeVolumeLimits",
        "VolumeBinding",
        "VolumeZone",
        "ImageLocality",
        "DynamicResources",
    }
)
"""In-tree plugins vigil does not model: accepted, and reported as a note when enabled."""

IGNORED_FIELDS = frozenset(
    {
        "apiVersion",
        "kind",
        "parallelism",
        "leaderElection",
        "clientConnection",
        "healthzBindAddress",
        "metricsBindAddress",
        "enableProfiling",
        "enableContentionProfiling",
        "podInitialBackoffSeconds",
        "podMaxBackoffSeconds",
        "delayCacheUntilActive",
    }
)
"""Top-level fields that configure the process, not placement."""

POINTS = ("preFilter", "filter", "postFilter", "preScore", "score")
POINT_TYPES: Mapping[str, Any] = {
    "preFilter": PreFilterPlugin,
    "filter": FilterPlugin,
    "postFilter": PostFilterPlugin,
    "preScore": PreScorePlugin,
    "score": ScorePlugin,
}
OTHER_POINTS = (
    "queueSort",
    "preEnqueue",
    "reserve",
    "permit",
    "preBind",
    "bind",
    "postBind",
)


class ConfigError(ValueError):
    """The configuration cannot be simulated: ``str()`` is ``<file>: <field>: <problem>``."""


@dataclass(slots=True)
class SchedulerConfig:
    """Profiles to run, the scheduler-wide percentage of nodes to score, and notes."""

    profiles: list[Profile]
    percentage_of_nodes_to_score: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    weight: int


@dataclass(slots=True)
class _PluginSet:
    enabled: list[_Entry] = field(default_factory=list)
    disabled: set[str] = field(default_factory=set)


def _plugin_set(f: Fields | None) -> _PluginSet:
    out = _PluginSet()
    if f is None:
        return out
    for e in f.objs("enabled"):
        weight = e.integer("weight")
        if weight < 0:
            raise e.error("weight", f"must not be negative, got {weight}")
        out.enabled.append(_Entry(e.required_str("name"), weight))
    out.disabled = {d.required_str("name") for d in f.objs("disabled")}
    return out


def merge_plugin_set(default: _PluginSet, custom: _PluginSet) -> _PluginSet:
    """``mergePluginSet``: defaults minus the disabled ones (all with ``*``), a re-enabled
    default in its default place with its new weight, then the other enabled plugins."""
    disabled = custom.disabled | default.disabled
    custom_by_name = {e.name: (i, e) for i, e in enumerate(custom.enabled)}
    replaced: set[int] = set()
    enabled: list[_Entry] = []
    if "*" not in disabled:
        for entry in default.enabled:
            if entry.name in disabled:
                continue
            found = custom_by_name.get(entry.name)
            if found is not None:
                replaced.add(found[0])
            enabled.append(entry if found is None else found[1])
    enabled.extend(e for i, e in enumerate(custom.enabled) if i not in replaced)
    return _PluginSet(enabled, disabled)


def _expand(
    point: str, multi: _PluginSet, specific: _PluginSet, implements: Mapping[str, set[str]]
) -> list[_Entry]:
    """``expandMultiPointPlugins`` for one extension point."""
    if "*" in specific.disabled:
        return list(specific.enabled)
    specific_names = [e.name for e in specific.enabled]
    overrides: list[str] = []
    from_multi: list[_Entry] = []
    for entry in multi.enabled:
        if point not in implements.get(entry.name, set()) or entry.name in specific.disabled:
            continue
        if entry.name in specific_names:
            overrides.append(entry.name)
            continue
        if any(e.name == entry.name for e in from_multi):
            raise FieldError("plugins.multiPoint", f'plugin "{entry.name}" is registered twice')
        from_multi.append(entry)
    by_name = {e.name: e for e in specific.enabled}
    ordered = [by_name[n] for n in specific_names if n in overrides]
    ordered += from_multi
    ordered += [e for e in specific.enabled if e.name not in overrides]
    return ordered


def _plugin_args(f: Fields, name: str) -> dict[str, Any]:
    args = f.obj("args")
    if args is None:
        return {}
    out = dict(args.data)
    out.pop("apiVersion", None)
    out.pop("kind", None)
    if name == "PodTopologySpread" and args.has("defaultConstraints"):
        out["defaultConstraints"] = tuple(
            decode_spread_constraint(c) for c in args.objs("defaultConstraints")
        )
    if name == "NodeAffinity":
        added = args.obj("addedAffinity")
        if added is not None:
            out["addedAffinity"] = decode_node_affinity(added)
    return out


def _percentage(f: Fields, key: str) -> int | None:
    value = f.opt_int(key)
    if value is not None and not 0 <= value <= 100:
        raise f.error(key, f"must be between 0 and 100, got {value}")
    return value


def _check_other_points(plugins: Fields) -> None:
    for point in OTHER_POINTS:
        sub = plugins.obj(point)
        if sub is None:
            continue
        for i, e in enumerate(sub.objs("enabled")):
            name = e.required_str("name")
            if name not in BUILT_IN:
                raise FieldError(
                    f"{plugins.at(point)}.enabled[{i}].name",
                    f"plugin {quote(name)} at {point} is not supported: vigil simulates "
                    "PrioritySort, the scheduling gates and immediate binding only",
                )


class _Builder:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.notes: list[str] = []
        self._probe = Framework(Profile(), registry)

    def implements(self, name: str, args: Mapping[str, Any], path: str) -> set[str]:
        if name in BUILT_IN or name in NOT_MODELLED:
            return set()
        try:
            factory = self.registry.factory(name)
        except UnknownPluginError:
            known = ", ".join(sorted(self.registry))
            raise FieldError(
                path, f"plugin {quote(name)} is not supported (vigil implements {known})"
            ) from None
        try:
            plugin = factory(args, self._probe)
        except (ValueError, TypeError, KeyError) as exc:
            raise FieldError(path, f"invalid args for {name}: {exc}") from None
        return {p for p, kind in POINT_TYPES.items() if isinstance(plugin, kind)}

    def profile(self, f: Fields) -> Profile:
        name = f.string("schedulerName", DEFAULT_SCHEDULER_NAME)
        plugins = f.obj("plugins") or Fields({}, f.at("plugins"))
        _check_other_points(plugins)
        args_by_name: dict[str, dict[str, Any]] = {}
        for pc in f.objs("pluginConfig"):
            plugin = pc.required_str("name")
            args_by_name[plugin] = _plugin_args(pc, plugin)
        multi = merge_plugin_set(
            _PluginSet([_Entry(n, w) for n, w in DEFAULT_MULTI_POINT]),
            _plugin_set(plugins.obj("multiPoint")),
        )
        specific = {p: merge_plugin_set(_PluginSet(), _plugin_set(plugins.obj(p))) for p in POINTS}
        origins = {e.name: "plugins.multiPoint" for e in multi.enabled}
        for point, ps in specific.items():
            origins.update((e.name, f"plugins.{point}") for e in ps.enabled)
        origins.update((n, "pluginConfig") for n in args_by_name if n not in origins)
        names = set(origins)
        implements = {
            n: self.implements(n, args_by_name.get(n, {}), f.at(origins[n])) for n in sorted(names)
        }
        absent = sorted(n for n in names & NOT_MODELLED if any(e.name == n for e in multi.enabled))
        if absent:
            self.notes.append(f"profile {name}: not modelled by vigil: {', '.join(absent)}")
        points = {p: _expand(p, multi, specific[p], implements) for p in POINTS}
        for p, entries in points.items():
            for e in entries:
                if p not in implements.get(e.name, set()) and e.name not in BUILT_IN:
                    if e.name in NOT_MODELLED:
                        continue
                    raise FieldError(f"{plugins.at(p)}", f"plugin {e.name} does not implement {p}")
        score = tuple(
            (e.name, e.weight or 1) for e in points["score"] if "score" in implements[e.name]
        )

        def names_at(point: str) -> tuple[str, ...]:
            return tuple(e.name for e in points[point] if point in implements.get(e.name, set()))

        return Profile(
            scheduler_name=name,
            pre_filter=names_at("preFilter"),
            filter=names_at("filter"),
            post_filter=names_at("postFilter"),
            pre_score=names_at("preScore"),
            score=score,
            plugin_args=args_by_name,
            percentage_of_nodes_to_score=_percentage(f, "percentageOfNodesToScore"),
        )


def parse_config(data: Mapping[str, Any], registry: Registry) -> SchedulerConfig:
    """Profiles from a decoded KubeSchedulerConfiguration; raises `FieldError`."""
    f = Fields(data)
    api = f.string("apiVersion")
    if api not in API_VERSIONS:
        raise f.error("apiVersion", f"{quote(api)} is not supported (expected {API_VERSIONS[0]})")
    if f.string("kind") != KIND:
        raise f.error("kind", f"expected {KIND}, got {quote(f.string('kind'))}")
    allowed = IGNORED_FIELDS | {"profiles", "percentageOfNodesToScore", "extenders"}
    for key in data:
        if key not in allowed:
            raise f.error(str(key), "unknown field")
    if f.objs("extenders"):
        raise f.error("extenders", "scheduler extenders are not supported")
    builder = _Builder(registry)
    profiles = [builder.profile(p) for p in f.objs("profiles")]
    if not profiles:
        profiles = [builder.profile(Fields({}, "profiles[0]"))]
    seen: set[str] = set()
    for i, p in enumerate(profiles):
        if p.scheduler_name in seen:
            raise FieldError(f"profiles[{i}].schedulerName", "duplicate scheduler name")
        seen.add(p.scheduler_name)
    return SchedulerConfig(profiles, _percentage(f, "percentageOfNodesToScore") or 0, builder.notes)


def load_config(data: bytes, source: str, registry: Registry) -> SchedulerConfig:
    """Read a configuration file; raises `ConfigError` with a one-line message."""
    docs: Iterator[Any] = (d.data for d in parse_documents_of(data, source))
    try:
        found = list(docs)
    except ManifestError as exc:
        raise ConfigError(str(exc)) from None
    if len(found) != 1 or not isinstance(found[0], Mapping):
        raise ConfigError(f"{source}: expected one KubeSchedulerConfiguration object")
    try:
        return parse_config(found[0], registry)
    except FieldError as exc:
        raise ConfigError(f"{source}: {exc}") from None
