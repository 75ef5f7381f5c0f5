"""Fluent builders for pods and nodes, and small harnesses to run one plugin, for tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from vigil.cluster import (
    Affinity,
    Container,
    ContainerPort,
    LabelSelector,
    Node,
    NodeAffinity,
    NodeSelector,
    NodeSelectorTerm,
    ObjectMeta,
    OwnerReference,
    Pod,
    PodAffinity,
    PodAffinityTerm,
    PodSpec,
    PodStatus,
    PreferredSchedulingTerm,
    Requirement,
    ResourceRequirements,
    Taint,
    Toleration,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
    parse_quantity,
)
from vigil.scheduling import (
    CycleState,
    Framework,
    Profile,
    Snapshot,
    Status,
    default_registry,
)


def resource_name(key: str) -> str:
    """``example_com__gpu`` -> ``example.com/gpu``; ``ephemeral_storage`` -> ``ephemeral-storage``."""
    if "__" in key:
        domain, name = key.split("__", 1)
        return f"{domain.replace('_', '.')}/{name.replace('_', '-')}"
    return key.replace("_", "-")


def quantities(**amounts: str | int) -> dict[str, Fraction]:
    """``cpu="500m", memory="1Gi", example_com__gpu=1`` (see `resource_name`)."""
    return {resource_name(k): parse_quantity(v) for k, v in amounts.items()}


def term(*requirements: Requirement, fields: Sequence[Requirement] = ()) -> NodeSelectorTerm:
    """A node selector term."""
    return NodeSelectorTerm(tuple(requirements), tuple(fields))


def req(key: str, op: str, *values: str) -> Requirement:
    """A requirement."""
    return Requirement(key, op, values)


def sel(**labels: str) -> LabelSelector:
    """A matchLabels selector (keys with ``__`` become ``/``)."""
    return LabelSelector({k.replace("__", "/"): v for k, v in labels.items()})


class PodBuilder:
    """Builds a `Pod`; every method returns the builder."""

    def __init__(self, name: str, namespace: str = "default") -> None:
        self._meta = ObjectMeta(name=name, namespace=namespace)
        self._spec = PodSpec()
        self._status = PodStatus()
        self._containers: list[Container] = []
        self._init: list[Container] = []

    def labels(self, **labels: str) -> PodBuilder:
        """Add labels (``__`` in keys becomes ``/``)."""
        merged = {**self._meta.labels, **{k.replace("__", "/"): v for k, v in labels.items()}}
        self._meta = replace(self._meta, labels=merged)
        return self

    def label(self, key: str, value: str) -> PodBuilder:
        """Add one label."""
        self._meta = replace(self._meta, labels={**self._meta.labels, key: value})
        return self

    def container(self, ports: Sequence[ContainerPort] = (), **requests: str | int) -> PodBuilder:
        """Add an app container with requests."""
        name = f"c{len(self._containers)}"
        self._containers.append(
            Container(name, "nginx", ResourceRequirements(quantities(**requests)), tuple(ports))
        )
        return self

    def req(self, **requests: str | int) -> PodBuilder:
        """Shorthand for one container with these requests."""
        return self.container(**requests)

    def init_container(self, *, sidecar: bool = False, **requests: str | int) -> PodBuilder:
        """Add an init container (a sidecar when ``sidecar``)."""
        self._init.append(
            Container(
                f"i{len(self._init)}",
                "busybox",
                ResourceRequirements(quantities(**requests)),
                restart_policy="Always" if sidecar else None,
            )
        )
        return self

    def overhead(self, **amounts: str | int) -> PodBuilder:
        """Set ``spec.overhead``."""
        return self._set(overhead=quantities(**amounts))

    def host_port(self, port: int, ip: str = "", protocol: str = "TCP") -> PodBuilder:
        """Add a container asking for a host port."""
        return self.container(ports=[ContainerPort(8080, port, ip, protocol)])

    def node_selector(self, **labels: str) -> PodBuilder:
        """Set ``spec.nodeSelector``."""
        return self._set(node_selector={k.replace("__", "/"): v for k, v in labels.items()})

    def _affinity(self) -> Affinity:
        return self._spec.affinity or Affinity()

    def required_node_terms(self, *terms: NodeSelectorTerm) -> PodBuilder:
        """Set required node affinity terms."""
        na = self._affinity().node_affinity or NodeAffinity()
        na = replace(na, required=NodeSelector(tuple(terms)))
        return self._set(affinity=replace(self._affinity(), node_affinity=na))

    def preferred_node_term(self, weight: int, preference: NodeSelectorTerm) -> PodBuilder:
        """Add a preferred node affinity term."""
        na = self._affinity().node_affinity or NodeAffinity()
        na = replace(na, preferred=(*na.preferred, PreferredSchedulingTerm(weight, preference)))
        return self._set(affinity=replace(self._affinity(), node_affinity=na))

    def toleration(
        self, key: str = "", value: str = "", effect: str = "", operator: str = ""
    ) -> PodBuilder:
        """Add a toleration."""
        return self._set(
            tolerations=(*self._spec.tolerations, Toleration(key, operator, value, effect))
        )

    def _pod_term(
        self,
        anti: bool,
        topology_key: str,
        selector: LabelSelector | None,
        *,
        weight: int | None,
        namespaces: Sequence[str],
        namespace_selector: LabelSelector | None,
    ) -> PodBuilder:
        t = PodAffinityTerm(topology_key, selector, tuple(namespaces), namespace_selector)
        aff = self._affinity()
        current = (aff.pod_anti_affinity if anti else aff.pod_affinity) or PodAffinity()
        if weight is None:
            current = replace(current, required=(*current.required, t))
        else:
            current = replace(
                current, preferred=(*current.preferred, WeightedPodAffinityTerm(weight, t))
            )
        field = "pod_anti_affinity" if anti else "pod_affinity"
        return self._set(affinity=replace(aff, **{field: current}))

    def pod_affinity(
        self,
        topology_key: str,
        selector: LabelSelector | None,
        *,
        weight: int | None = None,
        namespaces: Sequence[str] = (),
        namespace_selector: LabelSelector | None = None,
    ) -> PodBuilder:
        """Add a required (or, with ``weight``, preferred) pod affinity term."""
        return self._pod_term(
            False,
            topology_key,
            selector,
            weight=weight,
            namespaces=namespaces,
            namespace_selector=namespace_selector,
        )

    def pod_anti_affinity(
        self,
        topology_key: str,
        selector: LabelSelector | None,
        *,
        weight: int | None = None,
        namespaces: Sequence[str] = (),
        namespace_selector: LabelSelector | None = None,
    ) -> PodBuilder:
        """Add a required (or, with ``weight``, preferred) pod anti-affinity term."""
        return self._pod_term(
            True,
            topology_key,
            selector,
            weight=weight,
            namespaces=namespaces,
            namespace_selector=namespace_selector,
        )

    def spread(
        self,
        max_skew: int,
        topology_key: str,
        selector: LabelSelector | None,
        *,
        hard: bool = True,
        min_domains: int | None = None,
        node_affinity_policy: str | None = None,
        node_taints_policy: str | None = None,
        match_label_keys: Sequence[str] = (),
    ) -> PodBuilder:
        """Add a topology spread constraint."""
        c = TopologySpreadConstraint(
            max_skew,
            topology_key,
            "DoNotSchedule" if hard else "ScheduleAnyway",
            selector,
            min_domains,
            node_affinity_policy,
            node_taints_policy,
            tuple(match_label_keys),
        )
        return self._set(topology_spread_constraints=(*self._spec.topology_spread_constraints, c))

    def priority(self, value: int) -> PodBuilder:
        """Set ``spec.priority``."""
        return self._set(priority=value)

    def node(self, name: str) -> PodBuilder:
        """Set ``spec.nodeName``."""
        return self._set(node_name=name)

    def nominated(self, name: str) -> PodBuilder:
        """Set ``status.nominatedNodeName``."""
        self._status = replace(self._status, nominated_node_name=name)
        return self

    def terminating(self) -> PodBuilder:
        """Set a deletion timestamp."""
        self._meta = replace(self._meta, deletion_timestamp=datetime(2026, 1, 1, tzinfo=UTC))
        return self

    def owner(self, kind: str, name: str, api_version: str = "apps/v1") -> PodBuilder:
        """Set a controller owner reference."""
        self._meta = replace(
            self._meta, owner_references=(OwnerReference(api_version, kind, name, controller=True),)
        )
        return self

    def phase(self, phase: str) -> PodBuilder:
        """Set ``status.phase``."""
        self._status = replace(self._status, phase=phase)
        return self

    def _set(self, **changes: Any) -> PodBuilder:
        self._spec = replace(self._spec, **changes)
        return self

    def obj(self) -> Pod:
        """The pod (a container without requests is added if none was)."""
        containers = self._containers or [Container("c0", "nginx")]
        spec = replace(self._spec, containers=tuple(containers), init_containers=tuple(self._init))
        return Pod(self._meta, spec, self._status)


class NodeBuilder:
    """Builds a `Node`; capacity defaults to 110 pods and nothing else."""

    def __init__(self, name: str) -> None:
        self._meta = ObjectMeta(name=name, labels={"kubernetes.io/hostname": name})
        self._alloc: dict[str, Fraction] = {"pods": Fraction(110)}
        self._taints: list[Taint] = []
        self._unschedulable = False

    def labels(self, **labels: str) -> NodeBuilder:
        """Add labels (``__`` in keys becomes ``/``)."""
        merged = {**self._meta.labels, **{k.replace("__", "/"): v for k, v in labels.items()}}
        self._meta = replace(self._meta, labels=merged)
        return self

    def label(self, key: str, value: str) -> NodeBuilder:
        """Add one label."""
        self._meta = replace(self._meta, labels={**self._meta.labels, key: value})
        return self

    def zone(self, zone: str) -> NodeBuilder:
        """Set ``topology.kubernetes.io/zone``."""
        return self.label("topology.kubernetes.io/zone", zone)

    def without_label(self, key: str) -> NodeBuilder:
        """Remove a label."""
        self._meta = replace(
            self._meta, labels={k: v for k, v in self._meta.labels.items() if k != key}
        )
        return self

    def capacity(self, **amounts: str | int) -> NodeBuilder:
        """Set allocatable amounts (``pods`` stays 110 unless given)."""
        self._alloc.update(quantities(**amounts))
        return self

    def taint(self, key: str, value: str = "", effect: str = "NoSchedule") -> NodeBuilder:
        """Add a taint."""
        self._taints.append(Taint(key, effect, value))
        return self

    def unschedulable(self) -> NodeBuilder:
        """Cordon the node."""
        self._unschedulable = True
        return self

    def obj(self) -> Node:
        """The node."""
        return Node(
            self._meta,
            self._unschedulable,
            tuple(self._taints),
            dict(self._alloc),
            dict(self._alloc),
        )


def make_pod(name: str, namespace: str = "default") -> PodBuilder:
    """Start building a pod."""
    return PodBuilder(name, namespace)


def make_node(name: str) -> NodeBuilder:
    """Start building a node."""
    return NodeBuilder(name)


def snapshot(
    nodes: Sequence[Node],
    pods: Sequence[Pod] = (),
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    **kwargs: Any,
) -> Snapshot:
    """A snapshot of these nodes and bound pods."""
    return Snapshot(nodes, pods, namespace_labels=namespaces, **kwargs)


def plugin_framework(name: str, snap: Snapshot, args: Mapping[str, Any] | None = None) -> Framework:
    """A framework running only plugin ``name`` at every point it implements."""
    registry = default_registry()
    probe = registry.factory(name)(args or {}, Framework(Profile(), registry, snap))
    has = {point: hasattr(probe, point) for point in ("pre_filter", "filter", "pre_score", "score")}
    profile = Profile(
        pre_filter=(name,) if has["pre_filter"] else (),
        filter=(name,) if has["filter"] else (),
        pre_score=(name,) if has["pre_score"] else (),
        score=((name, 1),) if has["score"] else (),
        plugin_args={name: args or {}},
    )
    return Framework(profile, registry, snap)


def filter_statuses(
    name: str, pod: Pod, snap: Snapshot, args: Mapping[str, Any] | None = None
) -> dict[str, Status]:
    """PreFilter then Filter of one plugin on every node (PreFilter rejection applies to all)."""
    fwk = plugin_framework(name, snap, args)
    state = CycleState()
    outcome = fwk.run_pre_filter_plugins(state, pod, snap.node_infos)
    if not outcome.status.is_success():
        return {ni.name: outcome.status for ni in snap.node_infos}
    return {ni.name: fwk.run_filter_plugins(state, pod, ni) for ni in snap.node_infos}


def filter_reasons(
    name: str, pod: Pod, snap: Snapshot, args: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Node -> joined reasons ("" when the node passes)."""
    return {n: s.message() for n, s in filter_statuses(name, pod, snap, args).items()}


def plugin_scores(
    name: str,
    pod: Pod,
    snap: Snapshot,
    args: Mapping[str, Any] | None = None,
    nodes: Sequence[str] | None = None,
) -> dict[str, int] | None:
    """PreScore, Score and NormalizeScore of one plugin; None when PreScore skipped it."""
    fwk = plugin_framework(name, snap, args)
    state = CycleState()
    infos = [ni for ni in snap.node_infos if nodes is None or ni.name in nodes]
    status = fwk.run_pre_score_plugins(state, pod, infos)
    assert status.is_success(), status
    if name in state.skip_score_plugins:
        return None
    table, status = fwk.run_score_plugins(state, pod, infos)
    assert status.is_success(), status
    return {n: per[name].normalized for n, per in table.items()}


def raw_scores(
    name: str, pod: Pod, snap: Snapshot, args: Mapping[str, Any] | None = None
) -> dict[str, int]:
    """Raw (pre-normalisation) scores of one plugin."""
    fwk = plugin_framework(name, snap, args)
    state = CycleState()
    fwk.run_pre_score_plugins(state, pod, snap.node_infos)
    table, _ = fwk.run_score_plugins(state, pod, snap.node_infos)
    return {n: per[name].raw for n, per in table.items() if name in per}
