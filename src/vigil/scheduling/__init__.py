"""A scheduling engine with kube-scheduler's framework semantics.

Pure: plugins mirror the upstream in-tree plugins (names, order, reason strings, status codes,
scores), the framework runs PreFilter/Filter/PostFilter/PreScore/Score as ``frameworkImpl`` does,
and `Scheduler.schedule_pod` returns a `ScheduleResult` explaining every decision.
"""

from vigil.scheduling.cycle_state import CycleState, StateData
from vigil.scheduling.diagnosis import Diagnosis, FitError, NodeToStatus, reason_histogram
from vigil.scheduling.framework import Framework, PreFilterOutcome, ProfileError
from vigil.scheduling.interfaces import (
    MAX_NODE_SCORE,
    MIN_NODE_SCORE,
    FilterPlugin,
    Handle,
    NodeScore,
    Plugin,
    PluginScore,
    PostFilterPlugin,
    PostFilterResult,
    PreFilterExtensions,
    PreFilterPlugin,
    PreFilterResult,
    PreScorePlugin,
    ScoreExtensions,
    ScorePlugin,
)
from vigil.scheduling.nodeinfo import HostPortInfo, NodeInfo
from vigil.scheduling.plugins import default_registry
from vigil.scheduling.podinfo import AffinityTerm, PodInfo, WeightedAffinityTerm
from vigil.scheduling.profile import Profile, default_profile
from vigil.scheduling.registry import (
    DuplicatePluginError,
    PluginFactory,
    Registry,
    UnknownPluginError,
)
from vigil.scheduling.resources import pod_requests
from vigil.scheduling.scheduler import Scheduler, ScheduleResult, num_feasible_nodes_to_find
from vigil.scheduling.select_host import TieBreak, select_host
from vigil.scheduling.simulate import SimulationResult, pending_pods, queue_order, schedule_cluster
from vigil.scheduling.snapshot import Snapshot
from vigil.scheduling.status import SKIP, SUCCESS, Code, Status

__all__ = [
    "MAX_NODE_SCORE",
    "MIN_NODE_SCORE",
    "SKIP",
    "SUCCESS",
    "AffinityTerm",
    "Code",
    "CycleState",
    "Diagnosis",
    "DuplicatePluginError",
    "FilterPlugin",
    "FitError",
    "Framework",
    "Handle",
    "HostPortInfo",
    "NodeInfo",
    "NodeScore",
    "NodeToStatus",
    "Plugin",
    "PluginFactory",
    "PluginScore",
    "PodInfo",
    "PostFilterPlugin",
    "PostFilterResult",
    "PreFilterExtensions",
    "PreFilterOutcome",
    "PreFilterPlugin",
    "PreFilterResult",
    "PreScorePlugin",
    "Profile",
    "ProfileError",
    "Registry",
    "ScheduleResult",
    "Scheduler",
    "ScoreExtensions",
    "ScorePlugin",
    "SimulationResult",
    "Snapshot",
    "StateData",
    "Status",
    "TieBreak",
    "UnknownPluginError",
    "WeightedAffinityTerm",
    "default_profile",
    "default_registry",
    "num_feasible_nodes_to_find",
    "pending_pods",
    "pod_requests",
    "queue_order",
    "reason_histogram",
    "schedule_cluster",
    "select_host",
]
