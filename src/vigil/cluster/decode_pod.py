"""Decoding of pod specs (also used for workload templates) from YAML mappings."""

from __future__ import annotations

from vigil.cluster.decode_security import decode_pod_security
from vigil.cluster.errors import FieldError, quote
from vigil.cluster.pod import (
    Affinity,
    Container,
    ContainerPort,
    ContainerStatus,
    NodeAffinity,
    PodAffinity,
    PodAffinityTerm,
    PodCondition,
    PodSpec,
    PodStatus,
    ResourceRequirements,
    Toleration,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from vigil.cluster.reader import Fields
from vigil.cluster.selectors import (
    LABEL_OPERATORS,
    NODE_SELECTOR_OPERATORS,
    LabelSelector,
    NodeSelector,
    NodeSelectorTerm,
    PreferredSchedulingTerm,
    Requirement,
)

_PROTOCOLS = frozenset({"TCP", "UDP", "SCTP"})
_TOLERATION_OPERATORS = frozenset({"", "Equal", "Exists", "Lt", "Gt"})
_TAINT_EFFECTS = frozenset({"", "NoSchedule", "PreferNoSchedule", "NoExecute"})
_POLICIES = frozenset({"Honor", "Ignore"})


def _requirement(f: Fields, operators: frozenset[str]) -> Requirement:
    """A selector requirement, with the API server's rules on ``values``
    (``ValidateLabelSelectorRequirement``, ``ValidateNodeSelectorRequirement``)."""
    op = f.required_str("operator")
    if op not in operators:
        raise f.error(
            "operator", f"{quote(op)} is not a valid operator (expected {sorted(operators)})"
        )
    values = f.strs("values")
    if op in ("In", "NotIn") and not values:
        raise f.error(
            "values", "Required value: must be specified when `operator` is 'In' or 'NotIn'"
        )
    if op in ("Exists", "DoesNotExist") and values:
        raise f.error(
            "values",
            "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        )
    if op in ("Gt", "Lt") and len(values) != 1:
        raise f.error(
            "values",
            "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
        )
    return Requirement(f.required_str("key"), op, values)


def decode_label_selector(f: Fields | None) -> LabelSelector | None:
    """A ``metav1.LabelSelector``; None when absent (nil)."""
    if f is None:
        return None
    exprs = tuple(_requirement(e, LABEL_OPERATORS) for e in f.objs("matchExpressions"))
    return LabelSelector(f.str_map("matchLabels"), exprs)


def _term(f: Fields) -> NodeSelectorTerm:
    return NodeSelectorTerm(
        tuple(_requirement(e, NODE_SELECTOR_OPERATORS) for e in f.objs("matchExpressions")),
        tuple(_requirement(e, NODE_SELECTOR_OPERATORS) for e in f.objs("matchFields")),
    )


def decode_node_affinity(f: Fields) -> NodeAffinity:
    """``affinity.nodeAffinity`` (also NodeAffinityArgs.addedAffinity)."""
    req = f.obj("requiredDuringSchedulingIgnoredDuringExecution")
    required = (
        None
        if req is None
        else NodeSelector(tuple(_term(t) for t in req.objs("nodeSelectorTerms")))
    )
    preferred = []
    for p in f.objs("preferredDuringSchedulingIgnoredDuringExecution"):
        pref = p.obj("preference")
        preferred.append(
            PreferredSchedulingTerm(
                p.integer("weight"), _term(pref) if pref else NodeSelectorTerm()
            )
        )
    return NodeAffinity(required, tuple(preferred))


def _pod_affinity_term(f: Fields) -> PodAffinityTerm:
    return PodAffinityTerm(
        topology_key=f.string("topologyKey"),
        label_selector=decode_label_selector(f.obj("labelSelector")),
        namespaces=f.strs("namespaces"),
        namespace_selector=decode_label_selector(f.obj("namespaceSelector")),
        match_label_keys=f.strs("matchLabelKeys"),
        mismatch_label_keys=f.strs("mismatchLabelKeys"),
    )


def _pod_affinity(f: Fields) -> PodAffinity:
    required = tuple(
        _pod_affinity_term(t) for t in f.objs("requiredDuringSchedulingIgnoredDuringExecution")
    )
    preferred = []
    for p in f.objs("preferredDuringSchedulingIgnoredDuringExecution"):
        term = p.obj("podAffinityTerm")
        if term is None:
            raise p.error("podAffinityTerm", "required")
        preferred.append(WeightedPodAffinityTerm(p.integer("weight"), _pod_affinity_term(term)))
    return PodAffinity(required, tuple(preferred))


def _affinity(f: Fields | None) -> Affinity | None:
    if f is None:
        return None
    na, pa, paa = f.obj("nodeAffinity"), f.obj("podAffinity"), f.obj("podAntiAffinity")
    return Affinity(
        decode_node_affinity(na) if na else None,
        _pod_affinity(pa) if pa else None,
        _pod_affinity(paa) if paa else None,
    )


def decode_resources(f: Fields) -> ResourceRequirements:
    """``resources`` with the API server's defaulting (``SetDefaults_Pod``): a resource given
    only as a limit is requested at that limit, so ``limits: {nvidia.com/gpu: 1}`` requests one
    GPU. Pods in an export already carry it; manifests written by hand often rely on it."""
    requests = f.quantities("requests")
    limits = f.quantities("limits")
    return ResourceRequirements({**limits, **requests}, limits)


def _container(f: Fields) -> Container:
    res = f.obj("resources")
    resources = decode_resources(res) if res else ResourceRequirements()
    ports = []
    for p in f.objs("ports"):
        protocol = p.string("protocol", "TCP")
        if protocol not in _PROTOCOLS:
            raise p.error("protocol", f"unsupported protocol {quote(protocol)}")
        host_port = p.integer("hostPort")
        if not 0 <= host_port <= 65535:
            raise p.error("hostPort", f"must be between 0 and 65535, got {host_port}")
        ports.append(
            ContainerPort(
                p.integer("containerPort"),
                host_port,
                p.string("hostIP"),
                protocol,
                p.string("name"),
            )
        )
    return Container(
        f.string("name"), f.string("image"), resources, tuple(ports), f.opt_str("restartPolicy")
    )


def _toleration(f: Fields) -> Toleration:
    """A toleration, with ``ValidateTolerations``' rules on how its fields go together."""
    op = f.string("operator")
    if op not in _TOLERATION_OPERATORS:
        raise f.error("operator", f"{quote(op)} is not a valid toleration operator")
    effect = f.string("effect")
    if effect not in _TAINT_EFFECTS:
        raise f.error("effect", f"{quote(effect)} is not a valid taint effect")
    key, value, seconds = f.string("key"), f.string("value"), f.opt_int("tolerationSeconds")
    if not key and op != "Exists":
        raise f.error(
            "operator",
            f"Invalid value: {quote(op)}: operator must be Exists when `key` is empty, which "
            'means "match all values and all keys"',
        )
    if op == "Exists" and value:
        raise f.error(
            "operator",
            f"Invalid value: {quote(value)}: value must be empty when `operator` is 'Exists'",
        )
    if seconds is not None and effect != "NoExecute":
        raise f.error(
            "effect",
            f"Invalid value: {quote(effect)}: effect must be 'NoExecute' when "
            "`tolerationSeconds` is set",
        )
    return Toleration(key, op, value, effect, seconds)


def decode_spread_constraint(f: Fields) -> TopologySpreadConstraint:
    """One ``topologySpreadConstraints`` entry (also PodTopologySpreadArgs.defaultConstraints)."""
    when = f.required_str("whenUnsatisfiable")
    if when not in ("DoNotSchedule", "ScheduleAnyway"):
        raise f.error("whenUnsatisfiable", f"unsupported value {quote(when)}")
    max_skew = f.integer("maxSkew")
    if max_skew <= 0:
        raise f.error("maxSkew", f"must be greater than zero, got {max_skew}")
    min_domains = f.opt_int("minDomains")
    if min_domains is not None and min_domains <= 0:
        raise f.error("minDomains", f"must be greater than zero, got {min_domains}")
    policies: dict[str, str | None] = {}
    for key in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
        value = f.opt_str(key)
        if value is not None and value not in _POLICIES:
            raise f.error(key, f"unsupported value {quote(value)}")
        policies[key] = value
    return TopologySpreadConstraint(
        max_skew=max_skew,
        topology_key=f.required_str("topologyKey"),
        when_unsatisfiable=when,
        label_selector=decode_label_selector(f.obj("labelSelector")),
        min_domains=min_domains,
        node_affinity_policy=policies["nodeAffinityPolicy"],
        node_taints_policy=policies["nodeTaintsPolicy"],
        match_label_keys=f.strs("matchLabelKeys"),
    )


def decode_pod_spec(f: Fields) -> PodSpec:
    """``spec`` of a pod or a pod template."""
    containers = tuple(_container(c) for c in f.objs("containers"))
    if not containers:
        raise f.error("containers", "required")
    res = f.obj("resources")
    policy = f.opt_str("preemptionPolicy")
    if policy is not None and policy not in ("Never", "PreemptLowerPriority"):
        raise f.error("preemptionPolicy", f"unsupported value {quote(policy)}")
    return PodSpec(
        containers=containers,
        init_containers=tuple(_container(c) for c in f.objs("initContainers")),
        overhead=f.quantities("overhead"),
        resources=decode_resources(res) if res else None,
        node_selector=f.str_map("nodeSelector"),
        affinity=_affinity(f.obj("affinity")),
        tolerations=tuple(_toleration(t) for t in f.objs("tolerations")),
        topology_spread_constraints=tuple(
            decode_spread_constraint(t) for t in f.objs("topologySpreadConstraints")
        ),
        priority=f.opt_int32("priority"),
        priority_class_name=f.string("priorityClassName"),
        preemption_policy=policy,
        scheduler_name=f.string("schedulerName", "default-scheduler"),
        node_name=f.string("nodeName"),
        scheduling_gates=tuple(g.required_str("name") for g in f.objs("schedulingGates")),
        termination_grace_period_seconds=f.opt_int("terminationGracePeriodSeconds"),
        security=decode_pod_security(f),
        empty_dir_volumes=tuple(
            v.string("name") for v in f.objs("volumes") if v.data.get("emptyDir") is not None
        ),
    )


def decode_pod_status(f: Fields | None) -> PodStatus:
    """``status`` of a pod (phase, conditions, nominatedNodeName, startTime, and why each
    container waits)."""
    if f is None:
        return PodStatus()
    conditions = tuple(
        PodCondition(
            c.required_str("type"), c.string("status"), c.string("reason"), c.string("message")
        )
        for c in f.objs("conditions")
    )
    phase = f.string("phase", "Pending")
    if phase not in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
        raise FieldError(f.at("phase"), f"unsupported phase {quote(phase)}")
    return PodStatus(
        phase,
        conditions,
        f.string("nominatedNodeName"),
        f.time("startTime"),
        tuple(_container_status(c) for c in f.objs("containerStatuses")),
    )


def _container_status(f: Fields) -> ContainerStatus:
    state = f.obj("state")
    waiting = state.obj("waiting") if state is not None else None
    return ContainerStatus(f.string("name"), waiting.string("reason") if waiting else "")
