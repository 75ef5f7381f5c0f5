"""What the demo prints: progress while it learns, and the table of what the gates did.

Each control and attack becomes an :class:`Outcome` (what the gate answered, what the service
alone answered, and the alert's reason read from the gate's log by the request id of the
problem+json answer); :func:`render_table` lays them out, one row per request, and marks every
row that is not as expected (an attack that passed, a control that was refused).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import click

from vigil.demo.sample_service import USERNAMES
from vigil.demo.traffic import DemoRequest

SEVERITY_ORDER = {"critical": 4, "high": 3, "medium": 2, "low": 1}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one control or attack."""

    request: DemoRequest
    status: int
    blocked: bool
    request_id: str | None
    reason: str
    direct: str
    """What the service answered when asked directly, without the gate."""
    direct_body: bytes = b""
    gate: str = ""
    """Which gate the request went through."""

    @property
    def verdict(self) -> str:
        """``BLOCKED 403`` or ``ALLOWED 200``."""
        return f"{'BLOCKED' if self.blocked else 'ALLOWED'} {self.status}"

    @property
    def as_expected(self) -> bool:
        """Attacks must be blocked; controls must pass the gate and succeed (2xx)."""
        if self.request.kind == "attack":
            return self.blocked
        return not self.blocked and 200 <= self.status < 300


@contextlib.contextmanager
def progress(total: int, label: str, stream: TextIO) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal, else a line every tenth of the way."""
    if stream.isatty():
        with click.progressbar(length=total, label=label, file=stream, show_pos=True) as bar:
            yield bar.update
        return
    step = max(1, total // 10)
    state = {"done": 0, "mark": step}

    def update(count: int) -> None:
        state["done"] += count
        if state["done"] >= state["mark"] or state["done"] >= total:
            print(f"  {label}: {state['done']}/{total} requests", file=stream, flush=True)
            state["mark"] = state["done"] + step

    yield update


def format_alert(alert: dict[str, Any]) -> str:
    """``name field: expected ..., seen ...`` from an alert of the gate's log."""
    return (
        f"{alert.get('name', alert.get('code', '?'))} {alert.get('field', '?')}: "
        f"expected {alert.get('expected', '?')}, seen {alert.get('seen', '?')}"
    )


def reason_of(alerts: list[dict[str, Any]]) -> str:
    """The most severe alert, plus how many others there were."""
    if not alerts:
        return ""
    worst = max(alerts, key=lambda a: SEVERITY_ORDER.get(str(a.get("severity")), 0))
    text = f"[{worst.get('severity', '?')}] {format_alert(worst)}"
    if len(alerts) > 1:
        text += f" (+{len(alerts) - 1} more)"
    return text


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 3] + "..."


def injection_note(outcome: Outcome) -> str:
    """What the SQL injection gets from the service alone, against what the gate answered."""
    emails: list[str] = []
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        emails = [str(u["email"]) for u in json.loads(outcome.direct_body)["users"]]
    leaked = (
        f"returns {len(emails)} of the {len(USERNAMES)} users with their e-mail addresses "
        f"({', '.join(emails[:3])}, ...)"
        if emails
        else f"answers {outcome.direct}"
    )
    return (
        f"Without the gate, {outcome.request.label} {leaked}: the service builds its SQL by "
        f"string concatenation.\nThrough the gate the same request is {outcome.verdict} "
        f"(problem+json, request_id {outcome.request_id})."
    )


def render_table(outcomes: list[Outcome]) -> str:
    """The result table, one row per control and attack."""
    headers = ("", "request", "through the gate", "service alone", "alert reason (gate log)")
    rows = [
        (
            "ok" if o.as_expected else "FAIL",
            clip(o.request.label, 46),
            f"{o.verdict} via {o.gate}" if o.gate else o.verdict,
            clip(o.direct, 24),
            clip(o.reason or ("-" if not o.blocked else "(no alert line found)"), 110),
        )
        for o in outcomes
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for kind, title in (("control", "benign controls"), ("attack", "attacks")):
        lines.append(f"{title}:")
        for outcome, row in zip(outcomes, rows, strict=True):
            if outcome.request.kind == kind:
                lines.append(
                    "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                )
    return "\n".join(lines)
