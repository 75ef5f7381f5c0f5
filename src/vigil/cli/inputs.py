"""Reading the inputs of the posture commands: files, directories (recursively) and ``-``.

Shared by ``vigil audit`` and ``vigil admission``; every problem is a one-line error with exit
code 2, and what is read is bounded.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import click

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
MAX_INPUT_BYTES = 256 << 20
"""One file, or standard input, larger than 256 MiB is refused."""


class InputError(click.ClickException):
    """Unusable input; exits with code 2 and one line."""

    exit_code = 2


def read_text(path: Path, limit: int = MAX_INPUT_BYTES) -> str:
    """A file's text, or an `InputError` naming it."""
    try:
        if path.stat().st_size > limit:
            raise InputError(f"{path}: larger than {limit} bytes")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def read_stdin(limit: int = MAX_INPUT_BYTES) -> str:
    """Standard input, bounded."""
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"-: standard input larger than {limit} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("-: standard input is not UTF-8 text") from None


def manifest_sources(args: Iterable[str]) -> list[tuple[str, str]]:
    """``(name, text)`` of every manifest named: files, directories (their *.yaml, *.yml and
    *.json files, recursively, sorted; names relative to the directory) and ``-``."""
    out: list[tuple[str, str]] = []
    for arg in args:
        if arg == "-":
            out.append(("-", read_stdin()))
            continue
        path = Path(arg)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES
            )
            out.extend((str(p), read_text(p)) for p in files)
        else:
            out.append((str(path), read_text(path)))
    return out
