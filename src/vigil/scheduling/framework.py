"""The framework runtime: instantiates a profile's plugins and runs each extension point.

It follows ``frameworkImpl``: PreFilter results are intersected and Skip disables a plugin's
Filter; Filter stops at the first rejecting plugin; nodes with nominated pods are filtered twice;
PreScore Skip disables Score; scores are normalised, range-checked and weighted.

The framework also chooses how a phase runs over many nodes (`find_nodes_that_pass_filters`,
`score`): over the snapshot's column-wise `NodeTable` when every enabled plugin can do its part
vectorised for this pod (`vigil.scheduling.batch`), else node by node; both give the same
statuses and scores. The scheduler only asks for the phase, as upstream's ``schedule_one``
asks the framework runtime.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vigil.cluster.pod import Pod
from vigil.scheduling.batch import filter_nodes, score_nodes
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.diagnosis import Diagnosis, NodeToStatus
from vigil.scheduling.interfaces import (
    MAX_NODE_SCORE,
    MIN_NODE_SCORE,
    FilterPlugin,
    NodeScore,
    PluginScore,
    PostFilterPlugin,
    PostFilterResult,
    PreFilterPlugin,
    PreFilterResult,
    PreScorePlugin,
    ScorePlugin,
)
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import IntArray, NodeTable
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.profile import Profile
from vigil.scheduling.registry import Registry
from vigil.scheduling.snapshot import Snapshot
from vigil.scheduling.status import SUCCESS, Code, Status


class ProfileError(ValueError):
    """A profile enables a plugin at a point the plugin does not implement."""


class FrameworkError(Exception):
    """A plugin answered with code Error: the cycle stops (not an unschedulable pod)."""

    def __init__(self, status: Status) -> None:
        super().__init__(status.message())
        self.status = status


@dataclass(slots=True)
class FilterPass:
    """What filtering a window of nodes found: the feasible nodes (in visit order), how many
    nodes were examined, and the feasible nodes' table rows when the vectorised path ran."""

    feasible: list[NodeInfo]
    processed: int
    rows: IntArray | None = None


@dataclass(slots=True)
class ScorePass:
    """Scores of the feasible nodes: per node and plugin, and the weighted totals in the order
    of the nodes given."""

    scores: Mapping[str, dict[str, PluginScore]]
    totals: IntArray


@dataclass(slots=True)
class PreFilterOutcome:
    """What RunPreFilterPlugins returns: the merged result, the status, restricting plugins."""

    result: PreFilterResult | None
    status: Status
    plugins_with_nodes: list[str]


class Framework:
    """The plugins of one profile, ready to run against a snapshot."""

    def __init__(
        self, profile: Profile, registry: Registry, snapshot: Snapshot | None = None
    ) -> None:
        self.profile = profile
        self._snapshot = snapshot or Snapshot(())
        self.nominated: dict[str, list[PodInfo]] = {}
        """Pods nominated to each node (``status.nominatedNodeName``), for the two-pass filter."""
        self.plugins = {
            name: registry.factory(name)(profile.plugin_args.get(name, {}), self)
            for name in profile.plugin_names()
        }
        self.pre_filter_plugins: list[PreFilterPlugin] = self._select(
            profile.pre_filter, PreFilterPlugin
        )
        self.filter_plugins: list[FilterPlugin] = self._select(profile.filter, FilterPlugin)
        self.post_filter_plugins: list[PostFilterPlugin] = self._select(
            profile.post_filter, PostFilterPlugin
        )
        self.pre_score_plugins: list[PreScorePlugin] = self._select(
            profile.pre_score, PreScorePlugin
        )
        scorers: list[ScorePlugin] = self._select(tuple(n for n, _ in profile.score), ScorePlugin)
        self.score_plugins = list(zip(scorers, (w for _, w in profile.score), strict=True))

    def _select(self, names: tuple[str, ...], kind: Any) -> list[Any]:
        out = []
        for name in names:
            plugin = self.plugins[name]
            if not isinstance(plugin, kind):
                raise ProfileError(f"plugin {name} does not implement {kind.__name__}")
            out.append(plugin)
        return out

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot of the current cycle."""
        return self._snapshot

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Use another snapshot for the following cycles."""
        self._snapshot = snapshot

    def run_pre_filter_plugins(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> PreFilterOutcome:
        """Run PreFilter in order; intersect results; stop at the first non-success status."""
        result: PreFilterResult | None = None
        plugins_with_nodes: list[str] = []
        for pl in self.pre_filter_plugins:
            r, status = pl.pre_filter(state, pod, nodes)
            if status.is_skip():
                state.skip_filter_plugins.add(pl.name)
                continue
            if not status.is_success():
                return PreFilterOutcome(None, status.with_plugin(pl.name), plugins_with_nodes)
            if r is not None and not r.all_nodes():
                plugins_with_nodes.append(pl.name)
            result = r if result is None else result.merge(r)
            if result is not None and result.node_names is not None and not result.node_names:
                if len(plugins_with_nodes) == 1:
                    msg = f"node(s) didn't satisfy plugin {plugins_with_nodes[0]}"
                else:
                    msg = f"node(s) didn't satisfy plugin(s) [{' '.join(plugins_with_nodes)}] simultaneously"
                return PreFilterOutcome(
                    result, Status.unschedulable(msg).with_plugin(pl.name), plugins_with_nodes
                )
        return PreFilterOutcome(result, SUCCESS, plugins_with_nodes)

    def run_pre_filter_extension_add_pod(
        self, state: CycleState, pod: Pod, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> Status:
        """AddPod on every PreFilter plugin that was not skipped and has extensions."""
        return self._run_pre_filter_extensions(state, pod, pod_to_add, node_info, add=True)

    def run_pre_filter_extension_remove_pod(
        self, state: CycleState, pod: Pod, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> Status:
        """RemovePod on every PreFilter plugin that was not skipped and has extensions."""
        return self._run_pre_filter_extensions(state, pod, pod_to_remove, node_info, add=False)

    def _run_pre_filter_extensions(
        self, state: CycleState, pod: Pod, other: PodInfo, node_info: NodeInfo, *, add: bool
    ) -> Status:
        for pl in self.pre_filter_plugins:
            ext = pl.pre_filter_extensions()
            if ext is None or pl.name in state.skip_filter_plugins:
                continue
            if add:
                status = ext.add_pod(state, pod, other, node_info)
            else:
                status = ext.remove_pod(state, pod, other, node_info)
            if not status.is_success():
                return status.with_plugin(pl.name)
        return SUCCESS

    def run_filter_plugins(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        """Run Filter in order and return the first rejection (attributed to its plugin)."""
        for pl in self.filter_plugins:
            if pl.name in state.skip_filter_plugins:
                continue
            status = pl.filter(state, pod, node_info)
            if not status.is_success():
                if not status.is_rejected():
                    status = Status(Code.ERROR, status.reasons)
                return status.with_plugin(pl.name)
        return SUCCESS

    def _add_nominated_pods(
        self, state: CycleState, pod: Pod, node_info: NodeInfo
    ) -> tuple[bool, CycleState, NodeInfo, Status]:
        nominated = [
            p
            for p in self.nominated.get(node_info.name, ())
            if p.pod.priority >= pod.priority and p.pod.key != pod.key
        ]
        if not nominated:
            return False, state, node_info, SUCCESS
        state_out, node_out = state.clone(), node_info.clone()
        for p in nominated:
            node_out.add_pod(p)
            status = self.run_pre_filter_extension_add_pod(state_out, pod, p, node_out)
            if not status.is_success():
                return False, state, node_info, status
        return True, state_out, node_out, SUCCESS

    def run_filter_plugins_with_nominated_pods(
        self, state: CycleState, pod: Pod, node_info: NodeInfo
    ) -> Status:
        """Filter with nominated pods of equal or higher priority added, then without them."""
        added, state_with, node_with, status = self._add_nominated_pods(state, pod, node_info)
        if not status.is_success():
            return Status(Code.ERROR, status.reasons, status.plugin)
        status = self.run_filter_plugins(state_with, pod, node_with)
        if not added or not status.is_success():
            return status
        return self.run_filter_plugins(state, pod, node_info)

    def run_post_filter_plugins(
        self, state: CycleState, pod: Pod, node_to_status: NodeToStatus
    ) -> tuple[PostFilterResult | None, Status]:
        """Run PostFilter until one succeeds; collect the reasons of those that did not."""
        result: PostFilterResult | None = None
        reasons: list[str] = []
        rejector = ""
        for pl in self.post_filter_plugins:
            r, status = pl.post_filter(state, pod, node_to_status)
            if status.is_success():
                return r, status.with_plugin(pl.name)
            if status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                return r, status.with_plugin(pl.name)
            if not status.is_rejected():
                return None, Status(Code.ERROR, status.reasons, pl.name)
            if r is not None:
                result = r
            reasons.extend(status.reasons)
            rejector = rejector or pl.name
        return result, Status(Code.UNSCHEDULABLE, tuple(reasons), rejector)

    def run_pre_score_plugins(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> Status:
        """Run PreScore; Skip disables that plugin's Score."""
        for pl in self.pre_score_plugins:
            status = pl.pre_score(state, pod, nodes)
            if status.is_skip():
                state.skip_score_plugins.add(pl.name)
            elif not status.is_success():
                return Status(Code.ERROR, status.reasons, pl.name)
        return SUCCESS

    def run_score_plugins(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> tuple[dict[str, dict[str, PluginScore]], Status]:
        """Score, normalise and weight; returns node -> plugin -> `PluginScore`."""
        table: dict[str, dict[str, PluginScore]] = {ni.name: {} for ni in nodes}
        for pl, weight in self.score_plugins:
            if pl.name in state.skip_score_plugins:
                continue
            scores: list[NodeScore] = []
            for ni in nodes:
                value, status = pl.score(state, pod, ni)
                if not status.is_success():
                    return table, Status(Code.ERROR, status.reasons, pl.name)
                scores.append(NodeScore(ni.name, value))
            raw = [s.score for s in scores]
            ext = pl.score_extensions()
            if ext is not None:
                status = ext.normalize_score(state, pod, scores)
                if not status.is_success():
                    return table, Status(Code.ERROR, status.reasons, pl.name)
            for raw_score, s in zip(raw, scores, strict=True):
                if not MIN_NODE_SCORE <= s.score <= MAX_NODE_SCORE:
                    msg = (
                        f"plugin {pl.name!r} returns an invalid score {s.score}, it should in the "
                        f"range of [{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing"
                    )
                    return table, Status(Code.ERROR, (msg,), pl.name)
                table[s.name][pl.name] = PluginScore(raw_score, s.score, s.score * weight)
        return table, SUCCESS

    def find_nodes_that_pass_filters(
        self,
        state: CycleState,
        pod: Pod,
        nodes: Sequence[NodeInfo],
        diagnosis: Diagnosis,
        *,
        start: int,
        to_find: int,
    ) -> FilterPass:
        """Filter ``nodes`` from index ``start`` (wrapping) until ``to_find`` pass
        (``findNodesThatPassFilters``); failed nodes' statuses go into ``diagnosis``.

        Raises `FrameworkError` when a plugin answers with code Error.
        """
        num_all = len(nodes)
        if num_all == 0:
            return FilterPass([], 0)
        if not self.has_filter_plugins():
            chosen = [nodes[(start + i) % num_all] for i in range(to_find)]
            return FilterPass(chosen, len(chosen))
        table = self._snapshot.node_table() if num_all > 1 else None
        rows = _rows_of(table, nodes, self._snapshot.node_infos) if table is not None else None
        if table is not None and rows is not None:
            outcome = filter_nodes(self, state, pod, table, rows, start=start, to_find=to_find)
            if outcome is not None:
                for i, status in outcome.failed:
                    diagnosis.node_to_status.set(table.names[i], status)
                    diagnosis.add_plugin_status(status)
                infos = table.infos
                feasible_infos = [infos[i] for i in outcome.feasible.tolist()]
                return FilterPass(feasible_infos, outcome.processed, outcome.feasible)
        feasible: list[NodeInfo] = []
        processed = 0
        for i in range(num_all):
            node_info = nodes[(start + i) % num_all]
            status = self.run_filter_plugins_with_nominated_pods(state, pod, node_info)
            processed += 1
            if status.code is Code.ERROR:
                raise FrameworkError(status)
            if status.is_success():
                feasible.append(node_info)
                if len(feasible) >= to_find:
                    break
            else:
                diagnosis.node_to_status.set(node_info.name, status)
                diagnosis.add_plugin_status(status)
        return FilterPass(feasible, processed)

    def score(self, state: CycleState, pod: Pod, feasible: FilterPass) -> ScorePass:
        """PreScore, Score, NormalizeScore and weights of the feasible nodes, vectorised when
        every score plugin can do it for this pod. Raises `FrameworkError` on code Error."""
        nodes = feasible.feasible
        table = self._snapshot.node_table()
        if table is not None:
            rows = feasible.rows
            if rows is None:
                rows = _rows_of(table, nodes, self._snapshot.node_infos)
            if rows is not None:
                batch = score_nodes(self, state, pod, table, rows, nodes=nodes)
                if batch is not None:
                    return ScorePass(*batch)
        status = self.run_pre_score_plugins(state, pod, nodes)
        if not status.is_success():
            raise FrameworkError(status)
        by_node, status = self.run_score_plugins(state, pod, nodes)
        if not status.is_success():
            raise FrameworkError(status)
        totals = np.array(
            [sum(s.weighted for s in by_node[ni.name].values()) for ni in nodes], dtype=np.int64
        )
        return ScorePass(by_node, totals)

    def has_score_plugins(self) -> bool:
        """Whether any Score plugin is enabled."""
        return bool(self.score_plugins)

    def has_filter_plugins(self) -> bool:
        """Whether any Filter plugin is enabled."""
        return bool(self.filter_plugins)


def _rows_of(
    table: NodeTable, nodes: Sequence[NodeInfo], all_nodes: Sequence[NodeInfo]
) -> IntArray | None:
    """The table rows of ``nodes``, or None if one of them is not a node of the table."""
    if nodes is all_nodes:
        return np.arange(table.size)
    index, infos = table.index, table.infos
    rows = []
    for ni in nodes:
        i = index.get(ni.node.metadata.name)
        if i is None or infos[i] is not ni:
            return None
        rows.append(i)
    return np.array(rows, dtype=np.int64)
