"""Extension points of the scheduling framework, as Python protocols mirroring upstream.

A plugin is any object with a ``name`` that implements one or more of these protocols; the
framework checks, when a profile is built, that a plugin enabled at an extension point
implements that point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.status import Status

if TYPE_CHECKING:
    from vigil.scheduling.diagnosis import NodeToStatus
    from vigil.scheduling.snapshot import Snapshot

MAX_NODE_SCORE = 100
MIN_NODE_SCORE = 0


@dataclass(frozen=True, slots=True)
class PreFilterResult:
    """Nodes a PreFilter plugin restricts the pod to; ``node_names`` None means all nodes."""

    node_names: frozenset[str] | None = None

    def all_nodes(self) -> bool:
        """No restriction."""
        return self.node_names is None

    def merge(self, other: PreFilterResult | None) -> PreFilterResult:
        """The intersection of two results (``PreFilterResult.Merge``)."""
        if other is None or other.node_names is None:
            return self
        if self.node_names is None:
            return other
        return PreFilterResult(self.node_names & other.node_names)


@dataclass(frozen=True, slots=True)
class PostFilterResult:
    """What PostFilter decided: the node the pod is nominated to, if any."""

    nominated_node_name: str = ""


@dataclass(frozen=True, slots=True)
class PluginScore:
    """One plugin's score of one node: raw, after NormalizeScore, and times the weight."""

    raw: int
    normalized: int
    weighted: int


@dataclass(slots=True)
class NodeScore:
    """A node's score from one plugin; NormalizeScore rewrites ``score`` in place."""

    name: str
    score: int


@runtime_checkable
class Plugin(Protocol):
    """Every plugin has a unique name."""

    name: str


class Handle(Protocol):
    """What plugins may use from the framework running them (``framework.Handle``)."""

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot of the current cycle."""
        ...

    def run_filter_plugins_with_nominated_pods(
        self, state: CycleState, pod: Pod, node_info: NodeInfo
    ) -> Status:
        """Filter a node, accounting for pods nominated to it."""
        ...

    def run_pre_filter_extension_add_pod(
        self, state: CycleState, pod: Pod, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status:
        """Tell PreFilter states that ``pod_to_add`` now runs on ``node_info``."""
        ...

    def run_pre_filter_extension_remove_pod(
        self, state: CycleState, pod: Pod, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status:
        """Tell PreFilter states that ``pod_to_remove`` no longer runs on ``node_info``."""
        ...


@runtime_checkable
class PreFilterExtensions(Protocol):
    """Incremental updates of a PreFilter state (used for nominated pods and preemption)."""

    def add_pod(
        self, state: CycleState, pod: Pod, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status:
        """Account for ``pod_to_add`` being on ``node_info``."""
        ...

    def remove_pod(
        self, state: CycleState, pod: Pod, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status:
        """Account for ``pod_to_remove`` leaving ``node_info``."""
        ...


@runtime_checkable
class PreFilterPlugin(Plugin, Protocol):
    """Runs once per cycle before filtering; may restrict the candidate nodes."""

    def pre_filter(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status]:
        """Compute per-pod state; return Skip to disable this plugin's Filter."""
        ...

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        """The AddPod/RemovePod extensions, if the state depends on other pods."""
        ...


@runtime_checkable
class FilterPlugin(Plugin, Protocol):
    """Decides whether a pod may run on one node."""

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """Success, or a rejection with the reasons shown in the FitError."""
        ...


@runtime_checkable
class PostFilterPlugin(Plugin, Protocol):
    """Runs when no node is feasible (preemption)."""

    def post_filter(
        self, state: CycleState, pod: Pod, node_to_status: NodeToStatus
    ) -> tuple[PostFilterResult | None, Status]:
        """Try to make the pod schedulable; Success carries a nominated node."""
        ...


@runtime_checkable
class PreScorePlugin(Plugin, Protocol):
    """Runs once before scoring with the feasible nodes."""

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status:
        """Compute per-pod scoring state; return Skip to disable this plugin's Score."""
        ...


@runtime_checkable
class ScoreExtensions(Protocol):
    """Normalisation of one plugin's scores over all feasible nodes."""

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[NodeScore]) -> Status:
        """Rewrite the scores in place into 0..100."""
        ...


@runtime_checkable
class ScorePlugin(Plugin, Protocol):
    """Ranks feasible nodes."""

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple[int, Status]:
        """The raw score of one node."""
        ...

    def score_extensions(self) -> ScoreExtensions | None:
        """The NormalizeScore extension, if any."""
        ...
