"""The disruption engine: Kubernetes' disruption rules, reproduced exactly, and plans on top.

Pure: Eviction API decisions (`eviction`), PDB statuses through a sequence of evictions
(`ledger`), taint-based eviction (`taint_eviction`), what-if drains (`drain`, which places the
replacements with `vigil.scheduling`) and the remediation planner for misused pods
(`remediation`). The PDB arithmetic itself lives in the cluster ground
(`vigil.cluster.disruption_budget`), shared with preemption.
"""

from vigil.disruption.drain import DrainOptions, DrainPlan, PlannedEviction, plan_drain
from vigil.disruption.eviction import (
    EvictionCode,
    EvictionDecision,
    EvictionPath,
    EvictionReason,
    StatusCause,
    decide_eviction,
)
from vigil.disruption.ledger import BudgetLedger
from vigil.disruption.pod_alerts import AlertFeed, PodAlert, Severity, read_alerts
from vigil.disruption.remediation import (
    Action,
    PodPlan,
    RemediationPlan,
    RemediationPolicy,
    plan_remediation,
)
from vigil.disruption.taint_eviction import TaintEviction, TaintOutcome, taint_evictions

__all__ = [
    "Action",
    "AlertFeed",
    "BudgetLedger",
    "DrainOptions",
    "DrainPlan",
    "EvictionCode",
    "EvictionDecision",
    "EvictionPath",
    "EvictionReason",
    "PlannedEviction",
    "PodAlert",
    "PodPlan",
    "RemediationPlan",
    "RemediationPolicy",
    "Severity",
    "StatusCause",
    "TaintEviction",
    "TaintOutcome",
    "decide_eviction",
    "plan_drain",
    "plan_remediation",
    "read_alerts",
    "taint_evictions",
]
