"""Configurable fake plugins for framework and scheduler tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from vigil.cluster import Pod
from vigil.scheduling import (
    SUCCESS,
    CycleState,
    Handle,
    NodeInfo,
    NodeScore,
    NodeToStatus,
    PostFilterResult,
    PreFilterExtensions,
    PreFilterResult,
    Registry,
    Status,
)


class FakePlugin:
    """A plugin whose answers come from callables (or constants)."""

    def __init__(
        self,
        name: str,
        *,
        pre_filter: tuple[PreFilterResult | None, Status] = (None, SUCCESS),
        filter_fn: Callable[[Pod, NodeInfo], Status] | None = None,
        score_fn: Callable[[Pod, NodeInfo], int] | None = None,
        normalize: Callable[[list[NodeScore]], None] | None = None,
        pre_score: Status = SUCCESS,
        post_filter: tuple[PostFilterResult | None, Status] | None = None,
    ) -> None:
        self.name = name
        self._pre_filter = pre_filter
        self._filter = filter_fn or (lambda pod, node: SUCCESS)
        self._score = score_fn or (lambda pod, node: 0)
        self._normalize = normalize
        self._pre_score = pre_score
        self._post_filter = post_filter or (None, Status.unschedulable(f"{name} could not help"))
        self.filtered: list[str] = []

    def pre_filter(
        self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]
    ) -> tuple[PreFilterResult | None, Status]:
        return self._pre_filter

    def pre_filter_extensions(self) -> PreFilterExtensions | None:
        return None

    def filter(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> Status:
        self.filtered.append(node_info.name)
        return self._filter(pod, node_info)

    def pre_score(self, state: CycleState, pod: Pod, nodes: Sequence[NodeInfo]) -> Status:
        return self._pre_score

    def score(self, state: CycleState, pod: Pod, node_info: NodeInfo) -> tuple[int, Status]:
        return self._score(pod, node_info), SUCCESS

    def score_extensions(self) -> FakePlugin | None:
        return self if self._normalize is not None else None

    def normalize_score(self, state: CycleState, pod: Pod, scores: list[NodeScore]) -> Status:
        assert self._normalize is not None
        self._normalize(scores)
        return SUCCESS

    def post_filter(
        self, state: CycleState, pod: Pod, node_to_status: NodeToStatus
    ) -> tuple[PostFilterResult | None, Status]:
        return self._post_filter


def registry_of(*plugins: FakePlugin) -> Registry:
    """A registry returning these exact instances."""

    def factory(plugin: FakePlugin) -> Callable[[Mapping[str, Any], Handle], FakePlugin]:
        return lambda args, handle: plugin

    return Registry({p.name: factory(p) for p in plugins})
