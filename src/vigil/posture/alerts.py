"""Live behaviour: the gate's alerts per pod, read from JSON lines.

The gate writes one JSON object per decision with alerts (``alerts: [{..., "severity": ...}]``).
A gate running as a sidecar binds the pod it protects to its log lines (`alert_pod`, shared with
the remediation planner's reader); lines without a pod cannot be attributed and are counted
apart. Reading is pure: the caller passes the text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

SEVERITIES = ("low", "medium", "high", "critical")
MAX_ALERT_LINES = 1_000_000
"""Lines beyond this bound are not read (the file is a log, possibly huge)."""


class AlertsError(ValueError):
    """An alerts file that cannot be read; ``str()`` names the line."""


@dataclass(slots=True)
class AlertCounts:
    """Alerts per pod key (``namespace/name``) and severity, plus what could not be used."""

    by_pod: dict[str, Counter[str]] = field(default_factory=dict)
    unattributed: int = 0
    truncated: bool = False

    def of(self, pod_key: str) -> Counter[str]:
        """The counts of one pod (empty when it raised none)."""
        return self.by_pod.get(pod_key, Counter())


def alert_pod(line: Mapping[str, Any]) -> str | None:
    """The pod (``namespace/name``) a gate log line is about, as the log pipeline names it:
    ``"pod": "ns/name"``, ``"pod"`` with ``"namespace"`` (``default`` when absent), or Fluent
    Bit's ``"kubernetes": {"namespace_name", "pod_name"}``; None when the line names none."""
    pod = line.get("pod")
    if isinstance(pod, str) and pod:
        if "/" in pod:
            return pod
        namespace = line.get("namespace")
        return f"{namespace if isinstance(namespace, str) and namespace else 'default'}/{pod}"
    k8s = line.get("kubernetes")
    if isinstance(k8s, Mapping):
        name, namespace = k8s.get("pod_name"), k8s.get("namespace_name")
        if isinstance(name, str) and name and isinstance(namespace, str) and namespace:
            return f"{namespace}/{name}"
    return None


def parse_alerts(text: str, source: str = "<alerts>") -> AlertCounts:
    """Count alerts per pod and severity; a line that is not a JSON object is an error."""
    counts = AlertCounts()
    for number, line in enumerate(text.splitlines(), start=1):
        if number > MAX_ALERT_LINES:
            counts.truncated = True
            break
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise AlertsError(f"{source}: line {number}: not a JSON object") from None
        if not isinstance(obj, dict):
            raise AlertsError(f"{source}: line {number}: not a JSON object")
        alerts = obj.get("alerts")
        if not isinstance(alerts, list) or not alerts:
            continue
        key = alert_pod(obj)
        if key is None:
            counts.unattributed += 1
            continue
        bucket = counts.by_pod.setdefault(key, Counter())
        for alert in alerts:
            severity = alert.get("severity") if isinstance(alert, dict) else None
            if severity in SEVERITIES:
                bucket[severity] += 1
    return counts
