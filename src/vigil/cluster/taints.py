"""Toleration-versus-taint matching (``v1.Toleration.ToleratesTaint`` and helpers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from vigil.cluster.node import NO_EXECUTE, NO_SCHEDULE, Taint
from vigil.cluster.pod import Toleration


def tolerates(toleration: Toleration, taint: Taint) -> bool:
    """Whether one toleration tolerates one taint.

    Empty effect and empty key are wildcards; an empty operator means ``Equal`` (exact value,
    so an empty value matches only an empty value); ``Exists`` matches any value. The alpha
    ``Lt``/``Gt`` operators are treated as disabled (feature gate off), so they never match.
    """
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    if toleration.operator in ("", "Equal"):
        return toleration.value == taint.value
    return toleration.operator == "Exists"


def tolerations_tolerate(tolerations: Iterable[Toleration], taint: Taint) -> bool:
    """Whether any toleration tolerates the taint (``TolerationsTolerateTaint``)."""
    return any(tolerates(t, taint) for t in tolerations)


def is_do_not_schedule(taint: Taint) -> bool:
    """``DoNotScheduleTaintsFilterFunc``: NoSchedule and NoExecute taints block scheduling."""
    return taint.effect in (NO_SCHEDULE, NO_EXECUTE)


def find_untolerated_taint(
    taints: Iterable[Taint],
    tolerations: tuple[Toleration, ...],
    include: Callable[[Taint], bool] = is_do_not_schedule,
) -> Taint | None:
    """The first taint (in node order) passing ``include`` that no toleration tolerates."""
    for taint in taints:
        if include(taint) and not tolerations_tolerate(tolerations, taint):
            return taint
    return None
