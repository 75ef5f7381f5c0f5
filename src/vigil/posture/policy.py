"""The posture policy: one YAML file for risk weights, tiers, isolation, priorities and audit.

The same file drives `vigil schedule --isolation`, `vigil audit --policy` and `vigil admission
--policy`, so placement, audit and admission judge a workload by the same rules. Every section
has defaults (`PosturePolicy()` is a usable policy); the file only says what differs. Models
are pydantic with unknown fields refused, so a typo is an error naming the field, never a
setting silently ignored.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, field_validator, model_validator
from pydantic.alias_generators import to_camel

from vigil.posture.labels import NODE_RESTRICTION_PREFIX, is_node_restriction_label

API_VERSION = "vigil.dev/v1"
KIND = "PosturePolicy"
SEVERITY_NAMES = ("low", "medium", "high", "critical")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class AlertWeights(_Model):
    """Live behaviour: weight per gate alert of each severity seen for the pod, capped."""

    low: NonNegativeInt = 1
    medium: NonNegativeInt = 5
    high: NonNegativeInt = 15
    critical: NonNegativeInt = 30
    cap: NonNegativeInt = 40
    """The most that alerts add to a pod's score, however many there are."""


class RiskWeights(_Model):
    """Points each risk factor adds to a pod's risk score (each factor counts once)."""

    privileged: NonNegativeInt = 40
    host_network: NonNegativeInt = Field(25, alias="hostNetwork")
    host_pid: NonNegativeInt = Field(25, alias="hostPID")
    host_ipc: NonNegativeInt = Field(15, alias="hostIPC")
    host_path: NonNegativeInt = 30
    capabilities: NonNegativeInt = 15
    run_as_root: NonNegativeInt = 10
    exposed: NonNegativeInt = 15
    secrets: NonNegativeInt = 5
    namespace_trust: dict[str, NonNegativeInt] = Field(
        default_factory=lambda: {"untrusted": 20, "standard": 5, "trusted": 0}
    )
    """Points by the trust level of the pod's namespace (see `RiskPolicy.trust_label`)."""
    alerts: AlertWeights = AlertWeights()


class RiskPolicy(_Model):
    """How a pod's risk score is computed."""

    weights: RiskWeights = RiskWeights()
    trust_label: str = "vigil.dev/trust"
    """Namespace label whose value is the namespace's trust level."""
    default_trust: str = "standard"
    """Trust level of a namespace without the label (or not in the input)."""

    @model_validator(mode="after")
    def _default_trust_known(self) -> RiskPolicy:
        if self.default_trust not in self.weights.namespace_trust:
            known = ", ".join(sorted(self.weights.namespace_trust))
            raise ValueError(
                f"defaultTrust {self.default_trust!r} is not a level of weights.namespaceTrust "
                f"({known})"
            )
        return self


class TierMatch(_Model):
    """Declared membership of a tier: a pod matches when any given criterion holds."""

    namespaces: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)
    """Every label must be on the pod (or its template)."""
    priority_classes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> TierMatch:
        if not (self.namespaces or self.labels or self.priority_classes):
            raise ValueError("match needs namespaces, labels or priorityClasses")
        return self


class Tier(_Model):
    """A tier: declared by `match`, or reached by a risk score of at least `min_score`."""

    name: str
    match: TierMatch | None = None
    min_score: NonNegativeInt | None = None
    protected: bool = False
    """Pods of this tier are assets to protect (critical workloads) rather than risks."""

    @field_validator("name")
    @classmethod
    def _dns_label(cls, value: str) -> str:
        if not _DNS_LABEL.match(value) or len(value) > 63:
            raise ValueError(f"tier name {value!r} must be a DNS label (a-z, 0-9, '-')")
        return value


class IsolationRule(_Model):
    """Where a tier may run and which tiers it never shares a node with."""

    tier: str
    node_labels: dict[str, str] = Field(default_factory=dict)
    """Labels a node must carry to run this tier; only ``node-restriction.kubernetes.io/``
    keys are accepted, since a compromised kubelet can set any other label on its node."""
    exclusive: bool = False
    """Nodes carrying `node_labels` run only this tier."""
    taint_keys: list[str] = Field(default_factory=list)
    """Taints that keep other tiers off this tier's nodes: only this tier may tolerate them."""
    separate_from: list[str] = Field(default_factory=list)
    """Tiers never on the same node as this one, in both directions."""

    @field_validator("node_labels")
    @classmethod
    def _trusted_keys(cls, labels: dict[str, str]) -> dict[str, str]:
        for key in labels:
            if not is_node_restriction_label(key):
                raise ValueError(
                    f"label {key!r} is not under {NODE_RESTRICTION_PREFIX}: a compromised "
                    "kubelet can set it on its own node (NodeRestriction), so it cannot isolate"
                )
        return labels


class Component(_Model):
    """A cluster component (autoscaler, vigil itself) identified by namespace and name prefix."""

    namespace: str = ""
    name_prefix: str = ""

    @model_validator(mode="after")
    def _not_empty(self) -> Component:
        if not (self.namespace or self.name_prefix):
            raise ValueError("a component needs a namespace or a namePrefix")
        return self


def _default_components() -> list[Component]:
    return [
        Component(name_prefix="cluster-autoscaler"),
        Component(namespace="vigil-system"),
    ]


class PriorityPolicy(_Model):
    """What PriorityClasses workloads are expected to use."""

    namespaces: dict[str, list[str]] = Field(default_factory=dict)
    """Namespace -> the PriorityClasses its pods may use (the seed's prod/preprod/dev)."""
    high_minimum: int = 1_000_000
    """The value a class must reach to count as high, for critical pods and components."""
    components: list[Component] = Field(default_factory=_default_components)


class ReservedNodes(_Model):
    """Nodes that ordinary workloads must not reach (control plane, dedicated pools)."""

    taint_keys: list[str] = Field(
        default_factory=lambda: [
            "node-role.kubernetes.io/control-plane",
            "node-role.kubernetes.io/master",
        ]
    )
    label_keys: list[str] = Field(
        default_factory=lambda: [
            "node-role.kubernetes.io/control-plane",
            "node-role.kubernetes.io/master",
        ]
    )
    allowed_namespaces: list[str] = Field(default_factory=lambda: ["kube-system"])


class Suppression(_Model):
    """A finding accepted on purpose: which check, which objects, why, until when."""

    check: str
    namespace: str = "*"
    kind: str = "*"
    name: str = "*"
    """Shell-style patterns (``*``, ``?``) matched against the object."""
    reason: Annotated[str, Field(min_length=1)]
    expires: date | None = None


class AuditSettings(_Model):
    """Audit behaviour that is policy, not command-line taste."""

    allow_annotation_suppressions: bool = True
    """False: ``vigil.dev/suppress`` annotations are ignored (whoever can deploy could
    otherwise exempt their own workload); only suppressions of this file or ``--suppressions``
    count."""
    suppressions: list[Suppression] = Field(default_factory=list)


class Sidecar(_Model):
    """Injection of the vigil gate as a sidecar by the mutating webhook."""

    enabled: bool = False
    namespaces: list[str] = Field(default_factory=list)
    """Namespaces whose pods get the gate; empty means every namespace not exempt."""
    image: str = "vigil:0.1.0"
    listen_port: int = Field(8000, ge=1, le=65535)
    upstream_port: int = Field(8080, ge=1, le=65535)
    mode: str = "detect"
    allow_opt_out: bool = True
    """Whether a pod's ``vigil.dev/inject: "false"`` annotation skips injection; false makes
    the gate mandatory in the injected namespaces (the annotation is then ignored)."""

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        if value not in ("learn", "detect", "enforce"):
            raise ValueError("mode must be learn, detect or enforce")
        return value


class AdmissionSettings(_Model):
    """Which of vigil's rules deny at admission; the others answer with warnings."""

    deny: list[str] = Field(default_factory=lambda: ["VA003", "VA004", "VA006", "VA008"])
    sidecar: Sidecar = Sidecar()


def _default_tiers() -> list[Tier]:
    return [
        Tier(
            name="critical", match=TierMatch(labels={"vigil.dev/tier": "critical"}), protected=True
        ),
        Tier(name="high-risk", min_score=50),
        Tier(name="elevated", min_score=20),
        Tier(name="standard"),
    ]


def _default_isolation() -> list[IsolationRule]:
    return [
        IsolationRule(
            tier="critical",
            node_labels={"node-restriction.kubernetes.io/isolation": "critical"},
            exclusive=True,
            separate_from=["high-risk"],
        )
    ]


class PosturePolicy(_Model):
    """The whole policy file (``apiVersion: vigil.dev/v1``, ``kind: PosturePolicy``)."""

    api_version: str = Field(API_VERSION, alias="apiVersion")
    kind: str = KIND
    risk: RiskPolicy = RiskPolicy()
    tiers: list[Tier] = Field(default_factory=_default_tiers, min_length=1)
    isolation: list[IsolationRule] = Field(default_factory=_default_isolation)
    exempt_namespaces: list[str] = Field(default_factory=lambda: ["kube-system"])
    """Trusted infrastructure: pods there are neither placed by isolation nor counted."""
    priority: PriorityPolicy = PriorityPolicy()
    reserved_nodes: ReservedNodes = ReservedNodes()
    audit: AuditSettings = AuditSettings()
    admission: AdmissionSettings = AdmissionSettings()

    @field_validator("api_version")
    @classmethod
    def _api_version(cls, value: str) -> str:
        if value != API_VERSION:
            raise ValueError(f"expected {API_VERSION}, got {value!r}")
        return value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value != KIND:
            raise ValueError(f"expected {KIND}, got {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PosturePolicy:
        names = [t.name for t in self.tiers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"tiers: duplicate tier name {duplicates[0]!r}")
        last = self.tiers[-1]
        if last.match is not None or last.min_score is not None:
            raise ValueError(
                f"tiers: the last tier ({last.name!r}) must have no match and no minScore, "
                "so that every pod gets a tier"
            )
        known = set(names)
        for i, rule in enumerate(self.isolation):
            for tier in (rule.tier, *rule.separate_from):
                if tier not in known:
                    raise ValueError(
                        f"isolation[{i}]: unknown tier {tier!r} (tiers: {', '.join(names)})"
                    )
        return self

    def tier(self, name: str) -> Tier | None:
        """The tier of that name, if any."""
        return next((t for t in self.tiers if t.name == name), None)

    def separated(self, tier: str) -> frozenset[str]:
        """Tiers that ``tier`` never shares a node with (the rules read in both directions)."""
        out: set[str] = set()
        for rule in self.isolation:
            if rule.tier == tier:
                out.update(rule.separate_from)
            if tier in rule.separate_from:
                out.add(rule.tier)
        return frozenset(out)

    def rules_for(self, tier: str) -> list[IsolationRule]:
        """The isolation rules about ``tier`` itself."""
        return [r for r in self.isolation if r.tier == tier]
