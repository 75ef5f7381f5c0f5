"""Reading the cluster for a command: manifests, exports or ``-``, with progress and notes.

Every cluster command loads its FILE arguments the same way, through the cluster ground's one
bounded reader: one ``Error:`` line and exit code 2 for unusable input, progress on standard
error when a load takes more than a second, and the objects left out (kinds vigil does not
read, files that are not manifests) noted on standard error, so standard output stays the
command's result. The options and lookups these commands share live here too; the posture
commands read the same inputs into an audit inventory (`vigil.cli.posture_input`).
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from vigil.cli.inputs import InputError
from vigil.cli.text import wrap
from vigil.cluster import Cluster, LoadProgress, ManifestError, Node, Pod, load_manifests
from vigil.cluster.documents import DEFAULT_BOUNDS

__all__ = [
    "InputError",
    "ProgressLine",
    "cluster_files",
    "load_cluster",
    "output_option",
    "paused_gc",
    "require_node",
    "require_pod",
    "seed_option",
]

F = TypeVar("F", bound=Callable[..., Any])

MAX_NOTES = 10
NAMES_LIMIT = 200
"""Characters of the FILE arguments quoted in an error."""
PROGRESS_AFTER = 1.0
"""Seconds of loading before progress is shown, and between two progress lines."""
LARGE_INPUT = 50 * 1024 * 1024
"""An input this large is announced before it is parsed (parsing shows no progress)."""


class ProgressLine:
    """Shows load progress on standard error once a load is long (more than a second)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.last_shown = self.started
        self.shown = False

    def __call__(self, p: LoadProgress) -> None:
        now = self.clock()
        if p.phase == "parsing" and p.source_bytes >= LARGE_INPUT:
            self.shown = True
            click.echo(f"loading: parsing {p.source} ({p.source_bytes // 2**20} MiB)", err=True)
            return
        if now - self.last_shown < PROGRESS_AFTER:
            return
        self.last_shown = now
        self.shown = True
        done = f"{100 * p.bytes_done // p.bytes_total}% of input, " if p.bytes_total else ""
        where = f" ({p.source})" if p.source else ""
        click.echo(
            f"loading: {p.phase}{where}: {done}{p.objects:,} objects, {now - self.started:.0f}s",
            err=True,
        )


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off while a load builds millions of objects that all stay
    alive (it would scan them again and again), then on, with them frozen out of its scans."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.freeze()


def echo_note(text: str) -> None:
    """``note: TEXT`` on standard error, wrapped to the terminal width like the results."""
    for line in wrap(f"note: {text}", indent="      "):
        click.echo(line, err=True)


def read_stdin_bound() -> bytes:
    """Standard input, read up to one byte past the input bound (the loader refuses more)."""
    return sys.stdin.buffer.read(DEFAULT_BOUNDS.max_bytes + 1)


def empty_input(files: Sequence[str]) -> InputError:
    """The error for FILE arguments that hold no object at all (an empty file, a ``helm
    template`` that failed before ``| vigil ... -``): never read as a clean result."""
    shown = ", ".join(files)
    if len(shown) > NAMES_LIMIT:
        shown = f"{shown[:NAMES_LIMIT]}... ({len(files)} inputs)"
    return InputError(f"{shown}: no Kubernetes objects in the input")


def cannot_read(exc: BaseException) -> InputError:
    """The error for an input the operating system or memory could not hold."""
    if isinstance(exc, MemoryError):
        return InputError("cannot read manifests: out of memory")
    return InputError(f"cannot read manifests: {exc}")


def load_cluster(files: Sequence[str], *, quiet: bool = False) -> Cluster:
    """Load FILE arguments (files, directories, ``-``); raises `InputError`, also when they
    hold no object at all."""
    progress = None if quiet else ProgressLine()
    try:
        with paused_gc():
            cluster = load_manifests(files, stdin=read_stdin_bound, progress=progress)
    except ManifestError as exc:
        raise InputError(str(exc)) from None
    except (OSError, MemoryError) as exc:
        raise cannot_read(exc) from None
    if files and len(cluster) == 0 and not cluster.skipped:
        raise empty_input(files)
    if not quiet and cluster.skipped:
        for note in cluster.skipped[:MAX_NOTES]:
            echo_note(note)
        if len(cluster.skipped) > MAX_NOTES:
            echo_note(f"... and {len(cluster.skipped) - MAX_NOTES} more")
    return cluster


def require_node(cluster: Cluster, name: str) -> Node:
    """The node of that name, or the `InputError` ``no node NAME in the input``."""
    node = cluster.node(name)
    if node is None:
        raise InputError(f"no node {name} in the input")
    return node


def require_pod(cluster: Cluster, key: str) -> Pod:
    """The pod ``ns/name``, or the `InputError` ``no pod KEY in the input``."""
    pod = cluster.pod(key)
    if pod is None:
        raise InputError(f"no pod {key} in the input")
    return pod


def cluster_files(func: F) -> F:
    """The ``FILES...`` argument of the cluster commands (manifests, exports, directories, -)."""
    return click.argument("files", nargs=-1, required=True)(func)


def output_option(help_text: str, choices: Sequence[str] = ("text", "json")) -> Callable[[F], F]:
    """``--output/-o`` (default ``text``)."""
    return click.option(
        "--output",
        "-o",
        type=click.Choice(list(choices)),
        default="text",
        show_default=True,
        help=help_text,
    )


def seed_option(help_text: str) -> Callable[[F], F]:
    """``--seed`` (default 0) for the scheduler's random choices."""
    return click.option("--seed", type=int, default=0, show_default=True, help=help_text)
