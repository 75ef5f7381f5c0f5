"""The audit as text: findings grouped by object, most severe first, coloured on a terminal,
each finding wrapped to fit a terminal (120 columns by default) under its check id."""

from __future__ import annotations

import textwrap
from itertools import groupby

from vigil.audit.model import AuditReport, Finding, Severity

_COLOURS = {
    Severity.CRITICAL: "\x1b[1;35m",
    Severity.HIGH: "\x1b[1;31m",
    Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
    Severity.INFO: "\x1b[2m",
}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
WIDTH = 120
_FINDING_INDENT = " " * 11
"""Continuation lines of a finding start under its check id."""


def _tag(severity: Severity, colour: bool) -> str:
    text = f"{severity.label.upper():<8}"
    return f"{_COLOURS[severity]}{text}{_RESET}" if colour else text


def _object_key(f: Finding) -> tuple[str, int, str]:
    return (f.ref.source, f.ref.line, f.ref.display)


def summary(report: AuditReport) -> str:
    """``3 findings (1 high, 2 medium), 1 suppressed, 42 objects audited``."""
    active = report.active
    counts = [
        f"{n} {s.label}"
        for s in sorted(Severity, reverse=True)
        if (n := sum(1 for f in active if f.severity is s))
    ]
    text = f"{len(active)} finding{'s' if len(active) != 1 else ''}"
    if counts:
        text += f" ({', '.join(counts)})"
    objects = "object" if report.objects == 1 else "objects"
    text += f", {len(report.suppressed)} suppressed, {report.objects} {objects} audited"
    if report.skipped:
        text += f" (not audited: {', '.join(report.skipped)})"
    return text


def _wrapped(text: str, width: int, indent: str) -> list[str]:
    if width <= 0 or len(text) <= width:
        return [text]
    return textwrap.wrap(text, width=width, subsequent_indent=indent, break_on_hyphens=False) or [
        text
    ]


def _finding_lines(f: Finding, colour: bool, width: int) -> list[str]:
    """One finding, wrapped on its plain text; colour is added to the tag (and to the
    suppression note when it ends on the last line)."""
    line = f"  {_tag(f.severity, False)} {f.check.id} {f.check.name}: {f.message}"
    if f.note:
        line += f" ({f.note})"
    note = f" [suppressed, {f.suppressed_by}]" if f.suppressed_by else ""
    lines = _wrapped(line + note, width, _FINDING_INDENT)
    if not colour:
        return lines
    plain_tag = f"  {_tag(f.severity, False)}"
    lines[0] = f"  {_tag(f.severity, True)}" + lines[0][len(plain_tag) :]
    if note and lines[-1].endswith(note):
        lines[-1] = f"{lines[-1][: -len(note)]}{_DIM}{note}{_RESET}"
    return lines


def render_text(
    report: AuditReport,
    *,
    colour: bool = False,
    show_suppressed: bool = False,
    width: int = WIDTH,
) -> str:
    """Every active finding (and, if asked, suppressed ones) under its object, then a summary;
    findings and the summary wrap at ``width`` columns (0: never)."""
    shown = [f for f in report.findings if show_suppressed or not f.suppressed_by]
    shown.sort(key=_object_key)
    lines: list[str] = []
    for (_, _, display), group in groupby(shown, key=_object_key):
        items = sorted(group, key=lambda f: (-f.severity, f.check.id))
        where = items[0].ref.location
        head = f"{display}" + (f"  {where}" if where else "")
        lines.append(f"{_BOLD}{head}{_RESET}" if colour else head)
        for f in items:
            lines.extend(_finding_lines(f, colour, width))
        lines.append("")
    lines.extend(_wrapped(summary(report), width, "  "))
    return "\n".join(lines)
