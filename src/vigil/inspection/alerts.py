"""Alerts: what a detector found irregular, said so a person can act on it.

An alert is a typed value, never a bare boolean or a nested string: it names the route, the
feature path (``query.username``), what was expected, what was seen (redacted and truncated, so
attacker-controlled bytes never reach a log verbatim), a severity, a stable code and the detector
that raised it. Every detector, learned or written by an operator, speaks in these alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

SEEN_LIMIT = 48
"""Longest excerpt of an observed value that an alert carries."""


class Severity(IntEnum):
    """How strongly an alert suggests an attack; the value is its weight in the verdict score."""

    LOW = 1
    MEDIUM = 3
    HIGH = 6
    CRITICAL = 10

    @property
    def label(self) -> str:
        """Lower-case name, as written in logs and policies."""
        return self.name.lower()


CODES: dict[str, str] = {
    "V100": "unknown-route",
    "V101": "unexpected-special-character",
    "V102": "unexpected-sequence",
    "V103": "unexpected-character-class",
    "V104": "length-out-of-range",
    "V105": "unexpected-shape",
    "V106": "value-not-in-enum",
    "V107": "encoding-anomaly",
    "V108": "entropy-out-of-range",
    "V109": "dangerous-structure",
    "V110": "unknown-field",
    "V111": "missing-field",
    "V112": "repeated-field",
    "V113": "unknown-method",
    "V114": "too-many-unknown-fields",
    "V120": "body-over-bound",
    "V121": "body-unparseable",
    "V122": "structure-over-bound",
    "V123": "unexpected-content-type",
    "V124": "array-length-out-of-range",
    "V125": "unexpected-type",
    "V126": "body-undecodable",
    "V130": "unexpected-status",
    "V131": "response-size-out-of-range",
    "V132": "latency-out-of-range",
    "V133": "response-leak",
    "V200": "signature-match",
    "V201": "sql-injection",
    "V202": "cross-site-scripting",
    "V203": "path-traversal",
    "V204": "command-injection",
    "V205": "server-side-request-forgery",
    "V206": "template-injection",
    "V207": "jndi-injection",
    "V208": "nosql-injection",
    "V209": "header-injection",
    "V210": "java-injection",
    "V211": "php-injection",
    "V212": "script-upload",
    "V213": "remote-file-inclusion",
    "V214": "session-fixation",
    "V215": "protocol-injection",
    "V216": "ldap-injection",
    "V218": "nodejs-injection",
    "V220": "virtual-patch-violated",
}
"""Stable alert codes and their names; codes never change meaning once released."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One irregularity found in a request or response."""

    code: str
    route: str
    field: str
    expected: str
    seen: str
    severity: Severity
    detector: str = "model"
    """Name of the detector that raised the alert (``model`` is the learned behaviour model)."""
    reference: str = ""
    """Where the rule comes from (a CVE id, an advisory URL), empty for learned criteria."""
    enforced: bool = False
    """An operator rule whose action is ``block``: it blocks on its own, whatever the score."""

    @property
    def name(self) -> str:
        """The code's stable name, e.g. ``unexpected-special-character``."""
        return CODES.get(self.code, "unknown")

    @property
    def reason(self) -> str:
        """One human line: ``query.username: expected ..., seen ...``."""
        return f"{self.field}: expected {self.expected}, seen {self.seen}"

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready view for logs and the learner's wire format."""
        view = {
            "code": self.code,
            "name": self.name,
            "route": self.route,
            "field": self.field,
            "expected": self.expected,
            "seen": self.seen,
            "severity": self.severity.label,
            "detector": self.detector,
        }
        if self.reference:
            view["reference"] = self.reference
        if self.enforced:
            view["action"] = "block"
        return view


def redact(value: str, limit: int = SEEN_LIMIT) -> str:
    """A printable, bounded excerpt of an observed value, safe to log.

    Control and non-printable characters are escaped, and long values are cut with their length
    noted, so an alert never carries more than ``limit`` characters of attacker input.
    """
    cut = value[:limit]
    safe = cut.encode("unicode_escape").decode("ascii") if not cut.isprintable() else cut
    if len(safe) > limit:
        safe = safe[:limit]
    if len(value) > limit:
        return f"{safe!r}... ({len(value)} chars)"
    return repr(safe)
