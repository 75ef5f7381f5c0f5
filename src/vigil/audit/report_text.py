"""The audit as text: findings grouped by object, most severe first, coloured on a terminal."""

from __future__ import annotations

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
    text += f", {len(report.suppressed)} suppressed, {report.objects} objects audited"
    if report.skipped:
        text += f" (not audited: {', '.join(report.skipped)})"
    return text


def render_text(report: AuditReport, *, colour: bool = False, show_suppressed: bool = False) -> str:
    """Every active finding (and, if asked, suppressed ones) under its object, then a summary."""
    shown = [f for f in report.findings if show_suppressed or not f.suppressed_by]
    shown.sort(key=_object_key)
    lines: list[str] = []
    for (_, _, display), group in groupby(shown, key=_object_key):
        items = sorted(group, key=lambda f: (-f.severity, f.check.id))
        where = items[0].ref.location
        head = f"{display}" + (f"  {where}" if where else "")
        lines.append(f"{_BOLD}{head}{_RESET}" if colour else head)
        for f in items:
            line = f"  {_tag(f.severity, colour)} {f.check.id} {f.check.name}: {f.message}"
            if f.note:
                line += f" ({f.note})"
            if f.suppressed_by:
                note = f" [suppressed, {f.suppressed_by}]"
                line += f"{_DIM}{note}{_RESET}" if colour else note
            lines.append(line)
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines)
