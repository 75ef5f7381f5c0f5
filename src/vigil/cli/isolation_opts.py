"""``vigil schedule --isolation POLICY.yaml [--alerts FILE]``: the Isolation plugin in the run.

Kept apart from ``schedule_cmd`` so that enabling isolation is one decorator and one call there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from vigil.cluster import Cluster
from vigil.posture import AlertCounts, AlertsError, PolicyError, parse_alerts, parse_policy
from vigil.posture.context import risk_context
from vigil.scheduling import Profile
from vigil.scheduling.plugins.isolation import isolation_registry, with_isolation
from vigil.scheduling.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])

MAX_ALERTS_BYTES = 256 << 20
"""An alerts file is read whole; larger ones are refused (2 = bad input)."""


class IsolationInputError(click.ClickException):
    """An unusable policy or alerts file; exits with code 2 and one line."""

    exit_code = 2


def isolation_options(func: F) -> F:
    """Add ``--isolation`` and ``--alerts`` to a command."""
    func = click.option(
        "--alerts",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Gate alert log (JSON lines with a pod field): alerts raise a pod's risk score.",
    )(func)
    return click.option(
        "--isolation",
        type=click.Path(path_type=Path, dir_okay=False),
        help="PosturePolicy file: add the Isolation plugin (risk tiers kept apart on nodes).",
    )(func)


def _read(path: Path, limit: int) -> str:
    try:
        if path.stat().st_size > limit:
            raise IsolationInputError(f"{path}: larger than {limit} bytes")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IsolationInputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IsolationInputError(f"{path}: cannot read: {exc}") from None


def apply_isolation(
    cluster: Cluster,
    profiles: Sequence[Profile],
    registry: Registry,
    policy_path: Path | None,
    alerts_path: Path | None,
) -> tuple[list[Profile], Registry]:
    """The profiles and registry with Isolation when ``policy_path`` is given, else unchanged."""
    if policy_path is None:
        if alerts_path is not None:
            raise IsolationInputError("--alerts needs --isolation POLICY.yaml")
        return list(profiles), registry
    try:
        policy = parse_policy(_read(policy_path, 1 << 20), str(policy_path))
        alerts: AlertCounts | None = None
        if alerts_path is not None:
            alerts = parse_alerts(_read(alerts_path, MAX_ALERTS_BYTES), str(alerts_path))
    except (PolicyError, AlertsError) as exc:
        raise IsolationInputError(str(exc)) from None
    context = risk_context(cluster, policy, alerts)
    return [with_isolation(p, context) for p in profiles], isolation_registry(registry)
