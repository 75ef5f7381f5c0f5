"""Reading the small files commands take besides their manifests: policies, suppressions,
alert logs, scheduler configurations, AdmissionReviews, each bounded, or ``-`` for standard input.

Every problem is one `InputError` line naming the file, with exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from vigil.posture import AlertCounts, AlertsError, PolicyError, PosturePolicy, parse_alerts
from vigil.posture.load import MAX_POLICY_BYTES, parse_policy, parse_suppressions
from vigil.posture.policy import Suppression

F = TypeVar("F", bound=Callable[..., Any])

MAX_INPUT_BYTES = 256 << 20
"""Default bound of one file, or of standard input: 256 MiB."""
STDIN = "-"


class InputError(click.ClickException):
    """Unusable input: one line on standard error, exit code 2."""

    exit_code = 2


def read_stdin(limit: int = MAX_INPUT_BYTES) -> bytes:
    """Standard input, bounded."""
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"-: standard input larger than {limit} bytes")
    return data


def read_bytes(path: Path | str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """A file's bytes (``-``: standard input), or an `InputError` naming it."""
    if str(path) == STDIN:
        return read_stdin(limit)
    path = Path(path)
    try:
        if path.stat().st_size > limit:
            raise InputError(f"{path}: larger than {limit} bytes")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_text(path: Path | str, limit: int = MAX_INPUT_BYTES) -> str:
    """A file's UTF-8 text (``-``: standard input), or an `InputError` naming it."""
    try:
        return read_bytes(path, limit).decode("utf-8")
    except UnicodeDecodeError:
        if str(path) == STDIN:
            raise InputError("-: standard input is not UTF-8 text") from None
        raise InputError(f"{path}: not UTF-8 text") from None


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
