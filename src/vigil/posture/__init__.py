"""Posture: the risk model and policy shared by isolation, audit and admission (pure).

* `policy` and `load`: the PosturePolicy YAML file (weights, tiers, isolation rules, expected
  PriorityClasses, reserved nodes, audit and admission settings), validated with clear errors;
* `labels`: NodeRestriction's rules on which node labels a kubelet may set on itself;
* `exposure`, `alerts`, `risk`, `tiers`: a pod's risk profile and tier;
* `context`: building a `RiskContext` from a loaded `Cluster`.
"""

from vigil.posture.alerts import AlertCounts, AlertsError, parse_alerts
from vigil.posture.context import risk_context
from vigil.posture.exposure import ExposureIndex
from vigil.posture.labels import (
    NODE_RESTRICTION_PREFIX,
    is_node_restriction_label,
    kubelet_may_set,
)
from vigil.posture.load import PolicyError, parse_policy
from vigil.posture.policy import PosturePolicy
from vigil.posture.risk import RiskContext, RiskFactor, RiskItem, RiskProfile, assess
from vigil.posture.tiers import classify

__all__ = [
    "NODE_RESTRICTION_PREFIX",
    "AlertCounts",
    "AlertsError",
    "ExposureIndex",
    "PolicyError",
    "PosturePolicy",
    "RiskContext",
    "RiskFactor",
    "RiskItem",
    "RiskProfile",
    "assess",
    "classify",
    "is_node_restriction_label",
    "kubelet_may_set",
    "parse_alerts",
    "parse_policy",
    "risk_context",
]
