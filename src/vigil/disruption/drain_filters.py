"""kubectl drain's pod filters (``k8s.io/kubectl/pkg/drain/filters.go``), with its messages.

Applied in kubectl's order to every pod of the node; each filter gives a status, the chain stops
at the first that does not delete, and the last status is the pod's (so a warning of one filter
is dropped when a later one says Okay, as kubectl drops it):

1. DaemonSet-managed pods (controller kind DaemonSet, not finished): when the DaemonSet is
   missing, kubectl's ``daemonsets.apps "NAME" not found`` (an error, or under ``force`` a
   warning and the pod deleted); otherwise an error, or under ``ignore_daemonsets`` a warning
   and the pod left alone. The DaemonSet is looked up in the input when the input carries
   DaemonSets; an input without any (an export of pods only) cannot tell, so the DaemonSet is
   taken to exist.
2. Mirror pods: skipped.
3. Pods with ``emptyDir`` volumes (not finished): an error, or under ``delete_emptydir_data``
   a warning.
4. Pods without a controller (not finished): an error, or under ``force`` a warning.

Errors and warnings are aggregated per message as kubectl prints them (``cannot delete
DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ns/a, ns/b``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from vigil.cluster.pod import Pod

MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
DAEMON_SET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMON_SET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"

DaemonSetLookup = Callable[[str, str], bool]
"""Whether the DaemonSet ``(namespace, name)`` exists."""


class FilterFlags(Protocol):
    """The kubectl flags the filters read."""

    @property
    def ignore_daemonsets(self) -> bool:
        """``--ignore-daemonsets``."""
        ...

    @property
    def delete_emptydir_data(self) -> bool:
        """``--delete-emptydir-data``."""
        ...

    @property
    def force(self) -> bool:
        """``--force``."""
        ...


class FilterStatus(StrEnum):
    """kubectl's ``PodDeleteStatus`` reasons."""

    OKAY = "Okay"
    SKIP = "Skip"
    WARNING = "Warning"
    ERROR = "Error"


@dataclass(frozen=True, slots=True)
class PodFilter:
    """The verdict of kubectl's filters on one pod of the node."""

    pod: Pod
    status: FilterStatus
    message: str = ""
    delete: bool = True
    """Whether kubectl would evict the pod."""


def daemon_set_not_found(name: str) -> str:
    """The API error kubectl reports for a missing DaemonSet."""
    return f'daemonsets.apps "{name}" not found'


def _finished(pod: Pod) -> bool:
    return pod.status.phase in ("Succeeded", "Failed")


def _okay(pod: Pod) -> PodFilter:
    return PodFilter(pod, FilterStatus.OKAY)


def _error(pod: Pod, message: str) -> PodFilter:
    return PodFilter(pod, FilterStatus.ERROR, message, delete=False)


def _daemon_set(pod: Pod, flags: FilterFlags, exists: DaemonSetLookup | None) -> PodFilter:
    ref = pod.metadata.controller()
    if ref is None or ref.kind != "DaemonSet" or _finished(pod):
        return _okay(pod)
    if exists is not None and not exists(pod.namespace, ref.name):
        if flags.force:
            return PodFilter(pod, FilterStatus.WARNING, daemon_set_not_found(ref.name))
        return _error(pod, daemon_set_not_found(ref.name))
    if not flags.ignore_daemonsets:
        return _error(pod, DAEMON_SET_FATAL)
    return PodFilter(pod, FilterStatus.WARNING, DAEMON_SET_WARNING, delete=False)


def _mirror(pod: Pod) -> PodFilter:
    if MIRROR_POD_ANNOTATION in pod.metadata.annotations:
        return PodFilter(pod, FilterStatus.SKIP, "mirror pod", delete=False)
    return _okay(pod)


def _local_storage(pod: Pod, flags: FilterFlags) -> PodFilter:
    if not pod.spec.empty_dir_volumes or _finished(pod):
        return _okay(pod)
    if not flags.delete_emptydir_data:
        return _error(pod, LOCAL_STORAGE_FATAL)
    return PodFilter(pod, FilterStatus.WARNING, LOCAL_STORAGE_WARNING)


def _unreplicated(pod: Pod, flags: FilterFlags) -> PodFilter:
    if _finished(pod) or pod.metadata.controller() is not None:
        return _okay(pod)
    if flags.force:
        return PodFilter(pod, FilterStatus.WARNING, UNMANAGED_WARNING)
    return _error(pod, UNMANAGED_FATAL)


def filter_pod(
    pod: Pod, options: FilterFlags, daemon_set_exists: DaemonSetLookup | None = None
) -> PodFilter:
    """kubectl's filters, in order, stopping at the first that does not delete; the last
    status is the verdict. ``daemon_set_exists`` is None when the input cannot tell (the
    DaemonSet is then taken to exist)."""
    chain: tuple[Callable[[], PodFilter], ...] = (
        lambda: _daemon_set(pod, options, daemon_set_exists),
        lambda: _mirror(pod),
        lambda: _local_storage(pod, options),
        lambda: _unreplicated(pod, options),
    )
    verdict = _okay(pod)
    for step in chain:
        verdict = step()
        if not verdict.delete:
            break
    return verdict


def grouped(filters: list[PodFilter], status: FilterStatus) -> list[str]:
    """kubectl's aggregation: one message per kind, the pods after it."""
    by_message: dict[str, list[str]] = {}
    for f in filters:
        if f.status is status:
            by_message.setdefault(f.message, []).append(f.pod.key)
    out = []
    for message, pods in by_message.items():
        fatal = status is FilterStatus.ERROR and not message.lower().startswith("cannot delete")
        out.append(f"{'cannot delete ' if fatal else ''}{message}: {', '.join(pods)}")
    return out
