"""Vectorised Filter and Score over a snapshot's `NodeTable`, with per-node results identical to
the per-node framework path.

Plugins may implement, besides their extension points:

* ``filter_batch(state, pod, table) -> bool array | None``: `filter` of every node at once;
* ``score_batch(state, pod, table, idx, nodes) -> int array | Status | None``: their PreScore and
  Score of the nodes ``idx`` at once (a Skip status when PreScore would skip);
* ``normalize_batch(state, pod, scores) -> int array``: their NormalizeScore;
* ``rejection_key(state, pod, table, i) -> hashable | None``: a key such that `filter` returns
  the same status on every rejected node with an equal key (None: no such guarantee).

None means "not for this pod": the scheduler then runs the per-node path for the whole phase.
Filter statuses are still produced by the plugins' own `filter` for the nodes that fail, so
reasons and codes are the per-node ones; the batch masks only decide which nodes pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from vigil.cluster.pod import Pod
from vigil.scheduling.cycle_state import CycleState
from vigil.scheduling.interfaces import MAX_NODE_SCORE, MIN_NODE_SCORE, PluginScore
from vigil.scheduling.nodeinfo import NodeInfo
from vigil.scheduling.nodetable import BoolArray, IntArray, NodeTable
from vigil.scheduling.status import Status

if TYPE_CHECKING:
    from vigil.scheduling.framework import Framework


class ScoreTable(Mapping[str, dict[str, PluginScore]]):
    """node -> plugin -> `PluginScore`, built from score columns on first access."""

    __slots__ = ("_columns", "_names", "_table")

    def __init__(
        self, names: Sequence[str], columns: Sequence[tuple[str, IntArray, IntArray, IntArray]]
    ) -> None:
        self._names = names
        self._columns = columns
        self._table: dict[str, dict[str, PluginScore]] | None = None

    def _materialize(self) -> dict[str, dict[str, PluginScore]]:
        if self._table is None:
            table: dict[str, dict[str, PluginScore]] = {name: {} for name in self._names}
            for plugin, raw, normalized, weighted in self._columns:
                for name, r, n, w in zip(
                    self._names, raw.tolist(), normalized.tolist(), weighted.tolist(), strict=True
                ):
                    table[name][plugin] = PluginScore(r, n, w)
            self._table = table
        return self._table

    def __getitem__(self, key: str) -> dict[str, PluginScore]:
        return self._materialize()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._materialize())

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return repr(self._materialize())


class FilterOutcome:
    """Which nodes passed, which failed (with statuses), and how many were examined."""

    __slots__ = ("failed", "feasible", "processed")

    def __init__(
        self, feasible: IntArray, failed: list[tuple[int, Status]], processed: int
    ) -> None:
        self.feasible = feasible
        self.failed = failed
        self.processed = processed


def filter_nodes(
    fwk: Framework,
    state: CycleState,
    pod: Pod,
    table: NodeTable,
    candidates: IntArray,
    *,
    start: int,
    to_find: int,
) -> FilterOutcome | None:
    """Filter ``candidates`` (table rows) in rotating order from ``start`` until ``to_find``
    nodes pass, as the per-node loop does; None when some plugin cannot do it in batch."""
    plugins = [pl for pl in fwk.filter_plugins if pl.name not in state.skip_filter_plugins]
    masks: list[BoolArray] = []
    for pl in plugins:
        batch = getattr(pl, "filter_batch", None)
        if batch is None:
            return None
        mask = batch(state, pod, table)
        if mask is None:
            return None
        masks.append(mask)
    ok = np.ones(table.size, dtype=np.bool_)
    for mask in masks:
        ok &= mask
    overrides: dict[int, Status] = {}
    for node_name, nominated in fwk.nominated.items():
        if not nominated:
            continue
        i = table.index.get(node_name)
        if i is None:
            continue
        verdict = fwk.run_filter_plugins_with_nominated_pods(state, pod, table.infos[i])
        if not verdict.is_success() and not verdict.is_rejected():
            return None
        overrides[i] = verdict
        ok[i] = verdict.is_success()
    m = len(candidates)
    order = np.concatenate((np.arange(start, m), np.arange(start)))
    rows = candidates[order]
    passed = ok[rows]
    feasible_pos = np.flatnonzero(passed)
    if len(feasible_pos) >= to_find:
        processed = int(feasible_pos[to_find - 1]) + 1
        feasible_pos = feasible_pos[:to_find]
    else:
        processed = m
    failed_rows = rows[np.flatnonzero(~passed[:processed])].tolist()
    failed: list[tuple[int, Status]] = []
    if failed_rows:
        first_fail = np.full(table.size, -1, dtype=np.int64)
        for j in range(len(masks) - 1, -1, -1):
            first_fail[~masks[j]] = j
        memo: dict[tuple[int, Status], Status] = {}
        by_key: dict[tuple[int, object], Status] = {}
        key_of = [getattr(pl, "rejection_key", None) for pl in plugins]
        infos = table.infos
        for i, j in zip(failed_rows, first_fail[failed_rows].tolist(), strict=True):
            status = overrides.get(i)
            if status is None:
                if j < 0:
                    return None
                key_fn = key_of[j]
                key = None if key_fn is None else key_fn(state, pod, table, i)
                if key is not None:
                    status = by_key.get((j, key))
                    if status is not None:
                        failed.append((i, status))
                        continue
                raw = plugins[j].filter(state, pod, infos[i])
                if not raw.is_rejected():
                    return None
                status = memo.get((j, raw))
                if status is None:
                    status = memo[(j, raw)] = raw.with_plugin(plugins[j].name)
                if key is not None:
                    by_key[(j, key)] = status
            failed.append((i, status))
    return FilterOutcome(rows[feasible_pos], failed, processed)


def score_nodes(
    fwk: Framework,
    state: CycleState,
    pod: Pod,
    table: NodeTable,
    idx: IntArray,
    *,
    nodes: Sequence[NodeInfo],
) -> tuple[ScoreTable, IntArray] | None:
    """PreScore, Score, NormalizeScore and weights of the nodes ``idx`` at once.

    Returns the lazy score table and the totals, or None when the per-node path must run (a
    plugin without batch support, PreScore and Score plugins that differ, a score out of range).
    """
    pre_names = [pl.name for pl in fwk.pre_score_plugins]
    score_names = [pl.name for pl, _ in fwk.score_plugins]
    if sorted(pre_names) != sorted(score_names) or len(set(score_names)) != len(score_names):
        return None
    columns: list[tuple[str, IntArray, IntArray, IntArray]] = []
    skipped: list[str] = []
    totals = np.zeros(len(idx), dtype=np.int64)
    for pl, weight in fwk.score_plugins:
        plugin: Any = pl
        batch = getattr(plugin, "score_batch", None)
        if batch is None:
            return None
        raw = batch(state, pod, table, idx, nodes)
        if raw is None:
            return None
        if isinstance(raw, Status):
            if not raw.is_skip():
                return None
            skipped.append(pl.name)
            continue
        normalized = raw
        if pl.score_extensions() is not None:
            normalize = getattr(plugin, "normalize_batch", None)
            if normalize is None:
                return None
            normalized = normalize(state, pod, raw)
        if normalized.size and (
            int(normalized.min()) < MIN_NODE_SCORE or int(normalized.max()) > MAX_NODE_SCORE
        ):
            return None
        weighted = normalized * weight
        totals += weighted
        columns.append((pl.name, raw, normalized, weighted))
    state.skip_score_plugins.update(skipped)
    return ScoreTable([ni.node.metadata.name for ni in nodes], columns), totals
