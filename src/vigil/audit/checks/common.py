"""Helpers shared by the check modules."""

from __future__ import annotations

from vigil.audit.inventory import PodHolder

K8S_DOCS = "https://kubernetes.io/docs"
TAINTS_DOC = f"{K8S_DOCS}/concepts/scheduling-eviction/taint-and-toleration/"
NODE_ISOLATION_DOC = (
    f"{K8S_DOCS}/concepts/scheduling-eviction/assign-pod-node/#node-isolation-restriction"
)
AFFINITY_DOC = f"{K8S_DOCS}/concepts/scheduling-eviction/assign-pod-node/"
NODE_RESTRICTION_DOC = (
    f"{K8S_DOCS}/reference/access-authn-authz/admission-controllers/#noderestriction"
)
PRIORITY_DOC = f"{K8S_DOCS}/concepts/scheduling-eviction/pod-priority-preemption/"
PDB_DOC = f"{K8S_DOCS}/tasks/run-application/configure-pdb/"
UNHEALTHY_POLICY_DOC = f"{PDB_DOC}#unhealthy-pod-eviction-policy"
SECURITY_DOC = f"{K8S_DOCS}/concepts/security/pod-security-standards/"
NODE_NAME_DOC = f"{AFFINITY_DOC}#nodename"

TOPOLOGY_KEYS = frozenset(
    {
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
        "kubernetes.io/os",
        "kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
        "node.kubernetes.io/instance-type",
        "beta.kubernetes.io/instance-type",
    }
)
"""Platform and topology labels: selecting by them places, it does not isolate."""


def spec_path(holder: PodHolder) -> str:
    """The path of the pod spec inside the object (``spec.template.spec`` for workloads)."""
    if holder.ref.kind == "Pod":
        return "spec"
    if holder.ref.kind == "CronJob":
        return "spec.jobTemplate.spec.template.spec"
    return "spec.template.spec"


def names(items: list[str], limit: int = 5) -> str:
    """``a, b, c`` with ``(+N more)`` past ``limit``."""
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")
