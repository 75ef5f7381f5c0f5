"""A pod's risk profile: what in its spec, exposure, namespace and live behaviour makes it likely
to be compromised or to escape to its node, with documented weights and a resulting tier.

Each factor counts once, with the weight the policy gives it, and says why in words (``runs
privileged: containers app``). The score decides the tier through `classify`; tiers declared by
a match (critical workloads) win over scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from vigil.cluster.pod import PodSpec
from vigil.posture.alerts import SEVERITIES, AlertCounts
from vigil.posture.exposure import ExposureIndex
from vigil.posture.policy import PosturePolicy
from vigil.posture.tiers import classify


class RiskFactor(StrEnum):
    """Stable names of the risk factors (the keys of ``risk.weights``)."""

    PRIVILEGED = "privileged"
    HOST_NETWORK = "hostNetwork"
    HOST_PID = "hostPID"
    HOST_IPC = "hostIPC"
    HOST_PATH = "hostPath"
    CAPABILITIES = "capabilities"
    RUN_AS_ROOT = "runAsRoot"
    EXPOSED = "exposed"
    SECRETS = "secrets"
    NAMESPACE_TRUST = "namespaceTrust"
    ALERTS = "alerts"


ESCAPE_FACTORS = frozenset(
    {
        RiskFactor.PRIVILEGED,
        RiskFactor.HOST_NETWORK,
        RiskFactor.HOST_PID,
        RiskFactor.HOST_IPC,
        RiskFactor.HOST_PATH,
        RiskFactor.CAPABILITIES,
    }
)
"""Factors that give a compromised container a way onto its node."""


@dataclass(frozen=True, slots=True)
class RiskItem:
    """One factor present in the pod, its weight and the reason in words."""

    factor: RiskFactor
    weight: int
    reason: str


@dataclass(frozen=True, slots=True)
class RiskProfile:
    """The factors found, their total, and the tier that follows."""

    items: tuple[RiskItem, ...] = ()
    tier: str = ""
    tier_reason: str = ""

    @property
    def score(self) -> int:
        """The sum of the weights."""
        return sum(i.weight for i in self.items)

    @property
    def factors(self) -> frozenset[RiskFactor]:
        """The factors present."""
        return frozenset(i.factor for i in self.items)

    def can_escape(self) -> bool:
        """Whether some factor gives a way onto the node (privileged, host namespaces...)."""
        return bool(self.factors & ESCAPE_FACTORS)

    def explain(self) -> str:
        """``score 55: runs privileged (40), exposed ... (15)``."""
        parts = ", ".join(f"{i.reason} ({i.weight})" for i in self.items)
        return f"score {self.score}" + (f": {parts}" if parts else "")


@dataclass(slots=True)
class RiskContext:
    """Cluster facts a profile needs beyond the pod: exposure, namespaces, live alerts."""

    policy: PosturePolicy
    exposure: ExposureIndex = field(default_factory=ExposureIndex)
    namespace_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    alerts: AlertCounts | None = None

    def trust_of(self, namespace: str) -> str:
        """The namespace's trust level (label value, else the policy default)."""
        risk = self.policy.risk
        labels = self.namespace_labels.get(namespace, {})
        level = labels.get(risk.trust_label, risk.default_trust)
        return level if level in risk.weights.namespace_trust else risk.default_trust


def _list(names: tuple[str, ...]) -> str:
    return ", ".join(names)


def risk_items(
    namespace: str,
    labels: Mapping[str, str],
    spec: PodSpec,
    context: RiskContext,
    pod_key: str = "",
) -> list[RiskItem]:
    """Every factor present in the pod, with its weight (factors weighted 0 are left out)."""
    w = context.policy.risk.weights
    sec = spec.security
    found: list[tuple[RiskFactor, int, str]] = []
    if sec.privileged_containers:
        found.append(
            (
                RiskFactor.PRIVILEGED,
                w.privileged,
                f"privileged containers {_list(sec.privileged_containers)}",
            )
        )
    if sec.host_network:
        found.append(
            (RiskFactor.HOST_NETWORK, w.host_network, "shares the node's network namespace")
        )
    if sec.host_pid:
        found.append((RiskFactor.HOST_PID, w.host_pid, "shares the node's PID namespace"))
    if sec.host_ipc:
        found.append((RiskFactor.HOST_IPC, w.host_ipc, "shares the node's IPC namespace"))
    if sec.host_paths:
        found.append(
            (RiskFactor.HOST_PATH, w.host_path, f"mounts host paths {_list(sec.host_paths)}")
        )
    if sec.added_capabilities:
        found.append(
            (
                RiskFactor.CAPABILITIES,
                w.capabilities,
                f"adds capabilities {_list(sec.added_capabilities)}",
            )
        )
    root = sec.root_containers()
    if root:
        found.append((RiskFactor.RUN_AS_ROOT, w.run_as_root, f"may run as root: {_list(root)}"))
    exposures = context.exposure.exposures(namespace, labels, spec)
    if exposures:
        found.append((RiskFactor.EXPOSED, w.exposed, f"exposed through {', '.join(exposures)}"))
    if sec.secret_names:
        found.append((RiskFactor.SECRETS, w.secrets, f"reads secrets {_list(sec.secret_names)}"))
    trust = context.trust_of(namespace)
    trust_weight = w.namespace_trust.get(trust, 0)
    found.append((RiskFactor.NAMESPACE_TRUST, trust_weight, f"namespace {namespace} is {trust}"))
    if context.alerts is not None and pod_key:
        counts = context.alerts.of(pod_key)
        aw = w.alerts
        total = sum(counts[s] * getattr(aw, s) for s in SEVERITIES)
        if total:
            seen = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
            found.append((RiskFactor.ALERTS, min(total, aw.cap), f"gate alerts: {seen}"))
    return [RiskItem(f, weight, reason) for f, weight, reason in found if weight > 0]


def assess(
    namespace: str,
    labels: Mapping[str, str],
    spec: PodSpec,
    context: RiskContext,
    pod_key: str = "",
) -> RiskProfile:
    """The pod's risk items and its tier (see `vigil.posture.tiers.classify`)."""
    items = tuple(risk_items(namespace, labels, spec, context, pod_key))
    tier, reason = classify(namespace, labels, spec, sum(i.weight for i in items), context.policy)
    return RiskProfile(items, tier, reason)
