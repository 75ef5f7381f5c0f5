"""TaintToleration: hard taints (NoSchedule/NoExecute) filter; PreferNoSchedule taints score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vigil.cluster.node import PREFER_NO_SCHEDULE
from vigil.cluster.pod import Pod, Toleration
from vigil.cluster.taints import find_untolerated_taint, tolerations_tolerate
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import Handle, NodeScore, ScoreExtensions
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.plugins.normalize import default_normalize_score
from vigil.scheduling.profile import TAINT_TOLERATION
from vigil.scheduling.status import SUCCESS, Status

_PRE_SCORE_KEY = "PreScore" + TAINT_TOLERATION


class _PreScoreState:
    __slots__ = ("tolerations",)

    def __init__(self, tolerations: tuple[Toleration, ...]) -> None:
        self.tolerations = tolerations


class TaintToleration:
    """Filter on the first untolerated hard taint; score by untolerated PreferNoSchedule taints."""

    name = TAINT_TOLERATION

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """``node(s) had untolerated taint {key: value}``, UnschedulableAndUnresolvable."""
        taint = find_untolerated_taint(node_info.node.taints, pod.spec.tolerations)
        if taint is None:
            return SUCCESS
        return Status.unresolvable(f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}")

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status:
        """Keep the tolerations whose effect is PreferNoSchedule or empty."""
        prefer = tuple(t for t in pod.spec.tolerations if t.effect in ("", PREFER_NO_SCHEDULE))
        state.write(_PRE_SCORE_KEY, _PreScoreState(prefer))
        return SUCCESS

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple[int, Status]:
        """The number of PreferNoSchedule taints the pod does not tolerate."""
        s = state.read(_PRE_SCORE_KEY, _PreScoreState)
        tolerations = s.tolerations if s is not None else pod.spec.tolerations
        count = sum(
            1
            for taint in node_info.node.taints
            if taint.effect == PREFER_NO_SCHEDULE and not tolerations_tolerate(tolerations, taint)
        )
        return count, SUCCESS

    def score_extensions(self) -> ScoreExtensions:
        """Reversed default normalisation: fewer untolerated taints score higher."""
        return self

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[NodeScore]) -> Status:
        """``DefaultNormalizeScore(100, reverse=true)``."""
        default_normalize_score(scores, reverse=True)
        return SUCCESS


def new(args: Mapping[str, Any], handle: Handle) -> TaintToleration:
    """Factory."""
    return TaintToleration()
