"""Builders for disruption tests: running pods of a ReplicaSet, PDBs with or without status."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from tests.scheduling.builders import make_node, make_pod, sel
from vigil.cluster import (
    LabelSelector,
    Node,
    ObjectMeta,
    OwnerReference,
    Pod,
    PodCondition,
    PodDisruptionBudget,
    PodDisruptionBudgetStatus,
    PodStatus,
    Workload,
)
from vigil.cluster.disruption_budget import BudgetReason, BudgetStatus

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def running(
    name: str,
    *,
    node: str = "n1",
    ready: bool = True,
    app: str = "web",
    namespace: str = "shop",
    owner: tuple[str, str] | None = ("ReplicaSet", "web-1"),
    phase: str = "Running",
    cpu: str = "100m",
) -> Pod:
    """A bound pod with a Ready (or not Ready) condition."""
    b = make_pod(name, namespace).labels(app=app).node(node).req(cpu=cpu)
    if owner is not None:
        b = b.owner(*owner)
    pod = b.obj()
    cond = PodCondition("Ready", "True" if ready else "False")
    return replace(pod, status=PodStatus(phase, (cond,)))


def replica_set(name: str = "web-1", replicas: int = 3, namespace: str = "shop") -> Workload:
    """A ReplicaSet (no Deployment) of ``replicas``."""
    return Workload("ReplicaSet", ObjectMeta(name, namespace), replicas)


def pdb(
    name: str = "web",
    *,
    min_available: int | str | None = None,
    max_unavailable: int | str | None = None,
    selector: LabelSelector | None = None,
    policy: str | None = None,
    namespace: str = "shop",
    generation: int = 0,
    status: PodDisruptionBudgetStatus | None = None,
) -> PodDisruptionBudget:
    """A PDB selecting ``app=web`` unless told otherwise."""
    return PodDisruptionBudget(
        ObjectMeta(name, namespace, generation=generation),
        sel(app="web") if selector is None else selector,
        min_available,
        max_unavailable,
        policy,
        status,
    )


def budget(
    pdb_: PodDisruptionBudget,
    *,
    allowed: int,
    healthy: int,
    desired: int,
    expected: int = 3,
    observed: int = 0,
    disrupted: int = 0,
) -> BudgetStatus:
    """A status as the Eviction API reads it."""
    return BudgetStatus(
        pdb_,
        expected,
        healthy,
        desired,
        allowed,
        BudgetReason.SUFFICIENT_PODS if allowed > 0 else BudgetReason.INSUFFICIENT_PODS,
        "",
        disrupted_pods={f"x{i}": T0 for i in range(disrupted)},
        observed_generation=observed,
    )


def node(name: str = "n1", cpu: str = "4") -> Node:
    """A node with room."""
    return make_node(name).capacity(cpu=cpu, memory="8Gi").obj()


def owned(pod: Pod, kind: str, name: str) -> Pod:
    """The pod with a controller reference."""
    ref = OwnerReference("apps/v1", kind, name, controller=True)
    return replace(pod, metadata=replace(pod.metadata, owner_references=(ref,)))
