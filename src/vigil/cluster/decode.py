"""Decoding of one Kubernetes object (by ``kind``) into the typed model."""

from __future__ import annotations

from vigil.cluster.decode_pod import decode_label_selector, decode_pod_spec, decode_pod_status
from vigil.cluster.errors import quote
from vigil.cluster.ingress import Ingress, decode_ingress
from vigil.cluster.meta import ObjectMeta, OwnerReference
from vigil.cluster.namespace import Namespace, Service
from vigil.cluster.node import TAINT_EFFECTS, Node, NodeCondition, Taint
from vigil.cluster.pod import Pod, PodCondition, PodStatus
from vigil.cluster.policy import (
    PREEMPT_LOWER_PRIORITY,
    PodDisruptionBudget,
    PodDisruptionBudgetStatus,
    PriorityClass,
)
from vigil.cluster.reader import Fields
from vigil.cluster.selectors import LabelSelector, Requirement
from vigil.cluster.workloads import SCALED_KINDS, WORKLOAD_KINDS, PodTemplate, Workload

KubeObject = (
    Pod | Node | Namespace | Service | PodDisruptionBudget | PriorityClass | Workload | Ingress
)

NAMESPACED_KINDS = frozenset({"Pod", "Service", "PodDisruptionBudget", "Ingress"}) | WORKLOAD_KINDS
SUPPORTED_KINDS = NAMESPACED_KINDS | {"Node", "Namespace", "PriorityClass"}


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
"""A copy of the object as last applied: often the largest field of an export, never read."""


def decode_meta(f: Fields, *, namespaced: bool, name_required: bool = True) -> ObjectMeta:
    """``metadata``; namespaced objects default to the ``default`` namespace."""
    owners = tuple(
        OwnerReference(
            o.string("apiVersion"),
            o.required_str("kind"),
            o.required_str("name"),
            o.string("uid"),
            o.boolean("controller"),
        )
        for o in f.objs("ownerReferences")
    )
    annotations = f.str_map("annotations")
    annotations.pop(LAST_APPLIED, None)
    return ObjectMeta(
        name=f.required_str("name") if name_required else f.string("name"),
        namespace=(f.string("namespace") or "default") if namespaced else "",
        labels=f.str_map("labels"),
        annotations=annotations,
        uid=f.string("uid"),
        creation_timestamp=f.time("creationTimestamp"),
        deletion_timestamp=f.time("deletionTimestamp"),
        owner_references=owners,
        generation=f.integer("generation"),
        resource_version=f.string("resourceVersion"),
    )


def _empty(path: str) -> Fields:
    return Fields({}, path)


BOUND_WITHOUT_STATUS = PodStatus("Running", (PodCondition("Ready", "True"),))
"""How a pod written without ``status`` but bound to a node is read: running and Ready, as it
would be once its containers started. Exports carry the real status."""


def _pod(meta: ObjectMeta, f: Fields) -> Pod:
    spec_fields = f.obj("spec")
    if spec_fields is None:
        raise f.error("spec", "required")
    spec = decode_pod_spec(spec_fields)
    status_fields = f.obj("status")
    if status_fields is None and spec.node_name:
        return Pod(meta, spec, BOUND_WITHOUT_STATUS)
    return Pod(meta, spec, decode_pod_status(status_fields))


def _node(meta: ObjectMeta, f: Fields) -> Node:
    spec = f.obj("spec") or _empty("spec")
    status = f.obj("status") or _empty("status")
    taints = []
    for t in spec.objs("taints"):
        effect = t.required_str("effect")
        if effect not in TAINT_EFFECTS:
            raise t.error("effect", f"{quote(effect)} is not a valid taint effect")
        taints.append(Taint(t.required_str("key"), effect, t.string("value")))
    capacity = status.quantities("capacity")
    allocatable = status.quantities("allocatable") if status.has("allocatable") else dict(capacity)
    conditions = tuple(
        NodeCondition(c.required_str("type"), c.string("status")) for c in status.objs("conditions")
    )
    return Node(
        meta, spec.boolean("unschedulable"), tuple(taints), capacity, allocatable, conditions
    )


def _check_budget_value(spec: Fields, key: str, value: int | str | None) -> None:
    """``ValidatePositiveIntOrPercent`` and ``IsNotMoreThan100Percent`` (policy validation)."""
    if isinstance(value, int) and value < 0:
        raise spec.error(key, f"must be greater than or equal to 0, got {value}")
    if isinstance(value, str) and int(value[:-1]) > 100:
        raise spec.error(key, f"must not be greater than 100%, got {quote(value)}")


DEFAULT_REPLICAS = 1
"""``spec.replicas`` the API server's defaulting writes when a manifest leaves it out (an
HPA-managed Deployment, say); every scaled kind starts with one pod."""
V1BETA1_SELECTOR_KEY = "pdb.kubernetes.io/deprecated-v1beta1-empty-selector-match"
"""The label key of the selectors policy/v1beta1 PDBs are converted with."""


def _v1beta1_selector(selector: LabelSelector | None) -> LabelSelector | None:
    """policy/v1beta1 read ``{}`` as "no pod" and a ``DoesNotExist`` of
    `V1BETA1_SELECTOR_KEY` as "every pod"; the API server converts them to v1's meanings
    (``NonV1beta1MatchNoneSelector``, ``{}``)."""
    if selector is None:
        return None
    if selector.is_empty():
        return LabelSelector({}, (Requirement(V1BETA1_SELECTOR_KEY, "Exists", ()),))
    match_all = (Requirement(V1BETA1_SELECTOR_KEY, "DoesNotExist", ()),)
    if not selector.match_labels and selector.match_expressions == match_all:
        return LabelSelector()
    return selector


def _pdb(meta: ObjectMeta, f: Fields) -> PodDisruptionBudget:
    spec = f.obj("spec") or _empty("spec")
    min_available, max_unavailable = (
        spec.int_or_str("minAvailable"),
        spec.int_or_str("maxUnavailable"),
    )
    if min_available is not None and max_unavailable is not None:
        raise spec.error("maxUnavailable", "minAvailable and maxUnavailable cannot be both set")
    for key, value in (("minAvailable", min_available), ("maxUnavailable", max_unavailable)):
        _check_budget_value(spec, key, value)
    policy = spec.opt_str("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in ("IfHealthyBudget", "AlwaysAllow"):
        raise spec.error("unhealthyPodEvictionPolicy", f"unsupported value {quote(policy)}")
    st = f.obj("status")
    status = None
    if st is not None:
        disrupted_map = st.obj("disruptedPods")
        disrupted = (
            {} if disrupted_map is None else {k: disrupted_map.time(k) for k in disrupted_map.data}
        )
        status = PodDisruptionBudgetStatus(
            disruptions_allowed=st.integer("disruptionsAllowed"),
            current_healthy=st.integer("currentHealthy"),
            desired_healthy=st.integer("desiredHealthy"),
            expected_pods=st.integer("expectedPods"),
            observed_generation=st.integer("observedGeneration"),
            disrupted_pods=disrupted,
        )
    selector = decode_label_selector(spec.obj("selector"))
    if f.data.get("apiVersion") == "policy/v1beta1":
        selector = _v1beta1_selector(selector)
    return PodDisruptionBudget(
        meta,
        selector,
        min_available,
        max_unavailable,
        policy,
        status,
    )


def _priority_class(meta: ObjectMeta, f: Fields) -> PriorityClass:
    if f.opt_int32("value") is None:
        raise f.error("value", "required")
    policy = f.string("preemptionPolicy", PREEMPT_LOWER_PRIORITY)
    return PriorityClass(
        meta, f.integer("value"), f.boolean("globalDefault"), policy, f.string("description")
    )


def _template_parent(kind: str, spec: Fields) -> Fields | None:
    """Where ``template`` is: ``spec``, or a CronJob's ``spec.jobTemplate.spec``."""
    if kind != "CronJob":
        return spec
    job = spec.obj("jobTemplate")
    return job.obj("spec") if job is not None else None


def _selector(kind: str, parent: Fields | None) -> LabelSelector | None:
    if parent is None:
        return None
    if kind == "ReplicationController":
        return LabelSelector(parent.str_map("selector")) if parent.has("selector") else None
    return decode_label_selector(parent.obj("selector"))


def _workload(kind: str, meta: ObjectMeta, f: Fields) -> Workload:
    spec = f.obj("spec") or _empty("spec")
    parent = _template_parent(kind, spec)
    tmpl = parent.obj("template") if parent is not None else None
    template = None
    if tmpl is not None:
        tmeta = decode_meta(
            tmpl.obj("metadata") or _empty(tmpl.at("metadata")),
            namespaced=True,
            name_required=False,
        )
        tspec = tmpl.obj("spec")
        if tspec is None:
            raise tmpl.error("spec", "required")
        template = PodTemplate(tmeta, decode_pod_spec(tspec))
    replicas = None
    if kind in SCALED_KINDS:
        replicas = spec.opt_int32("replicas")
        replicas = DEFAULT_REPLICAS if replicas is None else replicas
    if replicas is not None and replicas < 0:
        raise spec.error("replicas", f"must be greater than or equal to 0, got {replicas}")
    return Workload(kind, meta, replicas, _selector(kind, parent), template)


def decode_object(kind: str, f: Fields) -> KubeObject:
    """Decode a supported kind; the caller has checked ``kind in SUPPORTED_KINDS``."""
    meta_fields = f.obj("metadata")
    if meta_fields is None:
        raise f.error("metadata", "required")
    meta = decode_meta(meta_fields, namespaced=kind in NAMESPACED_KINDS)
    if kind == "Pod":
        return _pod(meta, f)
    if kind == "Node":
        return _node(meta, f)
    if kind == "Namespace":
        return Namespace(meta)
    if kind == "Service":
        spec = f.obj("spec") or _empty("spec")
        selector = spec.str_map("selector") if spec.has("selector") else None
        return Service(meta, selector, spec.string("type", "ClusterIP"))
    if kind == "PodDisruptionBudget":
        return _pdb(meta, f)
    if kind == "PriorityClass":
        return _priority_class(meta, f)
    if kind == "Ingress":
        return decode_ingress(meta, f)
    return _workload(kind, meta, f)
