"""Eviction API decisions, as ``pkg/registry/core/pod/storage/eviction.go`` makes them.

In upstream's order:

1. A pod that is ``Pending``, ``Succeeded`` or ``Failed``, or already being deleted, is deleted
   without consulting any PodDisruptionBudget (``canIgnorePDB``).
2. The PDBs of the pod's namespace whose selector matches its labels are looked up; a null or
   empty selector guards nothing. More than one: ``500`` ("This pod has more than one
   PodDisruptionBudget, which the eviction subresource does not support."). None: deleted.
3. A pod that is not Ready (condition ``Ready`` not ``True``): with ``unhealthyPodEvictionPolicy:
   AlwaysAllow`` it is deleted without using the budget; with ``IfHealthyBudget`` (the default)
   only when ``currentHealthy >= desiredHealthy`` and ``desiredHealthy > 0``; otherwise step 4.
4. ``checkAndDecrement``: a status not yet observed (``observedGeneration < generation``) is
   ``429`` ("The disruption budget NAME is still being processed by the server."), a negative
   ``disruptionsAllowed`` or more than 2000 ``disruptedPods`` ``403``, ``disruptionsAllowed == 0``
   ``429`` ("The disruption budget NAME needs D healthy pods and has C currently"); otherwise
   one disruption is used and the pod joins ``disruptedPods``.

Before deleting, the API server sets the pod condition ``DisruptionTarget=True`` with reason
``EvictionByEvictionAPI``. Success is a ``Status{Success}`` (code 200 here; some clients report
201). Decisions carry a human sentence of why, besides upstream's message and causes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from vigil.cluster.disruption_budget import BudgetStatus
from vigil.cluster.pod import Pod
from vigil.cluster.policy import PodDisruptionBudget

MAX_DISRUPTED_POD_SIZE = 2000
TOO_MANY_REQUESTS_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget."
MULTIPLE_PDBS_MESSAGE = (
    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not "
    "support."
)
DISRUPTION_BUDGET_CAUSE = "DisruptionBudget"
DISRUPTION_TARGET = "DisruptionTarget"
EVICTION_BY_EVICTION_API = "EvictionByEvictionAPI"
ALWAYS_ALLOW = "AlwaysAllow"
IF_HEALTHY_BUDGET = "IfHealthyBudget"


class EvictionCode(IntEnum):
    """HTTP status of the eviction request."""

    OK = 200
    FORBIDDEN = 403
    TOO_MANY_REQUESTS = 429
    INTERNAL_ERROR = 500


class EvictionReason(StrEnum):
    """``Status.reason`` of the answer (empty on success)."""

    NONE = ""
    FORBIDDEN = "Forbidden"
    TOO_MANY_REQUESTS = "TooManyRequests"
    INTERNAL_ERROR = "InternalError"


class EvictionPath(StrEnum):
    """Which rule decided, for people and tests."""

    PDB_IGNORED = "PDBIgnored"
    NO_PDB = "NoPDB"
    MULTIPLE_PDBS = "MultiplePDBs"
    UNHEALTHY_ALWAYS_ALLOW = "UnhealthyAlwaysAllow"
    UNHEALTHY_BUDGET_MET = "UnhealthyBudgetMet"
    STATUS_NOT_OBSERVED = "StatusNotObserved"
    NEGATIVE_BUDGET = "NegativeBudget"
    TOO_MANY_DISRUPTED = "TooManyDisruptedPods"
    NO_BUDGET = "NoBudget"
    BUDGET_USED = "BudgetUsed"


@dataclass(frozen=True, slots=True)
class StatusCause:
    """One ``details.causes`` entry."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class EvictionDecision:
    """What the Eviction API answers for one pod."""

    pod: str
    allowed: bool
    code: EvictionCode
    reason: EvictionReason
    message: str
    """Upstream's message; on success, a sentence saying why the eviction was allowed."""
    path: EvictionPath
    pdb: str | None = None
    causes: tuple[StatusCause, ...] = ()
    uses_budget: bool = False
    """True when a disruption of the PDB was used (the pod joins ``disruptedPods``)."""
    policy: str = IF_HEALTHY_BUDGET
    """The ``unhealthyPodEvictionPolicy`` that applied (``IfHealthyBudget`` when unset)."""
    guarding: tuple[str, ...] = field(default_factory=tuple)
    """Every PDB that guards the pod (several for a 500)."""

    def as_dict(self) -> dict[str, Any]:
        """The documented JSON object of ``vigil evict``."""
        return {
            "pod": self.pod,
            "allowed": self.allowed,
            "code": int(self.code),
            "reason": str(self.reason),
            "message": self.message,
            "causes": [{"reason": c.reason, "message": c.message} for c in self.causes],
            "pdb": self.pdb,
        }


def can_ignore_pdb(pod: Pod) -> bool:
    """``canIgnorePDB``: pending, terminal and deleting pods are deleted without a PDB check."""
    return pod.status.phase in ("Pending", "Succeeded", "Failed") or pod.is_terminating


def _ok(pod: Pod, path: EvictionPath, message: str, **extra: Any) -> EvictionDecision:
    return EvictionDecision(
        pod.key, True, EvictionCode.OK, EvictionReason.NONE, message, path, **extra
    )


def _refused(
    pod: Pod,
    code: EvictionCode,
    reason: EvictionReason,
    message: str,
    path: EvictionPath,
    **extra: Any,
) -> EvictionDecision:
    return EvictionDecision(pod.key, False, code, reason, message, path, **extra)


def decide_eviction(
    pod: Pod,
    pdbs: Sequence[PodDisruptionBudget],
    status: BudgetStatus | None,
    *,
    policy_override: str | None = None,
) -> EvictionDecision:
    """The answer to ``POST .../pods/NAME/eviction`` for ``pod``.

    ``pdbs`` are the PDBs guarding the pod (`vigil.cluster.Cluster.pdbs_for`); ``status`` is the
    status of the single one, as stored (a recorded status, or the one the disruption
    controller computes); ``policy_override`` replaces every PDB's ``unhealthyPodEvictionPolicy``
    (what-if).
    """
    if can_ignore_pdb(pod):
        why = "being deleted" if pod.is_terminating else pod.status.phase
        return _ok(
            pod,
            EvictionPath.PDB_IGNORED,
            f"the pod is {why}: deleted without consulting PodDisruptionBudgets",
        )
    keys = tuple(p.metadata.key for p in pdbs)
    if len(pdbs) > 1:
        return _refused(
            pod,
            EvictionCode.INTERNAL_ERROR,
            EvictionReason.INTERNAL_ERROR,
            MULTIPLE_PDBS_MESSAGE,
            EvictionPath.MULTIPLE_PDBS,
            guarding=keys,
        )
    if not pdbs:
        return _ok(pod, EvictionPath.NO_PDB, "no PodDisruptionBudget guards the pod")
    pdb = pdbs[0]
    if status is None:
        raise ValueError(f"the status of PodDisruptionBudget {pdb.metadata.key} is needed")
    name, key = pdb.metadata.name, pdb.metadata.key
    policy = policy_override or pdb.unhealthy_pod_eviction_policy or IF_HEALTHY_BUDGET
    common: dict[str, Any] = {"pdb": key, "policy": policy, "guarding": keys}
    if not pod.is_ready:
        if policy == ALWAYS_ALLOW:
            return _ok(
                pod,
                EvictionPath.UNHEALTHY_ALWAYS_ALLOW,
                f"the pod is not Ready and {name} has unhealthyPodEvictionPolicy AlwaysAllow: "
                "deleted without using the budget",
                **common,
            )
        if status.current_healthy >= status.desired_healthy and status.desired_healthy > 0:
            return _ok(
                pod,
                EvictionPath.UNHEALTHY_BUDGET_MET,
                f"the pod is not Ready and {name} is met ({status.current_healthy} healthy, "
                f"{status.desired_healthy} needed): deleted without using the budget",
                **common,
            )
    if status.observed_generation < pdb.metadata.generation:
        cause = StatusCause(
            DISRUPTION_BUDGET_CAUSE,
            f"The disruption budget {name} is still being processed by the server.",
        )
        return _refused(
            pod,
            EvictionCode.TOO_MANY_REQUESTS,
            EvictionReason.TOO_MANY_REQUESTS,
            TOO_MANY_REQUESTS_MESSAGE,
            EvictionPath.STATUS_NOT_OBSERVED,
            causes=(cause,),
            **common,
        )
    if status.disruptions_allowed < 0:
        return _refused(
            pod,
            EvictionCode.FORBIDDEN,
            EvictionReason.FORBIDDEN,
            f'poddisruptionbudget.policy "{name}" is forbidden: pdb disruptions allowed is '
            "negative",
            EvictionPath.NEGATIVE_BUDGET,
            **common,
        )
    if len(status.disrupted_pods) > MAX_DISRUPTED_POD_SIZE:
        return _refused(
            pod,
            EvictionCode.FORBIDDEN,
            EvictionReason.FORBIDDEN,
            f'poddisruptionbudget.policy "{name}" is forbidden: DisruptedPods map too big - too '
            "many evictions not confirmed by PDB controller",
            EvictionPath.TOO_MANY_DISRUPTED,
            **common,
        )
    if status.disruptions_allowed == 0:
        cause = StatusCause(
            DISRUPTION_BUDGET_CAUSE,
            f"The disruption budget {name} needs {status.desired_healthy} healthy pods and has "
            f"{status.current_healthy} currently",
        )
        return _refused(
            pod,
            EvictionCode.TOO_MANY_REQUESTS,
            EvictionReason.TOO_MANY_REQUESTS,
            TOO_MANY_REQUESTS_MESSAGE,
            EvictionPath.NO_BUDGET,
            causes=(cause,),
            **common,
        )
    return _ok(
        pod,
        EvictionPath.BUDGET_USED,
        f"{name} allows {status.disruptions_allowed} disruption(s); this eviction uses one",
        uses_budget=True,
        **common,
    )
