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
SHOWN = 5
"""Risky workloads named per finding; the others are counted."""
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


Signature = tuple[object, ...]


def _signature(h: PodHolder) -> Signature:
    """What the static filters read: equal signatures fit the same nodes."""
    spec = h.spec
    affinity = spec.affinity
    required = affinity.node_affinity.required if affinity and affinity.node_affinity else None
    return (spec.node_name, frozenset(spec.node_selector.items()), required, spec.tolerations)


def _disjoint_without_nodes(a: PodHolder, b: PodHolder) -> bool:
    if a.spec.node_name and b.spec.node_name and a.spec.node_name != b.spec.node_name:
        return True
    sa, sb = a.spec.node_selector, b.spec.node_selector
    return any(k in sb and sb[k] != v for k, v in sa.items())


def _has_anti(h: PodHolder) -> bool:
    affinity = h.spec.affinity
    anti = affinity.pod_anti_affinity if affinity else None
    return anti is not None and bool(anti.required)


def _risk_words(ctx: AuditContext, holder: PodHolder, separated: frozenset[str]) -> str | None:
    profile = ctx.profile(holder)
    words = [i.factor.value for i in profile.items if i.factor in RISKY_FACTORS]
    if profile.tier in separated:
        words.insert(0, f"tier {profile.tier}")
    return ", ".join(words) if words else None


Groups = dict[Signature, list[tuple[PodHolder, str]]]


@cluster_check(CHECK)
def critical_beside_risky(ctx: AuditContext) -> Iterator[Violation]:
    """One violation per critical workload, naming the risky workloads it can meet.

    Workloads with the same placement signature fit the same nodes, so risky workloads are
    grouped by signature and each critical workload is compared with each group once.
    """
    holders = [h for h in ctx.inventory.holders if not ctx.exempt(h)]
    protected = [h for h in holders if ctx.protected(h)]
    if not protected:
        return
    others = [h for h in holders if not ctx.protected(h)]
    nodes = [e.obj for e in ctx.inventory.nodes]
    fitting: dict[Signature, frozenset[int]] = {}

    def nodes_of(h: PodHolder) -> frozenset[int]:
        key = _signature(h)
        found = fitting.get(key)
        if found is None:
            found = frozenset(i for i, n in enumerate(nodes) if fits(h.spec, n))
            fitting[key] = found
        return found

    by_tier: dict[str, Groups] = {}
    for crit in protected:
        tier = ctx.profile(crit).tier
        groups = by_tier.get(tier)
        if groups is None:
            separated = ctx.policy.separated(tier)
            groups = {}
            for other in others:
                words = _risk_words(ctx, other, separated)
                if words is not None:
                    groups.setdefault(_signature(other), []).append((other, words))
            by_tier[tier] = groups
        met: list[str] = []
        count = 0
        shared: set[int] = set()
        crit_anti = _has_anti(crit)
        for members in groups.values():
            first = members[0][0]
            if nodes:
                common = nodes_of(crit) & nodes_of(first)
                if not common:
                    continue
            elif _disjoint_without_nodes(crit, first):
                continue
            if crit_anti:
                kept = [(h, w) for h, w in members if not _kept_apart(crit, h)]
            else:
                kept = [(h, w) for h, w in members if not (_has_anti(h) and _kept_apart(crit, h))]
            if kept and nodes:
                shared |= common
            count += len(kept)
            met.extend(f"{h.ref.display} ({w})" for h, w in kept[: max(0, SHOWN - len(met))])
        if not count:
            continue
        listed = ", ".join(met) + (f" (+{count - len(met)} more)" if count > len(met) else "")
        where = (
            f"; nodes where both fit: {names(sorted(nodes[i].name for i in shared))}"
            if nodes
            else " (no nodes in the input: judged from the pod specs alone)"
        )
        yield violation(crit, f"can share a node with {listed}{where}")
