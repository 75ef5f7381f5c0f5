"""PodDisruptionBudget status as the disruption controller computes it (``pkg/controller/disruption``).

One implementation, read by preemption (which PDB a victim would break) and by the Eviction
API model (whether an eviction is allowed):

* selected pods: the PDB's namespace, matching ``spec.selector`` (policy/v1: ``{}`` selects
  every pod of the namespace, a null selector none);
* ``minAvailable`` as an integer: ``expectedPods`` is the number of selected pods and
  ``desiredHealthy`` the value;
* ``minAvailable`` as a percentage, or ``maxUnavailable``: ``expectedPods`` is the sum of the
  scales of the controllers of the selected pods (a Deployment through its ReplicaSet, a
  ReplicaSet, a StatefulSet: ``spec.replicas``); pods without a controller are skipped
  (upstream's ``UnmanagedPods`` event); a controller whose scale is unknown fails the sync
  (``found no controllers for pod "name"``), which upstream answers with
  ``disruptionsAllowed: 0`` and the condition reason ``SyncFailed``, the rest of the recorded
  status (``observedGeneration`` included) kept as it was (``failSafe``); percentages round up;
  ``desiredHealthy`` is ``max(0, expected - maxUnavailable)`` or the scaled ``minAvailable``;
* ``currentHealthy``: selected pods that are not terminating, not in ``disruptedPods`` (entries
  younger than two minutes; without a clock every entry counts) and Ready; ``disruptedPods``
  keeps the entries of pods that exist, are not terminating and are not past the timeout;
* ``disruptionsAllowed = currentHealthy - desiredHealthy``, 0 when that is negative or when
  ``expectedPods <= 0``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from vigil.cluster.cluster import Cluster
from vigil.cluster.pod import Pod
from vigil.cluster.policy import PodDisruptionBudget, PodDisruptionBudgetStatus, scaled_value
from vigil.cluster.selectors import Selector
from vigil.cluster.workloads import Workload

DELETION_TIMEOUT = timedelta(minutes=2)
"""How long an entry of ``disruptedPods`` keeps its pod out of ``currentHealthy``."""


class BudgetReason(StrEnum):
    """Reason of the PDB's ``DisruptionAllowed`` condition."""

    SUFFICIENT_PODS = "SufficientPods"
    INSUFFICIENT_PODS = "InsufficientPods"
    SYNC_FAILED = "SyncFailed"


ControllerLookup = Callable[[Pod], Workload | None]
"""The workload whose scale counts for a pod, or None when it is not known."""


def scale_owner(cluster: Cluster, pod: Pod) -> Workload | None:
    """The workload whose ``spec.replicas`` counts for a pod: its ReplicaSet's Deployment,
    else its ReplicaSet (also standing in for a Deployment missing from the input), else its
    StatefulSet; None when its controller is not in the store."""
    chain = cluster.owner_chain(pod.metadata)
    if not chain:
        return None
    if chain[0].kind == "ReplicaSet" and len(chain) > 1 and chain[1].kind == "Deployment":
        return chain[1]
    return chain[0]


def controller_lookup(cluster: Cluster) -> ControllerLookup:
    """`scale_owner` bound to a store."""

    def lookup(pod: Pod) -> Workload | None:
        return scale_owner(cluster, pod)

    return lookup


def budget_statuses(cluster: Cluster, *, now: datetime | None = None) -> list[BudgetStatus]:
    """The computed status of every PDB of the store, in the store's order."""
    lookup = controller_lookup(cluster)
    return [
        compute_status(pdb, cluster.pods_in_namespace(pdb.metadata.namespace), lookup, now=now)
        for pdb in cluster.pdbs
    ]


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """A PDB's status with the facts it came from."""

    pdb: PodDisruptionBudget
    expected_pods: int
    current_healthy: int
    desired_healthy: int
    disruptions_allowed: int
    reason: BudgetReason
    message: str
    """Why: the arithmetic, or the sync error (``found no controllers for pod "web-1"``)."""
    selected: tuple[str, ...] = ()
    unmanaged: tuple[str, ...] = ()
    """Selected pods without a controller (upstream's ``UnmanagedPods`` event)."""
    disrupted_pods: Mapping[str, datetime | None] = field(default_factory=dict)
    observed_generation: int = 0

    @property
    def key(self) -> str:
        """``namespace/name`` of the PDB."""
        return self.pdb.metadata.key

    def as_recorded(self) -> PodDisruptionBudgetStatus:
        """The ``status`` object the controller would write."""
        return PodDisruptionBudgetStatus(
            disruptions_allowed=self.disruptions_allowed,
            current_healthy=self.current_healthy,
            desired_healthy=self.desired_healthy,
            expected_pods=self.expected_pods,
            observed_generation=self.observed_generation,
            disrupted_pods=dict(self.disrupted_pods),
        )


def is_healthy(pod: Pod) -> bool:
    """Counted in ``currentHealthy`` when not in ``disruptedPods``: not terminating, and Ready."""
    return not pod.is_terminating and pod.is_ready


def _scale_of(pod: Pod, lookup: ControllerLookup) -> tuple[str, int]:
    """``(controller identity, scale)``; raises LookupError as upstream's finders fail."""
    owner = lookup(pod)
    if owner is None or owner.replicas is None:
        raise LookupError(f'found no controllers for pod "{pod.name}"')
    return f"{owner.kind}/{owner.metadata.key}", owner.replicas


def _expected_scale(pods: Iterable[Pod], lookup: ControllerLookup) -> tuple[int, list[str]]:
    scales: dict[str, int] = {}
    unmanaged: list[str] = []
    for pod in pods:
        if pod.metadata.controller() is None:
            unmanaged.append(pod.name)
            continue
        ident, scale = _scale_of(pod, lookup)
        scales[ident] = scale
    return sum(scales.values()), unmanaged


def _disrupted(pdb: PodDisruptionBudget) -> Mapping[str, datetime | None]:
    return pdb.status.disrupted_pods if pdb.status is not None else {}


def _kept(when: datetime | None, now: datetime | None) -> bool:
    """``buildDisruptedPodMap`` drops an entry once ``when + DeletionTimeout`` is before now."""
    return now is None or when is None or not when + DELETION_TIMEOUT < now


def _still_disrupted(when: datetime | None, now: datetime | None) -> bool:
    """``countHealthyPods`` skips a pod while ``when + DeletionTimeout`` is after now."""
    return now is None or when is None or when + DELETION_TIMEOUT > now


def _fail_safe(
    pdb: PodDisruptionBudget,
    message: str,
    selected: tuple[str, ...],
    disrupted: Mapping[str, datetime | None],
) -> BudgetStatus:
    """``failSafe``: the recorded status with no disruption allowed, ``observedGeneration``
    unchanged."""
    st = pdb.status or PodDisruptionBudgetStatus()
    return BudgetStatus(
        pdb,
        st.expected_pods,
        st.current_healthy,
        st.desired_healthy,
        0,
        BudgetReason.SYNC_FAILED,
        message,
        selected,
        (),
        st.disrupted_pods if pdb.status is not None else disrupted,
        st.observed_generation,
    )


def desired_healthy(pdb: PodDisruptionBudget, expected: int) -> int:
    """``desiredHealthy`` for ``expected`` pods: ``minAvailable`` (a percentage of ``expected``
    rounded up), or ``expected - maxUnavailable`` (rounded up) floored at 0, or 0 without
    either. Raises ValueError for a malformed percentage."""
    if pdb.max_unavailable is not None:
        unavailable = scaled_value(pdb.max_unavailable, expected, round_up=True)
        return max(0, expected - unavailable)
    if pdb.min_available is not None:
        return scaled_value(pdb.min_available, expected, round_up=True)
    return 0


def compute_status(
    pdb: PodDisruptionBudget,
    pods: Iterable[Pod],
    lookup: ControllerLookup,
    *,
    now: datetime | None = None,
) -> BudgetStatus:
    """The status the disruption controller would write, from ``pods`` (any pods: the PDB's
    selection is applied here) and ``lookup`` for the scale of their controllers."""
    namespace = pdb.metadata.namespace
    selector = Selector.from_label_selector(pdb.selector)
    selected = [p for p in pods if p.namespace == namespace and selector.matches(p.labels)]
    live = {p.name for p in selected if not p.is_terminating}
    disrupted = {
        name: when for name, when in _disrupted(pdb).items() if name in live and _kept(when, now)
    }
    keys = tuple(p.key for p in selected)
    generation = pdb.metadata.generation
    unmanaged: list[str] = []
    try:
        if pdb.max_unavailable is not None or isinstance(pdb.min_available, str):
            expected, unmanaged = _expected_scale(selected, lookup)
        elif isinstance(pdb.min_available, int):
            expected = len(selected)
        else:
            expected = 0
        desired = desired_healthy(pdb, expected)
    except (LookupError, ValueError) as exc:
        return _fail_safe(pdb, str(exc), keys, disrupted)
    healthy = sum(
        1
        for p in selected
        if is_healthy(p) and not (p.name in disrupted and _still_disrupted(disrupted[p.name], now))
    )
    allowed = healthy - desired
    if expected <= 0 or allowed <= 0:
        allowed = 0
    reason = BudgetReason.SUFFICIENT_PODS if allowed > 0 else BudgetReason.INSUFFICIENT_PODS
    message = f"{healthy} healthy of {expected} expected, {desired} needed"
    return BudgetStatus(
        pdb,
        expected,
        healthy,
        desired,
        allowed,
        reason,
        message,
        keys,
        tuple(unmanaged),
        disrupted,
        generation,
    )


def recorded_status(pdb: PodDisruptionBudget) -> BudgetStatus | None:
    """The status given in the input, as a `BudgetStatus`, or None when there is none."""
    st = pdb.status
    if st is None:
        return None
    reason = (
        BudgetReason.SUFFICIENT_PODS
        if st.disruptions_allowed > 0
        else BudgetReason.INSUFFICIENT_PODS
    )
    return BudgetStatus(
        pdb,
        st.expected_pods,
        st.current_healthy,
        st.desired_healthy,
        st.disruptions_allowed,
        reason,
        "as recorded in the input",
        (),
        (),
        st.disrupted_pods,
        st.observed_generation,
    )
