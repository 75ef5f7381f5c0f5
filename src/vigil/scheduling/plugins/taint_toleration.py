"""TaintToleration: hard taints (NoSchedule/NoExecute) filter; PreferNoSchedule taints score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vigil.cluster.node import PREFER_NO_SCHEDULE, Taint
from vigil.cluster.pod import Pod, Toleration
from vigil.cluster.taints import find_untolerated_taint, tolerations_tolerate
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import Handle, NodeScore, ScoreExtensions
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, IntArray, NodeTable
from vigil.scheduling.plugins.normalize import default_normalize_array, default_normalize_score
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

    def filter_batch(self, state: CycleState, pod: Pod, table: NodeTable) -> BoolArray | None:
        """`filter` over every node of the table: True where the node passes."""
        return table.taints_tolerated_mask(pod.spec.tolerations)

    def rejection_key(self, state: CycleState, pod: Pod, table: NodeTable, i: int) -> int | None:
        """Nodes with the same taints are rejected for the same taint."""
        return int(table.taint_group[i])

    def score_batch(
        self,
        state: CycleState,
        pod: Pod,
        table: NodeTable,
        idx: IntArray,
        nodes: Sequence[NodeInfo],
    ) -> IntArray | Status | None:
        """PreScore and Score of the nodes ``idx``: one count per distinct taint list."""
        prefer = tuple(t for t in pod.spec.tolerations if t.effect in ("", PREFER_NO_SCHEDULE))
        lut = np.array(
            [_untolerated_prefer(group, prefer) for group in table.taint_groups()],
            dtype=np.int64,
        )
        result: IntArray = lut[table.taint_group[idx]]
        return result

    def normalize_batch(self, state: CycleState, pod: Pod, scores: IntArray) -> IntArray:
        """`normalize_score` over an array."""
        return default_normalize_array(scores, reverse=True)

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


def _untolerated_prefer(taints: tuple[Taint, ...], tolerations: tuple[Toleration, ...]) -> int:
    return sum(
        1
        for taint in taints
        if taint.effect == PREFER_NO_SCHEDULE and not tolerations_tolerate(tolerations, taint)
    )


def new(args: Mapping[str, Any], handle: Handle) -> TaintToleration:
    """Factory."""
    return TaintToleration()
