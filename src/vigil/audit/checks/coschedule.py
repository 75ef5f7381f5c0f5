"""Critical workloads that kube-scheduler could place on the same node as risky ones (VA001).

With nodes in the input, two workloads can share a node when some node passes both workloads'
static filters (nodeName, nodeSelector, required node affinity, NoSchedule/NoExecute taints) and
no required pod anti-affinity on ``kubernetes.io/hostname`` keeps them apart. Without nodes, only
the pod specs are compared: different nodeNames, disjoint required values of one label key, or
anti-affinity separate them; anything else may meet. Risky means: a tier the critical tier is
separated from, or a way onto the node (privileged, host namespaces, hostPath, capabilities),
or exposure to outside traffic.
"""

from __future__ import annotations

from collections.abc import Iterator

from vigil.audit.checks.common import NODE_ISOLATION_DOC, SECURITY_DOC, names
from vigil.audit.context import AuditContext
from vigil.audit.inventory import PodHolder
from vigil.audit.model import Check, Severity, Violation
from vigil.audit.placement import fits
from vigil.audit.registry import cluster_check, violation
from vigil.cluster.pod import PodAffinityTerm
from vigil.cluster.selectors import selector_matches
from vigil.posture.risk import ESCAPE_FACTORS, RiskFactor

HOSTNAME = "kubernetes.io/hostname"
RISKY_FACTORS = ESCAPE_FACTORS | {RiskFactor.EXPOSED}

CHECK = Check(
    id="VA001",
    name="critical-beside-risky",
    title="A critical workload can share a node with privileged, hostPath or exposed pods",
    severity=Severity.HIGH,
    rationale=(
        "A compromised pod that can reach its node (privileged, host namespaces, hostPath, "
        "added capabilities) or that faces outside traffic is the likeliest way in; every pod on "
        "the same node is then within reach. Critical workloads must not be schedulable beside "
        "such pods."
    ),
    remediation=(
        "Put critical workloads on a dedicated pool: a node-restriction.kubernetes.io/ label with "
        "a required node selector, a taint they alone tolerate, and required anti-affinity "
        "against risky pods, or schedule with vigil's Isolation plugin (vigil schedule "
        "--isolation)."
    ),
    references=(NODE_ISOLATION_DOC, SECURITY_DOC),
)


def _anti(term: PodAffinityTerm, owner: PodHolder, other: PodHolder) -> bool:
    if term.topology_key != HOSTNAME:
        return False
    in_scope = (
        other.namespace in term.namespaces
        or term.namespace_selector is not None
        or (not term.namespaces and other.namespace == owner.namespace)
    )
    return in_scope and selector_matches(term.label_selector, other.pod_labels)


def _kept_apart(a: PodHolder, b: PodHolder) -> bool:
    for owner, other in ((a, b), (b, a)):
        affinity = owner.spec.affinity
        anti = affinity.pod_anti_affinity if affinity else None
        if anti is not None and any(_anti(t, owner, other) for t in anti.required):
            return True
    return False


def _disjoint_without_nodes(a: PodHolder, b: PodHolder) -> bool:
    if a.spec.node_name and b.spec.node_name and a.spec.node_name != b.spec.node_name:
        return True
    sa, sb = a.spec.node_selector, b.spec.node_selector
    return any(k in sb and sb[k] != v for k, v in sa.items())


def _risk_words(ctx: AuditContext, holder: PodHolder, separated: frozenset[str]) -> str | None:
    profile = ctx.profile(holder)
    words = [i.factor.value for i in profile.items if i.factor in RISKY_FACTORS]
    if profile.tier in separated:
        words.insert(0, f"tier {profile.tier}")
    return ", ".join(words) if words else None


@cluster_check(CHECK)
def critical_beside_risky(ctx: AuditContext) -> Iterator[Violation]:
    """One violation per critical workload, naming the risky workloads it can meet."""
    holders = [h for h in ctx.inventory.holders if not ctx.exempt(h)]
    nodes = [e.obj for e in ctx.inventory.nodes]
    feasible: dict[int, frozenset[int]] = {}

    def nodes_of(h: PodHolder) -> frozenset[int]:
        found = feasible.get(id(h))
        if found is None:
            found = frozenset(i for i, n in enumerate(nodes) if fits(h.spec, n))
            feasible[id(h)] = found
        return found

    protected = [h for h in holders if ctx.protected(h)]
    for crit in protected:
        separated = ctx.policy.separated(ctx.profile(crit).tier)
        met: list[str] = []
        shared: set[int] = set()
        for other in holders:
            if other is crit or ctx.protected(other):
                continue
            words = _risk_words(ctx, other, separated)
            if words is None or _kept_apart(crit, other):
                continue
            if nodes:
                common = nodes_of(crit) & nodes_of(other)
                if not common:
                    continue
                shared |= common
            elif _disjoint_without_nodes(crit, other):
                continue
            met.append(f"{other.ref.display} ({words})")
        if not met:
            continue
        where = (
            f"; nodes where both fit: {names(sorted(nodes[i].name for i in shared))}"
            if nodes
            else " (no nodes in the input: judged from the pod specs alone)"
        )
        yield violation(crit, f"can share a node with {names(met)}{where}")
