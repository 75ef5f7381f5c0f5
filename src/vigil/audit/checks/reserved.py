"""Reaching reserved nodes: tolerations of reserved taints (VA003) and ``nodeName`` (VA004)."""

from __future__ import annotations

from collections.abc import Iterator

from vigil.audit.checks.common import NODE_NAME_DOC, TAINTS_DOC, names, spec_path
from vigil.audit.context import AuditContext
from vigil.audit.inventory import PodHolder
from vigil.audit.model import Check, Severity, Violation
from vigil.audit.placement import tolerated_keys, tolerates_everything
from vigil.audit.registry import pod_check, violation

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"

TOLERATIONS = Check(
    id="VA003",
    name="toleration-reaches-reserved-nodes",
    title="Tolerations let the workload onto control-plane or reserved nodes",
    severity=Severity.HIGH,
    rationale=(
        "Taints keep ordinary workloads off the control plane and off dedicated pools. A "
        "toleration of those taints, or the wildcard toleration (operator Exists with no key) "
        "that tolerates every taint, lets a workload land beside etcd, the API server or the "
        "critical pool, where a compromised container reaches the most."
    ),
    remediation=(
        "Remove the toleration, or tolerate only the taints the workload needs with an explicit "
        "key. Run node agents that must go everywhere in a namespace listed in "
        "reservedNodes.allowedNamespaces."
    ),
    references=(TAINTS_DOC,),
    admission=True,
)

NODE_NAME = Check(
    id="VA004",
    name="node-name-set",
    title="The workload sets spec.nodeName and bypasses the scheduler",
    severity=Severity.HIGH,
    rationale=(
        "A pod with spec.nodeName goes straight to that node's kubelet: no scheduler filter runs "
        "(taints, affinity, isolation, resources) and no preemption order applies. Whoever writes "
        "the manifest picks the node, including control-plane and critical nodes."
    ),
    remediation=(
        "Use a nodeSelector or required node affinity on node-restriction.kubernetes.io/ labels "
        "and let the scheduler place the pod."
    ),
    references=(NODE_NAME_DOC,),
    admission=True,
)


def _tier_taints(holder: PodHolder, ctx: AuditContext) -> list[tuple[str, str]]:
    """Taint keys of isolation rules of other tiers, with the tier they belong to."""
    tier = ctx.profile(holder).tier
    return [(k, r.tier) for r in ctx.policy.isolation if r.tier != tier for k in r.taint_keys]


@pod_check(TOLERATIONS)
def reserved_tolerations(holder: PodHolder, ctx: AuditContext) -> Iterator[Violation]:
    """Tolerations of reserved taints outside the allowed namespaces, and of other tiers'
    isolation taints."""
    reserved = ctx.policy.reserved_nodes
    tolerations = holder.spec.tolerations
    path = f"{spec_path(holder)}.tolerations"
    if holder.namespace not in reserved.allowed_namespaces and not ctx.exempt(holder):
        tier_taints = _tier_taints(holder, ctx)
        if not tolerates_everything(tolerations):
            for key in tolerated_keys(tolerations, [k for k, _ in tier_taints]):
                owner = next(t for k, t in tier_taints if k == key)
                yield violation(
                    holder,
                    f"tolerates {key}, the taint that keeps other tiers off the nodes of isolation "
                    f"tier {owner}, so it can run there",
                    path,
                )
    if holder.namespace in reserved.allowed_namespaces:
        return
    if tolerates_everything(tolerations):
        yield violation(
            holder,
            "tolerates every taint (operator Exists with no key), so it can run on control-plane "
            "and reserved nodes",
            path,
        )
        return
    keys = tolerated_keys(tolerations, reserved.taint_keys)
    if keys:
        yield violation(
            holder,
            f"tolerates the reserved taint(s) {names(keys)}, so it can run on those nodes; "
            f"namespace {holder.namespace} is not in reservedNodes.allowedNamespaces",
            path,
        )


@pod_check(NODE_NAME)
def node_name(holder: PodHolder, ctx: AuditContext) -> Iterator[Violation]:
    """spec.nodeName written in a manifest (pods already bound by the scheduler are fine)."""
    target = holder.spec.node_name
    if not target or holder.bound:
        return
    if holder.namespace in ctx.policy.reserved_nodes.allowed_namespaces:
        return
    if any(k == MIRROR_ANNOTATION for k, _ in holder.annotations):
        return
    message = (
        f"sets spec.nodeName {target}: the pod bypasses the scheduler and its checks (taints, "
        "affinity, isolation, preemption order)"
    )
    node = next((e.obj for e in ctx.inventory.nodes if e.obj.name == target), None)
    if node is not None:
        reserved = ctx.policy.reserved_nodes
        taints = [t.key for t in node.taints if t.key in reserved.taint_keys]
        labels = [k for k in node.labels if k in reserved.label_keys]
        if taints or labels:
            message += (
                f"; node {target} is reserved ({names(list(dict.fromkeys(taints + labels)))})"
            )
    yield violation(holder, message, f"{spec_path(holder)}.nodeName")
