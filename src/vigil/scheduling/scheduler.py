"""One scheduling cycle (``schedulePod`` in schedule_one.go) and the result it reports.

PreFilter, then the nominated node if any, then Filter over a rotating window of nodes until
enough feasible nodes are found, then (when no node fits) PostFilter, else PreScore, Score and
selectHost. The result keeps every intermediate fact (per-node statuses, per-plugin scores, the
tie-break, the FitError) so that simulation output can explain each decision.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.diagnosis import Diagnosis, FitError
from vigil.scheduling.framework import FilterPass, Framework, FrameworkError
from vigil.scheduling.interfaces import PluginScore, PostFilterResult
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import IntArray
from vigil.scheduling.plugins import default_registry
from vigil.scheduling.podinfo import PodInfo
from vigil.scheduling.profile import Profile, default_profile
from vigil.scheduling.registry import Registry
from vigil.scheduling.select_host import TieBreak, draw_among
from vigil.scheduling.snapshot import Snapshot
from vigil.scheduling.status import Code, Status

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(num_all_nodes: int, percentage_of_nodes_to_score: int = 0) -> int:
    """How many feasible nodes to look for before stopping (``numFeasibleNodesToFind``)."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    percentage = percentage_of_nodes_to_score
    if percentage == 0:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


@dataclass(slots=True)
class ScheduleResult:
    """Everything one cycle decided about one pod."""

    pod: Pod
    node_name: str | None = None
    """The selected node (``SuggestedHost``), None when the pod stays pending."""
    evaluated_nodes: int = 0
    feasible_nodes: tuple[str, ...] = ()
    pre_filter_result: frozenset[str] | None = None
    diagnosis: Diagnosis = field(default_factory=Diagnosis)
    scores: Mapping[str, dict[str, PluginScore]] = field(default_factory=dict)
    """node -> plugin -> raw, normalised and weighted score (empty when scoring was skipped).

    After a vectorised cycle this is a read-only mapping built on first access."""
    total_scores: dict[str, int] = field(default_factory=dict)
    tie_break: TieBreak | None = None
    fit_error: FitError | None = None
    post_filter_result: PostFilterResult | None = None
    post_filter_status: Status | None = None
    error: Status | None = None
    """An internal error (code Error), as opposed to an unschedulable pod."""

    @property
    def scheduled(self) -> bool:
        """Whether a node was selected."""
        return self.node_name is not None

    @property
    def message(self) -> str:
        """The FitError message, the error message, or ``""`` when scheduled."""
        if self.fit_error is not None:
            return self.fit_error.message()
        if self.error is not None:
            return self.error.message()
        return ""


class Scheduler:
    """Runs cycles against a snapshot, with one framework per profile (scheduler name)."""

    def __init__(
        self,
        snapshot: Snapshot,
        profiles: Sequence[Profile] | None = None,
        registry: Registry | None = None,
        *,
        seed: int = 0,
        percentage_of_nodes_to_score: int = 0,
    ) -> None:
        if registry is None:
            registry = default_registry()
        self.snapshot = snapshot
        self.frameworks = {
            p.scheduler_name: Framework(p, registry, snapshot)
            for p in (profiles or [default_profile()])
        }
        self.rng = random.Random(seed)
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.next_start_node_index = 0

    def framework_for(self, pod: Pod) -> Framework | None:
        """The framework of the pod's ``schedulerName``, if this scheduler serves it."""
        return self.frameworks.get(pod.spec.scheduler_name)

    def nominate(self, pod: Pod, node_name: str) -> None:
        """Record that ``pod`` is nominated to ``node_name`` (replacing any nomination)."""
        self.clear_nomination(pod)
        for fwk in self.frameworks.values():
            fwk.nominated.setdefault(node_name, []).append(PodInfo.of(pod))

    def clear_nomination(self, pod: Pod) -> None:
        """Forget any nomination of ``pod``."""
        for fwk in self.frameworks.values():
            for infos in fwk.nominated.values():
                infos[:] = [i for i in infos if i.pod.key != pod.key]

    def _find_nodes_that_pass_filters(
        self,
        fwk: Framework,
        state: CycleState,
        pod: Pod,
        diagnosis: Diagnosis,
        nodes: Sequence[NodeInfo],
    ) -> FilterPass:
        num_all = len(nodes)
        pct = fwk.profile.percentage_of_nodes_to_score
        to_find = min(
            num_all,
            num_feasible_nodes_to_find(
                num_all, self.percentage_of_nodes_to_score if pct is None else pct
            ),
        )
        start = self.next_start_node_index % num_all if num_all else 0
        found = fwk.find_nodes_that_pass_filters(
            state, pod, nodes, diagnosis, start=start, to_find=to_find
        )
        if num_all:
            self.next_start_node_index = (self.next_start_node_index + found.processed) % num_all
        return found

    def _find_nodes_that_fit(
        self, fwk: Framework, state: CycleState, pod: Pod, result: ScheduleResult
    ) -> FilterPass:
        all_nodes = self.snapshot.node_infos
        diagnosis = result.diagnosis
        outcome = fwk.run_pre_filter_plugins(state, pod, all_nodes)
        if outcome.result is not None:
            result.pre_filter_result = outcome.result.node_names
        if not outcome.status.is_success():
            if not outcome.status.is_rejected():
                raise FrameworkError(outcome.status)
            diagnosis.pre_filter_msg = outcome.status.message()
            diagnosis.node_to_status.absent_status = outcome.status
            diagnosis.add_plugin_status(outcome.status)
            if outcome.result is not None and outcome.result.node_names == frozenset():
                diagnosis.unschedulable_plugins.update(outcome.plugins_with_nodes)
            return FilterPass([], 0)
        if pod.status.nominated_node_name:
            nominated = self.snapshot.get(pod.status.nominated_node_name)
            if nominated is not None:
                found = self._find_nodes_that_pass_filters(fwk, state, pod, diagnosis, [nominated])
                if found.feasible:
                    return found
        nodes: Sequence[NodeInfo] = all_nodes
        if outcome.result is not None and outcome.result.node_names is not None:
            names = outcome.result.node_names
            nodes = [ni for ni in all_nodes if ni.name in names]
            plugins = " ".join(sorted(outcome.plugins_with_nodes))
            diagnosis.node_to_status.absent_status = Status.unresolvable(
                f"node(s) didn't satisfy plugin(s) [{plugins}]"
            )
        return self._find_nodes_that_pass_filters(fwk, state, pod, diagnosis, nodes)

    def schedule_pod(self, pod: Pod) -> ScheduleResult:
        """Run one scheduling cycle for ``pod`` (no binding); PostFilter runs if nothing fits."""
        result = ScheduleResult(pod)
        fwk = self.framework_for(pod)
        if fwk is None:
            result.error = Status.error(
                f"no profile for scheduler name {pod.spec.scheduler_name!r}"
            )
            return result
        fwk.set_snapshot(self.snapshot)
        num_all = len(self.snapshot)
        if num_all == 0:
            result.error = Status.error("no nodes available to schedule pods")
            return result
        state = CycleState()
        try:
            found = self._find_nodes_that_fit(fwk, state, pod, result)
        except FrameworkError as exc:
            result.error = exc.status
            return result
        feasible = found.feasible
        result.feasible_nodes = tuple(ni.node.metadata.name for ni in feasible)
        result.evaluated_nodes = len(feasible) + len(result.diagnosis.node_to_status)
        if not feasible:
            result.fit_error = FitError(pod, num_all, result.diagnosis)
            if fwk.post_filter_plugins:
                pf_result, pf_status = fwk.run_post_filter_plugins(
                    state, pod, result.diagnosis.node_to_status
                )
                result.diagnosis.post_filter_msg = pf_status.message()
                result.post_filter_result, result.post_filter_status = pf_result, pf_status
                if pf_status.code is Code.ERROR:
                    result.error = pf_status
            return result
        if len(feasible) == 1:
            result.evaluated_nodes = 1 + len(result.diagnosis.node_to_status)
            result.node_name = feasible[0].name
            return result
        if not fwk.has_score_plugins():
            result.total_scores = {ni.name: 1 for ni in feasible}
            totals = np.ones(len(feasible), dtype=np.int64)
        else:
            try:
                scored = fwk.score(state, pod, found)
            except FrameworkError as exc:
                result.error = exc.status
                return result
            result.scores = scored.scores
            totals = scored.totals
            result.total_scores = dict(zip(result.feasible_nodes, totals.tolist(), strict=True))
        result.node_name, result.tie_break = _select_host_array(
            result.feasible_nodes, totals, self.rng
        )
        return result

    def assume(self, pod: Pod, node_name: str) -> Pod:
        """Bind ``pod`` to ``node_name`` in the snapshot; returns the bound pod."""
        bound = replace(pod, spec=replace(pod.spec, node_name=node_name))
        self.clear_nomination(pod)
        self.snapshot.add_pod(bound, node_name)
        return bound

    def schedule_one(self, pod: Pod) -> ScheduleResult:
        """A cycle, then binding on success, or nomination when PostFilter nominated a node."""
        result = self.schedule_pod(pod)
        if result.node_name is not None:
            self.assume(pod, result.node_name)
        elif (
            result.post_filter_result is not None and result.post_filter_result.nominated_node_name
        ):
            self.nominate(pod, result.post_filter_result.nominated_node_name)
        return result


def _select_host_array(
    nodes: Sequence[str], totals: IntArray, rng: random.Random
) -> tuple[str, TieBreak | None]:
    """`select_host` over an array of totals (same reservoir sampling, same draws)."""
    best = int(totals.max())
    return draw_among([nodes[i] for i in np.flatnonzero(totals == best).tolist()], best, rng)
