"""The Pod model: everything the scheduler, the disruption logic and the auditor read from a pod.

Resource amounts are kept as exact `Fraction` quantities, as written; the scheduler converts them
to integers the way upstream does. Optional fields that upstream distinguishes from their zero
value (priority, preemptionPolicy, minDomains, inclusion policies) are ``None`` when unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from vigil.cluster.meta import HasMetadata, ObjectMeta
from vigil.cluster.security import PodSecurity
from vigil.cluster.selectors import LabelSelector, NodeSelector, PreferredSchedulingTerm

ResourceList = Mapping[str, Fraction]

DEFAULT_SCHEDULER_NAME = "default-scheduler"


@dataclass(frozen=True, slots=True)
class ContainerPort:
    """``containers[*].ports[*]``; only ``host_port > 0`` matters to scheduling."""

    container_port: int
    host_port: int = 0
    host_ip: str = ""
    protocol: str = "TCP"
    name: str = ""


@dataclass(frozen=True, slots=True)
class ResourceRequirements:
    """``resources``: requests and limits."""

    requests: ResourceList = field(default_factory=dict)
    limits: ResourceList = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Container:
    """An app or init container; an init container with ``restart_policy`` Always is a sidecar."""

    name: str
    image: str = ""
    resources: ResourceRequirements = field(default_factory=ResourceRequirements)
    ports: tuple[ContainerPort, ...] = ()
    restart_policy: str | None = None

    @property
    def is_sidecar(self) -> bool:
        """A restartable init container (``restartPolicy: Always``)."""
        return self.restart_policy == "Always"


@dataclass(frozen=True, slots=True)
class Toleration:
    """``spec.tolerations[*]``; an empty operator means ``Equal``."""

    key: str = ""
    operator: str = ""
    value: str = ""
    effect: str = ""
    toleration_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class NodeAffinity:
    """``affinity.nodeAffinity``; ``required`` is None when unset."""

    required: NodeSelector | None = None
    preferred: tuple[PreferredSchedulingTerm, ...] = ()


@dataclass(frozen=True, slots=True)
class PodAffinityTerm:
    """A pod (anti-)affinity term; ``label_selector``/``namespace_selector`` None means nil."""

    topology_key: str
    label_selector: LabelSelector | None = None
    namespaces: tuple[str, ...] = ()
    namespace_selector: LabelSelector | None = None
    match_label_keys: tuple[str, ...] = ()
    mismatch_label_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WeightedPodAffinityTerm:
    """A preferred pod (anti-)affinity term with its weight (1..100)."""

    weight: int
    term: PodAffinityTerm


@dataclass(frozen=True, slots=True)
class PodAffinity:
    """``affinity.podAffinity`` or ``affinity.podAntiAffinity``."""

    required: tuple[PodAffinityTerm, ...] = ()
    preferred: tuple[WeightedPodAffinityTerm, ...] = ()


@dataclass(frozen=True, slots=True)
class Affinity:
    """``spec.affinity``."""

    node_affinity: NodeAffinity | None = None
    pod_affinity: PodAffinity | None = None
    pod_anti_affinity: PodAffinity | None = None


@dataclass(frozen=True, slots=True)
class TopologySpreadConstraint:
    """``spec.topologySpreadConstraints[*]`` with every field; unset optionals are None."""

    max_skew: int
    topology_key: str
    when_unsatisfiable: str
    label_selector: LabelSelector | None = None
    min_domains: int | None = None
    node_affinity_policy: str | None = None
    node_taints_policy: str | None = None
    match_label_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PodSpec:
    """``spec`` of a pod."""

    containers: tuple[Container, ...] = ()
    init_containers: tuple[Container, ...] = ()
    overhead: ResourceList = field(default_factory=dict)
    resources: ResourceRequirements | None = None
    node_selector: Mapping[str, str] = field(default_factory=dict)
    affinity: Affinity | None = None
    tolerations: tuple[Toleration, ...] = ()
    topology_spread_constraints: tuple[TopologySpreadConstraint, ...] = ()
    priority: int | None = None
    priority_class_name: str = ""
    preemption_policy: str | None = None
    scheduler_name: str = DEFAULT_SCHEDULER_NAME
    node_name: str = ""
    scheduling_gates: tuple[str, ...] = ()
    termination_grace_period_seconds: int | None = None
    security: PodSecurity = field(default_factory=PodSecurity)
    empty_dir_volumes: tuple[str, ...] = ()
    """Names of ``emptyDir`` volumes (local data a drain deletes)."""


@dataclass(frozen=True, slots=True)
class PodCondition:
    """``status.conditions[*]``."""

    type: str
    status: str
    reason: str = ""
    message: str = ""


CRASH_LOOP_BACK_OFF = "CrashLoopBackOff"


@dataclass(frozen=True, slots=True)
class ContainerStatus:
    """``status.containerStatuses[*]``: the container and why it waits, if it does."""

    name: str
    waiting_reason: str = ""
    """``state.waiting.reason`` (``CrashLoopBackOff``, ``ImagePullBackOff``...), empty otherwise."""


@dataclass(frozen=True, slots=True)
class PodStatus:
    """``status`` of a pod."""

    phase: str = "Pending"
    conditions: tuple[PodCondition, ...] = ()
    nominated_node_name: str = ""
    start_time: datetime | None = None
    container_statuses: tuple[ContainerStatus, ...] = ()


@dataclass(frozen=True, slots=True)
class Pod(HasMetadata):
    """A pod as read from a manifest or produced by a workload expansion."""

    metadata: ObjectMeta
    spec: PodSpec = field(default_factory=PodSpec)
    status: PodStatus = field(default_factory=PodStatus)

    kind = "Pod"

    @property
    def priority(self) -> int:
        """``corev1helpers.PodPriority``: ``spec.priority`` or 0 when unset."""
        return self.spec.priority if self.spec.priority is not None else 0

    @property
    def is_terminal(self) -> bool:
        """Phase ``Succeeded`` or ``Failed``: the pod holds no resources any more."""
        return self.status.phase in ("Succeeded", "Failed")

    @property
    def is_terminating(self) -> bool:
        """A deletion timestamp is set."""
        return self.metadata.deletion_timestamp is not None

    def condition(self, type_: str) -> PodCondition | None:
        """The status condition of that type, if present."""
        for cond in self.status.conditions:
            if cond.type == type_:
                return cond
        return None

    @property
    def is_crash_looping(self) -> bool:
        """Some container waits in ``CrashLoopBackOff``."""
        return any(c.waiting_reason == CRASH_LOOP_BACK_OFF for c in self.status.container_statuses)

    @property
    def is_ready(self) -> bool:
        """Condition ``Ready`` is ``True`` (the PDB notion of healthy)."""
        cond = self.condition("Ready")
        return cond is not None and cond.status == "True"
