"""Reading the cluster for a command: manifests, exports or ``-``, with progress and notes.

Every cluster command loads its FILE arguments the same way: one ``Error:`` line and exit code 2
for unusable input, progress on standard error when a load takes more than a second, and the
objects left out (kinds vigil does not read, files that are not manifests) noted on standard
error, so standard output stays the command's result.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import click

from vigil.cluster import Cluster, LoadProgress, ManifestError, load_manifests
from vigil.cluster.documents import DEFAULT_BOUNDS

MAX_NOTES = 10
PROGRESS_AFTER = 1.0
"""Seconds of loading before progress is shown, and between two progress lines."""
LARGE_INPUT = 50 * 1024 * 1024
"""An input this large is announced before it is parsed (parsing shows no progress)."""


class InputError(click.ClickException):
    """Unusable input: one line on standard error, exit code 2."""

    exit_code = 2


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


def _stdin() -> bytes:
    """Standard input, read up to one byte past the input bound (the loader refuses more)."""
    return sys.stdin.buffer.read(DEFAULT_BOUNDS.max_bytes + 1)


def load_cluster(files: Sequence[str], *, quiet: bool = False) -> Cluster:
    """Load FILE arguments (files, directories, ``-``); raises `InputError`."""
    progress = None if quiet else ProgressLine()
    try:
        with paused_gc():
            cluster = load_manifests(files, stdin=_stdin, progress=progress)
    except ManifestError as exc:
        raise InputError(str(exc)) from None
    except (OSError, MemoryError) as exc:
        raise InputError(f"cannot read manifests: {exc}") from None
    if not quiet and cluster.skipped:
        for note in cluster.skipped[:MAX_NOTES]:
            click.echo(f"note: {note}", err=True)
        if len(cluster.skipped) > MAX_NOTES:
            click.echo(f"note: ... and {len(cluster.skipped) - MAX_NOTES} more", err=True)
    return cluster
