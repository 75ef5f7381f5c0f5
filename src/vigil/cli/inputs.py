"""Reading the small files commands take besides their manifests (policies, suppressions, alert
logs, scheduler configurations, AdmissionReviews), each bounded, or ``-`` for standard input.

Every problem is one `InputError` line naming the file, with exit code 2. Files are read up to
one byte past their bound, so a pipe or a device (which has no size to check first) cannot
exhaust memory.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

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
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(f"{path}: larger than {limit} bytes")
    return data


def read_text(path: Path | str, limit: int = MAX_INPUT_BYTES) -> str:
    """A file's UTF-8 text (``-``: standard input), or an `InputError` naming it."""
    try:
        return read_bytes(path, limit).decode("utf-8")
    except UnicodeDecodeError:
        if str(path) == STDIN:
            raise InputError("-: standard input is not UTF-8 text") from None
        raise InputError(f"{path}: not UTF-8 text") from None
