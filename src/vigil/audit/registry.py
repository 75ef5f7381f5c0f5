"""The check registry: each check module registers its functions with their `Check` metadata.

Two shapes: a *pod rule* judges one pod or pod template (``(holder, context) -> violations``)
and can run at admission on a single object; a *cluster rule* judges the whole inventory. The
catalogue, the SARIF rules and the admission denials all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from vigil.audit.context import AuditContext
from vigil.audit.inventory import Entry, PodHolder
from vigil.audit.model import Check, Violation

PodRule = Callable[[PodHolder, AuditContext], Iterable[Violation]]
ClusterRule = Callable[[AuditContext], Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class Registered:
    """A check and the function that runs it (exactly one of the two)."""

    check: Check
    pod_rule: PodRule | None = None
    cluster_rule: ClusterRule | None = None


REGISTRY: dict[str, Registered] = {}


def _add(entry: Registered) -> None:
    if entry.check.id in REGISTRY:
        raise ValueError(f"check {entry.check.id} is registered twice")
    REGISTRY[entry.check.id] = entry


def pod_check(check: Check) -> Callable[[PodRule], PodRule]:
    """Register a pod rule."""

    def register(func: PodRule) -> PodRule:
        _add(Registered(check, pod_rule=func))
        return func

    return register


def cluster_check(check: Check) -> Callable[[ClusterRule], ClusterRule]:
    """Register a cluster rule."""

    def register(func: ClusterRule) -> ClusterRule:
        _add(Registered(check, cluster_rule=func))
        return func

    return register


def all_checks() -> list[Registered]:
    """Every registered check, by id (the check modules are imported first)."""
    import vigil.audit.checks  # noqa: F401, PLC0415

    return [REGISTRY[k] for k in sorted(REGISTRY)]


def entry_violation(entry: Entry[Any], message: str, path: str = "") -> Violation:
    """A violation about a non-pod object, carrying its annotations for suppressions."""
    return Violation(entry.ref, message, path, tuple(entry.obj.metadata.annotations.items()))


def violation(holder: PodHolder, message: str, path: str = "") -> Violation:
    """A violation about a pod holder, carrying its annotations for suppressions."""
    return Violation(holder.ref, message, path, holder.annotations)
