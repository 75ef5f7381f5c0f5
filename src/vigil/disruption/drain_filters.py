"""kubectl drain's pod filters (``k8s.io/kubectl/pkg/drain/filters.go``), with its messages.

Applied in kubectl's order to every pod of the node, stopping at the first that does not delete:
DaemonSet-managed pods (unless finished: an error, or skipped with a warning under
``ignore_daemonsets``; vigil does not read DaemonSets, so the DaemonSet is taken to exist), mirror
pods (skipped), pods with ``emptyDir`` volumes (unless finished: an error, or a warning under
``delete_emptydir_data``), pods without a controller (unless finished: an error, or a warning
under ``force``). Errors and warnings are aggregated per message as kubectl prints them
(``cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ns/a, ns/b``).
"""

from __future__ import annotations

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

    @property
    def delete(self) -> bool:
        """Whether kubectl would evict the pod."""
        return self.status is FilterStatus.OKAY or (
            self.status is FilterStatus.WARNING and self.message != DAEMON_SET_WARNING
        )


def filter_pod(pod: Pod, options: FilterFlags) -> PodFilter:
    """kubectl's filters, in order, stopping at the first that does not delete."""
    finished = pod.status.phase in ("Succeeded", "Failed")
    ref = pod.metadata.controller()
    warning = ""
    if ref is not None and ref.kind == "DaemonSet" and not finished:
        if not options.ignore_daemonsets:
            return PodFilter(pod, FilterStatus.ERROR, DAEMON_SET_FATAL)
        return PodFilter(pod, FilterStatus.WARNING, DAEMON_SET_WARNING)
    if MIRROR_POD_ANNOTATION in pod.metadata.annotations:
        return PodFilter(pod, FilterStatus.SKIP, "mirror pod")
    if pod.spec.empty_dir_volumes and not finished:
        if not options.delete_emptydir_data:
            return PodFilter(pod, FilterStatus.ERROR, LOCAL_STORAGE_FATAL)
        warning = LOCAL_STORAGE_WARNING
    if ref is None and not finished:
        if not options.force:
            return PodFilter(pod, FilterStatus.ERROR, UNMANAGED_FATAL)
        warning = UNMANAGED_WARNING
    if warning:
        return PodFilter(pod, FilterStatus.WARNING, warning)
    return PodFilter(pod, FilterStatus.OKAY)


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
