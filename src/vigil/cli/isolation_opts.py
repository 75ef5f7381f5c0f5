"""``vigil schedule --isolation POLICY.yaml [--alerts FILE]``: the Isolation plugin in the run.

Kept apart from ``schedule_cmd`` so that enabling isolation is one decorator and one call there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from vigil.cli.inputs import InputError
from vigil.cli.posture_input import load_alert_counts, load_policy
from vigil.cluster import Cluster
from vigil.posture.context import risk_context
from vigil.scheduling import Profile
from vigil.scheduling.plugins.isolation import isolation_registry, with_isolation
from vigil.scheduling.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])


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
            raise InputError("--alerts needs --isolation POLICY.yaml")
        return list(profiles), registry
    policy = load_policy(policy_path)
    context = risk_context(cluster, policy, load_alert_counts(alerts_path))
    return [with_isolation(p, context) for p in profiles], isolation_registry(registry)
