"""Reading the inputs of the posture commands (``vigil audit``, ``vigil admission``, ``vigil
schedule --isolation``): manifests into an audit inventory with each object's ``file:line``,
through the cluster ground's one bounded reader, and the PosturePolicy, suppressions and alert
files, each as one `InputError` line on bad input.

Kept apart from `vigil.cli.cluster_input` so that the cluster commands do not import the
auditor and the policy models they never use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from vigil.audit import Inventory, InventoryError, parse_sources
from vigil.cli.cluster_input import (
    ProgressLine,
    cannot_read,
    empty_input,
    paused_gc,
    read_stdin_bound,
)
from vigil.cli.inputs import InputError, read_text
from vigil.cluster import LoadProgress
from vigil.cluster.sources import STDIN, list_inputs
from vigil.posture import AlertCounts, AlertsError, PolicyError, PosturePolicy, parse_alerts
from vigil.posture.load import MAX_POLICY_BYTES, parse_policy, parse_suppressions
from vigil.posture.policy import Suppression

F = TypeVar("F", bound=Callable[..., Any])


def _read_all(files: Sequence[str], progress: ProgressLine | None) -> Iterator[tuple[str, bytes]]:
    inputs = list(list_inputs(files, read_stdin_bound, stdin_name=STDIN))
    total = sum(i.size for i in inputs)
    done = 0
    for inp in inputs:
        if progress is not None:
            progress(LoadProgress("parsing", inp.name, 0, done, total, inp.size))
        yield inp.name, inp.read()
        done += inp.size


def load_inventory(files: Sequence[str], *, quiet: bool = False) -> Inventory:
    """Load FILE arguments for the posture commands (standard input is named ``-`` in
    findings), with progress on standard error when it takes more than a second; raises
    `InputError`, also when they hold no object at all."""
    try:
        with paused_gc():
            inventory = parse_sources(_read_all(files, None if quiet else ProgressLine()))
    except InventoryError as exc:
        raise InputError(str(exc)) from None
    except (OSError, MemoryError) as exc:
        raise cannot_read(exc) from None
    if files and inventory.read == 0 and not inventory.skipped:
        raise empty_input(files)
    return inventory


def policy_option(func: F) -> F:
    """``--policy POLICY.yaml``: the PosturePolicy (default: the built-in defaults)."""
    return click.option(
        "--policy",
        type=click.Path(path_type=Path, dir_okay=False),
        help="PosturePolicy file (default: built-in defaults).",
    )(func)


def load_policy(path: Path | None) -> PosturePolicy:
    """The PosturePolicy file, or the defaults when none is given."""
    if path is None:
        return PosturePolicy()
    try:
        return parse_policy(read_text(path, MAX_POLICY_BYTES), str(path))
    except PolicyError as exc:
        raise InputError(str(exc)) from None


def load_suppressions(path: Path | None) -> list[Suppression]:
    """A suppressions file, or none."""
    if path is None:
        return []
    try:
        return parse_suppressions(read_text(path, MAX_POLICY_BYTES), str(path))
    except PolicyError as exc:
        raise InputError(str(exc)) from None


def load_alert_counts(path: Path | None) -> AlertCounts | None:
    """The gates' alert log counted per pod and severity, or None when none is given."""
    if path is None:
        return None
    try:
        return parse_alerts(read_text(path), str(path))
    except AlertsError as exc:
        raise InputError(str(exc)) from None
