"""Taint-based eviction, as the taint eviction controller decides it (``tainteviction``).

For each pod bound to a node with ``NoExecute`` taints (only those evict; ``NoSchedule`` and
``PreferNoSchedule`` never do): every ``NoExecute`` taint must be matched by a toleration, the
first matching one per taint (``GetMatchingTolerations``); if one is not, the pod is deleted at
once. Otherwise the pod is deleted after the smallest ``tolerationSeconds`` of the tolerations
used (``getMinTolerationTime``: unset values are ignored, a value <= 0 means at once), or never
when none of them sets it. Before deleting, the controller sets the pod condition
``DisruptionTarget=True`` with reason ``DeletionByTaintManager``. Pods created through the API
carry the DefaultTolerationSeconds tolerations (``node.kubernetes.io/not-ready`` and
``unreachable`` for 300 s), so a node that goes NotReady evicts them after five minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vigil.cluster.cluster import Cluster
from vigil.cluster.node import NO_EXECUTE, Node, Taint
from vigil.cluster.pod import Pod, Toleration
from vigil.cluster.taints import tolerates

DELETION_BY_TAINT_MANAGER = "DeletionByTaintManager"
DISRUPTION_TARGET = "DisruptionTarget"


class TaintOutcome(StrEnum):
    """What the controller does with a pod on a node with NoExecute taints."""

    EVICT_NOW = "EvictNow"
    EVICT_AFTER = "EvictAfter"
    TOLERATED = "Tolerated"


@dataclass(frozen=True, slots=True)
class TaintEviction:
    """One pod on a node with NoExecute taints."""

    pod: str
    node: str
    outcome: TaintOutcome
    evict_after_seconds: int | None
    taint: Taint
    """The untolerated taint, or the one whose toleration sets the deadline (else the first)."""
    reason: str

    @property
    def evicted(self) -> bool:
        """Whether the pod is deleted (now or later)."""
        return self.outcome is not TaintOutcome.TOLERATED

    @property
    def condition(self) -> dict[str, str] | None:
        """The condition the controller sets on the pod before deleting it (None if kept)."""
        if not self.evicted:
            return None
        return {
            "type": DISRUPTION_TARGET,
            "status": "True",
            "reason": DELETION_BY_TAINT_MANAGER,
            "message": "Taint manager: deleting due to NoExecute taint",
        }

    def as_dict(self) -> dict[str, Any]:
        """The documented JSON object of ``vigil taint-evictions``."""
        return {
            "pod": self.pod,
            "node": self.node,
            "evicted": self.evicted,
            "evictAfterSeconds": self.evict_after_seconds,
            "taint": format_taint(self.taint),
            "reason": self.reason,
            "condition": self.condition,
        }


def format_taint(taint: Taint) -> str:
    """``key=value:Effect``, or ``key:Effect`` without a value (kubectl's form)."""
    if taint.value:
        return f"{taint.key}={taint.value}:{taint.effect}"
    return f"{taint.key}:{taint.effect}"


def matching_tolerations(
    taints: Sequence[Taint], tolerations: Sequence[Toleration]
) -> tuple[Taint | None, list[tuple[Taint, Toleration]]]:
    """``GetMatchingTolerations``: the first untolerated taint (or None) and, when every taint
    is tolerated, the first toleration matching each."""
    used: list[tuple[Taint, Toleration]] = []
    for taint in taints:
        match = next((t for t in tolerations if tolerates(t, taint)), None)
        if match is None:
            return taint, []
        used.append((taint, match))
    return None, used


def evaluate_pod(pod: Pod, node: Node) -> TaintEviction | None:
    """The controller's decision for one pod on ``node``; None when the node has no NoExecute
    taint."""
    taints = [t for t in node.taints if t.effect == NO_EXECUTE]
    if not taints:
        return None
    untolerated, used = matching_tolerations(taints, pod.spec.tolerations)
    if untolerated is not None:
        return TaintEviction(
            pod.key,
            node.name,
            TaintOutcome.EVICT_NOW,
            0,
            untolerated,
            f"no toleration matches taint {format_taint(untolerated)}: deleted at once",
        )
    timed = [(t, tol) for t, tol in used if tol.toleration_seconds is not None]
    if not timed:
        return TaintEviction(
            pod.key,
            node.name,
            TaintOutcome.TOLERATED,
            None,
            taints[0],
            "every NoExecute taint is tolerated without tolerationSeconds: never evicted",
        )
    taint, tol = min(timed, key=lambda pair: pair[1].toleration_seconds or 0)
    seconds = max(0, tol.toleration_seconds or 0)
    if seconds == 0:
        return TaintEviction(
            pod.key,
            node.name,
            TaintOutcome.EVICT_NOW,
            0,
            taint,
            f"the toleration of {format_taint(taint)} has tolerationSeconds "
            f"{tol.toleration_seconds}: deleted at once",
        )
    return TaintEviction(
        pod.key,
        node.name,
        TaintOutcome.EVICT_AFTER,
        seconds,
        taint,
        f"deleted {seconds}s after the taint {format_taint(taint)} appeared (the smallest "
        "tolerationSeconds of the tolerations used)",
    )


def taint_evictions(cluster: Cluster, nodes: Iterable[str] | None = None) -> list[TaintEviction]:
    """Every pod bound to a node (of ``nodes``, default all) with NoExecute taints, in node
    order then pod order."""
    wanted = None if nodes is None else set(nodes)
    out = []
    for node in cluster.nodes:
        if wanted is not None and node.name not in wanted:
            continue
        for pod in cluster.pods_on_node(node.name):
            found = evaluate_pod(pod, node)
            if found is not None:
                out.append(found)
    return out
