"""Small additions to the shared builders for preemption tests: start times, policies, PDBs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.scheduling.builders import make_pod
from vigil.cluster import (
    LabelSelector,
    ObjectMeta,
    Pod,
    PodCondition,
    PodDisruptionBudget,
    PodDisruptionBudgetStatus,
)
from vigil.scheduling import Framework, Scheduler, Snapshot
from vigil.scheduling.preemption import preemption_profile, preemption_registry

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def at(minute: int) -> datetime:
    """``T0`` plus some minutes."""
    return T0 + timedelta(minutes=minute)


def started(pod: Pod, minute: int) -> Pod:
    """The pod with ``status.startTime`` at ``T0 + minute``."""
    return replace(pod, status=replace(pod.status, start_time=at(minute)))


def created(pod: Pod, minute: int) -> Pod:
    """The pod with ``metadata.creationTimestamp`` at ``T0 + minute``."""
    return replace(pod, metadata=replace(pod.metadata, creation_timestamp=at(minute)))


def policy(pod: Pod, preemption_policy: str) -> Pod:
    """The pod with ``spec.preemptionPolicy``."""
    return replace(pod, spec=replace(pod.spec, preemption_policy=preemption_policy))


def conditions(pod: Pod, *conds: PodCondition) -> Pod:
    """The pod with these status conditions."""
    return replace(pod, status=replace(pod.status, conditions=conds))


def victim(
    name: str,
    priority: int,
    node: str = "n1",
    *,
    cpu: str = "1",
    start: int = 0,
    **labels: str,
) -> Pod:
    """A bound pod asking for ``cpu``, started at ``T0 + start`` minutes."""
    return started(
        make_pod(name).labels(**labels).req(cpu=cpu).priority(priority).node(node).obj(), start
    )


def preemptor(name: str = "p", priority: int = 100, *, cpu: str = "1") -> Pod:
    """A pending pod asking for ``cpu``."""
    return make_pod(name).req(cpu=cpu).priority(priority).obj()


def pdb(
    name: str,
    allowed: int | None = None,
    *,
    namespace: str = "default",
    selector: LabelSelector | None = None,
    min_available: int | str | None = None,
    max_unavailable: int | str | None = None,
    disrupted: Sequence[str] = (),
) -> PodDisruptionBudget:
    """A PDB; ``allowed`` sets ``status.disruptionsAllowed`` (None: no status)."""
    status = None
    if allowed is not None or disrupted:
        status = PodDisruptionBudgetStatus(
            disruptions_allowed=allowed or 0, disrupted_pods=dict.fromkeys(disrupted, at(0))
        )
    return PodDisruptionBudget(
        ObjectMeta(name, namespace),
        selector,
        min_available,
        max_unavailable,
        None,
        status,
    )


def preempting_scheduler(snap: Snapshot, *, seed: int = 0, **args: int) -> Scheduler:
    """A scheduler with the default profile plus DefaultPreemption (with these args)."""
    profile = preemption_profile(seed=seed)
    if args:
        profile = replace(profile, plugin_args={"DefaultPreemption": {"seed": seed, **args}})
    return Scheduler(snap, [profile], preemption_registry(), seed=seed)


def preempting_framework(snap: Snapshot) -> Framework:
    """The framework of `preempting_scheduler`."""
    return preempting_scheduler(snap).frameworks["default-scheduler"]
