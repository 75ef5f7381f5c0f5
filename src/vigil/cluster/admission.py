"""Admission of pods being created, as the API server's admission plugins would change them.

Only objects being created are admitted: a pod read back from a cluster (it has a UID or a
resourceVersion) already went through admission, keeps its ``spec.priority`` even when its
PriorityClass is not in the input, and keeps the tolerations it has. A pod written by hand, or
created by a controller the loader expands, goes through:

* Priority (`vigil.cluster.priority`): ``priorityClassName`` resolved into ``spec.priority``
  and ``spec.preemptionPolicy``, with upstream's errors;
* DefaultTolerationSeconds: tolerations of the ``node.kubernetes.io/not-ready`` and
  ``node.kubernetes.io/unreachable`` NoExecute taints for 300 s, unless the pod already
  tolerates them (a toleration with that key or an empty key, and effect NoExecute or empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from vigil.cluster.node import NO_EXECUTE
from vigil.cluster.pod import Pod, Toleration
from vigil.cluster.policy import PriorityClass
from vigil.cluster.priority import PriorityAdmissionError, PriorityResolver

NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300


def _tolerates_key(tolerations: Iterable[Toleration], key: str) -> bool:
    return any(t.key in (key, "") and t.effect in (NO_EXECUTE, "") for t in tolerations)


def default_toleration_seconds(pod: Pod) -> Pod:
    """The pod with the DefaultTolerationSeconds tolerations it lacks."""
    tolerations = pod.spec.tolerations
    extra = tuple(
        Toleration(key, "Exists", "", NO_EXECUTE, DEFAULT_TOLERATION_SECONDS)
        for key in (NOT_READY_TAINT, UNREACHABLE_TAINT)
        if not _tolerates_key(tolerations, key)
    )
    if not extra:
        return pod
    return replace(pod, spec=replace(pod.spec, tolerations=tolerations + extra))


class Admission:
    """The admission chain for pods being created, against the input's PriorityClasses."""

    def __init__(self, priority_classes: Iterable[PriorityClass]) -> None:
        self.priority = PriorityResolver(priority_classes)

    def needs_admission(self, pod: Pod) -> bool:
        """A pod is admitted unless it was read back from a cluster with its priority set."""
        return not (pod.metadata.is_persisted and pod.spec.priority is not None)

    def admit(self, pod: Pod) -> Pod:
        """The pod as admission leaves it; raises `PriorityAdmissionError` when rejected.

        A persisted pod without ``spec.priority`` (created before priorities existed) gets the
        priority of its class when the class is known, and is otherwise left as it is.
        """
        if not self.needs_admission(pod):
            return pod
        if pod.metadata.is_persisted:
            try:
                return self.priority.admit(pod)
            except PriorityAdmissionError:
                return pod
        return default_toleration_seconds(self.priority.admit(pod))
