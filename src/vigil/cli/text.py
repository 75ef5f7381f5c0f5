"""Text output that fits a 120-column terminal: tables whose last column wraps, wrapped lines.

Every cluster command prints through these, so a long FitError message or a long reason wraps
under its column instead of running off the screen; JSON output is never wrapped.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import click

WIDTH = 120
MIN_LAST_COLUMN = 30


def wrap(line: str, width: int = WIDTH, indent: str | None = None) -> list[str]:
    """A line cut at spaces to ``width``; continuation lines keep the leading indentation
    plus two spaces (or ``indent``)."""
    if len(line) <= width:
        return [line]
    lead = line[: len(line) - len(line.lstrip())]
    follow = indent if indent is not None else lead + "  "
    return textwrap.wrap(
        line.strip(),
        width=width,
        initial_indent=lead,
        subsequent_indent=follow,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [line]


def table(rows: Sequence[Sequence[str]], width: int = WIDTH) -> list[str]:
    """Columns padded to their widest cell, two spaces apart; the last column wraps within
    ``width`` (under itself, or on indented lines below when the others leave it too little)."""
    if not rows:
        return []
    ncols = len(rows[0])
    widths = [max(len(r[i]) for r in rows) for i in range(ncols - 1)]
    start = sum(widths) + 2 * (ncols - 1)
    room = width - start
    out: list[str] = []
    for row in rows:
        head = "  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True))
        last = row[-1]
        if room >= MIN_LAST_COLUMN or len(last) <= max(room, 0):
            parts = textwrap.wrap(last, width=max(room, MIN_LAST_COLUMN), break_on_hyphens=False)
            parts = parts or [""]
            out.append(f"{head}  {parts[0]}".rstrip() if ncols > 1 else parts[0])
            out.extend((" " * start + p).rstrip() for p in parts[1:])
        else:
            out.append(head.rstrip())
            out.extend(wrap("    " + last, width))
    return out


def echo_lines(lines: Iterable[str]) -> None:
    """Print lines on standard output."""
    for line in lines:
        click.echo(line)


def echo_json(doc: Any) -> None:
    """Print a JSON document (indented, never wrapped) on standard output."""
    click.echo(json.dumps(doc, indent=2))
