"""How workloads select nodes: isolation on labels a kubelet can set (VA002), security left to
preferred rules (VA005), and rules that draw workloads to critical or reserved nodes (VA006)."""

from __future__ import annotations

from collections.abc import Iterator

from vigil.audit.checks.common import (
    AFFINITY_DOC,
    NODE_ISOLATION_DOC,
    NODE_RESTRICTION_DOC,
    TOPOLOGY_KEYS,
    spec_path,
)
from vigil.audit.context import AuditContext
from vigil.audit.inventory import PodHolder
from vigil.audit.model import Check, Severity, Violation
from vigil.audit.placement import selections, tolerated_keys
from vigil.audit.registry import pod_check, violation
from vigil.cluster.pod import PodAffinityTerm
from vigil.cluster.selectors import selector_matches
from vigil.posture.labels import NODE_RESTRICTION_PREFIX, is_node_restriction_label, kubelet_may_set

KUBELET_LABEL = Check(
    id="VA002",
    name="isolation-on-kubelet-label",
    title="Isolation relies on a node label a kubelet can set on itself",
    severity=Severity.HIGH,
    rationale=(
        "NodeRestriction lets a kubelet add or change any label of its own Node except those "
        f"under {NODE_RESTRICTION_PREFIX} and unlisted kubernetes.io / k8s.io labels. A critical "
        "or dedicated workload that selects nodes by another label can be attracted by a "
        "compromised node that gives itself that label: scheduling policies are like magnets."
    ),
    remediation=(
        f"Label the dedicated nodes with a {NODE_RESTRICTION_PREFIX} key (only an administrator "
        "can set it) and select by that key."
    ),
    references=(NODE_ISOLATION_DOC, NODE_RESTRICTION_DOC),
    admission=True,
)

SOFT_RULES = Check(
    id="VA005",
    name="security-on-preferred-rules",
    title="Security placement relies on preferred (soft) rules",
    severity=Severity.MEDIUM,
    rationale=(
        "Preferred node affinity and preferred pod anti-affinity only weigh the score: when the "
        "preferred nodes are full or gone, the scheduler places the pod anywhere else. A critical "
        "workload kept on its pool, or away from risky pods, by preferences alone is not isolated."
    ),
    remediation=(
        "Use requiredDuringSchedulingIgnoredDuringExecution node affinity (or a nodeSelector) on "
        "the isolation label, and required pod anti-affinity, or vigil's Isolation plugin."
    ),
    references=(AFFINITY_DOC,),
    admission=True,
)

ATTRACTION = Check(
    id="VA006",
    name="attracted-to-critical-nodes",
    title="The workload is drawn to critical or reserved nodes, or to critical pods",
    severity=Severity.HIGH,
    rationale=(
        "A node selector, node affinity or pod affinity is a magnet: a workload that selects the "
        "critical pool's isolation label, the control plane's role label, or wants to sit beside "
        "critical pods ends up sharing their nodes, defeating the isolation."
    ),
    remediation=(
        "Remove the selection; only workloads of the tier an isolation rule names (or of "
        "reservedNodes.allowedNamespaces for reserved nodes) should select those nodes."
    ),
    references=(NODE_ISOLATION_DOC, AFFINITY_DOC),
    admission=True,
)


def _isolation_keys(ctx: AuditContext) -> set[str]:
    keys = {k for rule in ctx.policy.isolation for k in rule.node_labels}
    return keys | set(ctx.policy.reserved_nodes.label_keys)


@pod_check(KUBELET_LABEL)
def kubelet_label(holder: PodHolder, ctx: AuditContext) -> Iterator[Violation]:
    """Protected or dedicated workloads selecting nodes by labels a kubelet may set."""
    if ctx.exempt(holder):
        return
    dedicated = tolerated_keys(holder.spec.tolerations, ctx.policy.reserved_nodes.taint_keys)
    if not (ctx.protected(holder) or dedicated):
        return
    why = "a critical workload" if ctx.protected(holder) else "a workload on reserved nodes"
    for sel in selections(holder.spec):
        if sel.required and kubelet_may_set(sel.key) and sel.key not in TOPOLOGY_KEYS:
            yield violation(
                holder,
                f"{why} selects nodes by label {sel.key} ({sel.where}), which a compromised "
                f"kubelet can set on its own node; use a {NODE_RESTRICTION_PREFIX} label",
                f"{spec_path(holder)}.{'nodeSelector' if sel.where.startswith('nodeSelector') else 'affinity'}",
            )


def _risky_for(tier: str, ctx: AuditContext) -> list[PodHolder]:
    """Holders that a pod of ``tier`` should keep away from (memoized per tier and context)."""
    cache: dict[str, list[PodHolder]] = ctx.memo.setdefault("risky-for-tier", {})
    found = cache.get(tier)
    if found is None:
        separated = ctx.policy.separated(tier)
        found = [
            h
            for h in ctx.inventory.holders
            if not ctx.exempt(h)
            and (ctx.profile(h).tier in separated or ctx.profile(h).can_escape())
        ]
        cache[tier] = found
    return found


def _matches_risky(term: PodAffinityTerm, holder: PodHolder, ctx: AuditContext) -> bool:
    for other in _risky_for(ctx.profile(holder).tier, ctx):
        if other is holder:
            continue
        in_scope = (
            other.namespace in term.namespaces
            or term.namespace_selector is not None
            or (not term.namespaces and other.namespace == holder.namespace)
        )
        if in_scope and selector_matches(term.label_selector, other.pod_labels):
            return True
    return False


@pod_check(SOFT_RULES)
def soft_rules(holder: PodHolder, ctx: AuditContext) -> Iterator[Violation]:
    """Protected workloads whose isolation is only preferred."""
    if ctx.exempt(holder) or not ctx.protected(holder):
        return
    chosen = selections(holder.spec)
    required_keys = {s.key for s in chosen if s.required}
    isolation = _isolation_keys(ctx)
    for sel in chosen:
        trusted = is_node_restriction_label(sel.key) or sel.key in isolation
        if not sel.required and trusted and sel.key not in required_keys:
            yield violation(
                holder,
                f"prefers nodes labelled {sel.key} ({sel.where}) but is not required to run "
                "there: a preference is not isolation",
                f"{spec_path(holder)}.affinity.nodeAffinity",
            )
    affinity = holder.spec.affinity
    anti = affinity.pod_anti_affinity if affinity else None
    if anti is not None and not anti.required:
        for weighted in anti.preferred:
            if _matches_risky(weighted.term, holder, ctx):
                yield violation(
                    holder,
                    "keeps away from risky pods only by preferred pod anti-affinity: the "
                    "scheduler may still place them together",
                    f"{spec_path(holder)}.affinity.podAntiAffinity",
                )
                break


def _attracted_to_protected(holder: PodHolder, ctx: AuditContext) -> str | None:
    affinity = holder.spec.affinity
    pod_affinity = affinity.pod_affinity if affinity else None
    if pod_affinity is None:
        return None
    terms = [(t, "required") for t in pod_affinity.required]
    terms += [(w.term, "preferred") for w in pod_affinity.preferred]
    for term, kind in terms:
        for other in ctx.inventory.holders:
            if other is holder or not ctx.protected(other):
                continue
            in_scope = (
                other.namespace in term.namespaces
                or term.namespace_selector is not None
                or (not term.namespaces and other.namespace == holder.namespace)
            )
            if in_scope and selector_matches(term.label_selector, other.pod_labels):
                return f"{kind} pod affinity to critical pods of {other.ref.display}"
    return None


@pod_check(ATTRACTION)
def attraction(holder: PodHolder, ctx: AuditContext) -> Iterator[Violation]:
    """Selections of another tier's isolation labels, of reserved nodes, or of critical pods."""
    if ctx.exempt(holder):
        return
    tier = ctx.profile(holder).tier
    reserved = ctx.policy.reserved_nodes
    base = spec_path(holder)
    for sel in selections(holder.spec):
        for rule in ctx.policy.isolation:
            wanted = rule.node_labels.get(sel.key)
            if rule.tier == tier or wanted is None:
                continue
            if not sel.values or wanted in sel.values:
                yield violation(
                    holder,
                    f"tier {tier} is drawn to the nodes of isolation tier {rule.tier} by "
                    f"{sel.where}",
                    f"{base}.{'nodeSelector' if sel.where.startswith('nodeSelector') else 'affinity'}",
                )
        if sel.key in reserved.label_keys and holder.namespace not in reserved.allowed_namespaces:
            yield violation(
                holder,
                f"is drawn to reserved nodes by {sel.where}; namespace {holder.namespace} is not "
                "in reservedNodes.allowedNamespaces",
                f"{base}.{'nodeSelector' if sel.where.startswith('nodeSelector') else 'affinity'}",
            )
    if not ctx.protected(holder):
        magnet = _attracted_to_protected(holder, ctx)
        if magnet is not None:
            yield violation(
                holder, f"is drawn next to critical pods: {magnet}", f"{base}.affinity.podAffinity"
            )
