"""Alerts per pod, read from the JSON lines the gate logs, for the remediation planner.

A gate logs one ``alert`` line per judged exchange that raised alerts (`vigil.gate.logging`):
``{"event": "alert", "timestamp": "...", "verdict": "block", "score": 9, "alerts": [{"code":
"V101", "severity": "high", ...}], ...}``. The gate runs beside one pod, so the pod is named by
what the log pipeline adds: ``"pod": "ns/name"``, ``"pod"`` with ``"namespace"``, or Fluent
Bit's ``"kubernetes": {"namespace_name": ..., "pod_name": ...}``. An alert line's severity is its
most severe alert (or a top-level ``"severity"``).

Reading is bounded and strict where it matters: lines longer than `MAX_LINE` characters are
refused, lines that are not JSON or not ``alert`` events are counted and skipped (a log stream
mixes loggers), and an alert line without a pod, a timestamp or a known severity is an error
naming its line number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

import orjson

from vigil.cluster.errors import quote
from vigil.posture.alerts import alert_pod

MAX_LINE = 1024 * 1024
"""Characters of one log line."""


class Severity(IntEnum):
    """Alert severities and their weights, as the gate scores them."""

    LOW = 1
    MEDIUM = 3
    HIGH = 6
    CRITICAL = 10


class AlertLineError(ValueError):
    """An alert line that cannot be used: ``line N: field: problem``."""


@dataclass(frozen=True, slots=True)
class PodAlert:
    """One alert line, attributed to a pod."""

    pod: str
    time: datetime
    severity: Severity
    codes: tuple[str, ...] = ()


@dataclass(slots=True)
class AlertFeed:
    """The alerts read, and what was skipped."""

    alerts: list[PodAlert] = field(default_factory=list)
    not_json: int = 0
    other_events: int = 0


def _severity(value: Any, where: str) -> Severity:
    if isinstance(value, str) and value.upper() in Severity.__members__:
        return Severity[value.upper()]
    raise AlertLineError(f"{where}: unknown severity {quote(value)}")


def _time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise AlertLineError(f"{where}: expected a timestamp, got {quote(value)}")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AlertLineError(f"{where}: invalid timestamp {quote(value)}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_line(number: int, text: str) -> PodAlert | bool | None:
    """One line: a `PodAlert`, None for another event, False for a line that is not JSON."""
    if len(text) > MAX_LINE:
        raise AlertLineError(f"line {number}: longer than {MAX_LINE} characters")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(data, Mapping) or data.get("event") != "alert":
        return None
    pod = alert_pod(data)
    if pod is None:
        raise AlertLineError(
            f'line {number}: pod: missing (expected "pod": "ns/name", or Fluent Bit\'s '
            '"kubernetes.pod_name" and "kubernetes.namespace_name")'
        )
    when = _time(data.get("timestamp"), f"line {number}: timestamp")
    alerts = data.get("alerts")
    codes: list[str] = []
    if isinstance(alerts, list) and alerts:
        severities = []
        for i, alert in enumerate(alerts):
            if not isinstance(alert, Mapping):
                raise AlertLineError(f"line {number}: alerts[{i}]: expected an object")
            severities.append(_severity(alert.get("severity"), f"line {number}: alerts[{i}]"))
            code = alert.get("code")
            if isinstance(code, str):
                codes.append(code[:16])
        severity = max(severities)
    else:
        severity = _severity(data.get("severity"), f"line {number}: severity")
    return PodAlert(pod, when, severity, tuple(codes))


def read_alerts(lines: Iterable[str]) -> AlertFeed:
    """Every alert of a stream of log lines (blank lines ignored)."""
    feed = AlertFeed()
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        found = parse_line(number, text)
        if found is False:
            feed.not_json += 1
        elif found is None or found is True:
            feed.other_events += 1
        else:
            feed.alerts.append(found)
    return feed
