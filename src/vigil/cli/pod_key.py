"""Naming a pod on the command line: ``NS/NAME``, or ``NAME`` in the ``default`` namespace."""

from __future__ import annotations

import click


def pod_key(value: str) -> str:
    """``ns/name``; raises a usage error (exit 2) for anything else."""
    parts = value.split("/")
    if len(parts) == 1 and parts[0]:
        return f"default/{parts[0]}"
    if len(parts) == 2 and all(parts):
        return value
    raise click.BadParameter(f"expected NS/NAME, got {value!r}")
