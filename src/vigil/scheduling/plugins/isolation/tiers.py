"""The risk profile of every pod a cycle meets, computed once per pod and kept.

Filter and Score look at the incoming pod and at every pod already on a node, on every node of
every cycle; profiles depend only on the pod and the cluster context, so they are memoized by
pod key. The memo holds at most one entry per pod of the simulated cluster (pods are only ever
added by the cluster being scheduled).
"""

from __future__ import annotations

from vigil.cluster.pod import Pod
from vigil.posture.policy import PosturePolicy
from vigil.posture.risk import RiskContext, RiskProfile, assess


class TierBook:
    """Risk profiles by pod key, and which pods the policy leaves out (exempt namespaces)."""

    __slots__ = ("_exempt", "_profiles", "context")

    def __init__(self, context: RiskContext) -> None:
        self.context = context
        self._exempt = frozenset(context.policy.exempt_namespaces)
        self._profiles: dict[str, RiskProfile] = {}

    @property
    def policy(self) -> PosturePolicy:
        """The posture policy."""
        return self.context.policy

    def exempt(self, pod: Pod) -> bool:
        """Pods of exempt namespaces are trusted infrastructure: neither placed nor counted."""
        return pod.namespace in self._exempt

    def profile(self, pod: Pod) -> RiskProfile:
        """The pod's risk profile and tier."""
        found = self._profiles.get(pod.key)
        if found is None:
            found = assess(pod.namespace, pod.labels, pod.spec, self.context, pod.key)
            self._profiles[pod.key] = found
        return found

    def tier(self, pod: Pod) -> str:
        """The pod's tier."""
        return self.profile(pod).tier
