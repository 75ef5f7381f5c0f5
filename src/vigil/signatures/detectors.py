"""The signature layer as detectors of the inspector: attacks, operator rules, response leaks.

Each class here implements :class:`~vigil.inspection.phases.Detector` and turns what the pure
functions of this package find into :class:`~vigil.inspection.alerts.Alert` values with stable
codes (:class:`Code`), the name of what fired (the attack class, the leak class, or the rule's
id), a redacted excerpt of the value and, for rules, the reference and the ``block`` action. The
gate builds them from its configuration and rule file and passes them to the inspector, which
runs them before the learned model; a rule detector's virtual patches claim their fields so the
model leaves them to the rule.
"""

from __future__ import annotations

from enum import StrEnum

from vigil.inspection.alerts import Alert, Severity, redact
from vigil.inspection.phases import Context, Phase
from vigil.signatures.detection import Attack, Detection, Leak
from vigil.signatures.leaks import (
    LEAK_DETECTORS,
    Weight,
    detect_internal_address,
    may_hold_internal_address,
    may_leak,
    weight_of,
)
from vigil.signatures.rules.ruleset import RuleHit, RuleSet
from vigil.signatures.rules.schema import Action, RuleSeverity
from vigil.signatures.scan import ALL, path_fields, scan_fields

_UNSCANNED_HEADERS = frozenset({"set-cookie", "date", "content-length"})

UNSCANNED_TYPES = (
    "image/",
    "video/",
    "audio/",
    "font/",
    "application/octet-stream",
    "application/zip",
    "application/pdf",
)
"""Response media types whose bodies are not read for leaks (binary)."""
MAX_LEAK_BODY = 1 << 20
"""Bytes of a response body read for leaks."""


class Code(StrEnum):
    """Stable alert codes of this package (names in :data:`CODE_NAMES`)."""

    SIGNATURE = "V200"
    SQLI = "V201"
    XSS = "V202"
    TRAVERSAL = "V203"
    COMMAND = "V204"
    SSRF = "V205"
    TEMPLATE = "V206"
    JNDI = "V207"
    NOSQL = "V208"
    CRLF = "V209"
    JAVA = "V210"
    PHP = "V211"
    UPLOAD = "V212"
    RFI = "V213"
    SESSION_FIXATION = "V214"
    PROTOCOL = "V215"
    LDAP = "V216"
    NODEJS = "V218"
    PATCH = "V220"
    LEAK = "V133"


CODE_NAMES: dict[str, str] = {
    Code.SIGNATURE: "signature-match",
    Code.SQLI: "sql-injection",
    Code.XSS: "cross-site-scripting",
    Code.TRAVERSAL: "path-traversal",
    Code.COMMAND: "command-injection",
    Code.SSRF: "server-side-request-forgery",
    Code.TEMPLATE: "template-injection",
    Code.JNDI: "jndi-injection",
    Code.NOSQL: "nosql-injection",
    Code.CRLF: "header-injection",
    Code.JAVA: "java-injection",
    Code.PHP: "php-injection",
    Code.UPLOAD: "script-upload",
    Code.RFI: "remote-file-inclusion",
    Code.SESSION_FIXATION: "session-fixation",
    Code.PROTOCOL: "protocol-injection",
    Code.LDAP: "ldap-injection",
    Code.NODEJS: "nodejs-injection",
    Code.PATCH: "virtual-patch-violated",
    Code.LEAK: "response-leak",
}
"""Names of the codes, as :data:`vigil.inspection.alerts.CODES` lists them."""

ATTACK_CODES: dict[Attack, Code] = {
    Attack.SQLI: Code.SQLI,
    Attack.XSS: Code.XSS,
    Attack.TRAVERSAL: Code.TRAVERSAL,
    Attack.COMMAND: Code.COMMAND,
    Attack.SSRF: Code.SSRF,
    Attack.TEMPLATE: Code.TEMPLATE,
    Attack.JNDI: Code.JNDI,
    Attack.NOSQL: Code.NOSQL,
    Attack.CRLF: Code.CRLF,
    Attack.JAVA: Code.JAVA,
    Attack.PHP: Code.PHP,
    Attack.UPLOAD: Code.UPLOAD,
    Attack.RFI: Code.RFI,
    Attack.SESSION_FIXATION: Code.SESSION_FIXATION,
    Attack.PROTOCOL: Code.PROTOCOL,
    Attack.LDAP: Code.LDAP,
    Attack.NODEJS: Code.NODEJS,
}
ATTACK_NAMES: dict[Attack, str] = {
    Attack.SQLI: "SQL injection",
    Attack.XSS: "cross-site scripting",
    Attack.TRAVERSAL: "path traversal",
    Attack.COMMAND: "command injection",
    Attack.SSRF: "request to an internal host",
    Attack.TEMPLATE: "template expression",
    Attack.JNDI: "JNDI lookup",
    Attack.NOSQL: "NoSQL operator",
    Attack.CRLF: "header injection",
    Attack.JAVA: "Java gadget",
    Attack.PHP: "PHP code",
    Attack.UPLOAD: "server-side script upload",
    Attack.RFI: "remote file inclusion",
    Attack.SESSION_FIXATION: "session fixation",
    Attack.PROTOCOL: "HTTP message in a value",
    Attack.LDAP: "LDAP filter injection",
    Attack.NODEJS: "Node.js injection",
}
RULE_SEVERITY: dict[RuleSeverity, Severity] = {
    RuleSeverity.LOW: Severity.LOW,
    RuleSeverity.MEDIUM: Severity.MEDIUM,
    RuleSeverity.HIGH: Severity.HIGH,
    RuleSeverity.CRITICAL: Severity.CRITICAL,
}
LEAK_SEVERITY: dict[Weight, Severity] = {
    Weight.LOW: Severity.LOW,
    Weight.MEDIUM: Severity.MEDIUM,
    Weight.HIGH: Severity.HIGH,
}


class AttackDetector:
    """The built-in attack detectors on every request field (see :mod:`vigil.signatures.scan`)."""

    name = "signatures"
    phases = frozenset({Phase.REQUEST_HEADERS, Phase.REQUEST_BODY})

    def __init__(self, only: frozenset[Attack] = ALL, severity: Severity = Severity.HIGH) -> None:
        self.only = only
        self.severity = severity

    def inspect(self, phase: Phase, context: Context) -> list[Alert]:
        """One alert per (field, attack class) found in ``phase``: the path, query, headers and
        cookies with the request head, the body's fields with the body."""
        head = phase is Phase.REQUEST_HEADERS
        request = context.request
        found_all = list(scan_fields(context.observation.fields, self.only, not head, request))
        if head:
            found_all[:0] = scan_fields(path_fields(request), self.only)
        if not found_all:
            return []
        alerts: list[Alert] = []
        seen: set[tuple[str, Attack]] = set()
        for found in found_all:
            kind = found.detection.kind
            if not isinstance(kind, Attack) or (found.path, kind) in seen:
                continue
            seen.add((found.path, kind))
            where = "in the key " if found.in_key else "in "
            alerts.append(
                Alert(
                    ATTACK_CODES[kind].value,
                    context.route,
                    found.path,
                    f"no {ATTACK_NAMES[kind]}",
                    f"{found.detection.reason} {where}{redact(found.detection.evidence)}",
                    self.severity,
                    detector=kind.value,
                )
            )
        return alerts


class LeakDetector:
    """Leak detectors on response bodies, and internal addresses in response headers."""

    name = "leaks"
    phases = frozenset({Phase.RESPONSE_HEADERS, Phase.RESPONSE_BODY})

    def __init__(self, only: frozenset[Leak] = frozenset(Leak)) -> None:
        self.only = only

    def inspect(self, phase: Phase, context: Context) -> list[Alert]:
        """The leaks found in the response head or body."""
        response = context.response
        if response is None:
            return []
        if phase is Phase.RESPONSE_HEADERS:
            if Leak.INTERNAL_ADDRESS not in self.only:
                return []
            checked = [
                (name, value) for name, value in response.headers if name not in _UNSCANNED_HEADERS
            ]
            if not may_hold_internal_address("\n".join(value for _, value in checked)):
                return []
            alerts = []
            for name, value in checked:
                found = detect_internal_address(value)
                if found is not None:
                    alerts.append(self._alert(context, f"response.header.{name}", found))
            return alerts
        media = (response.header("content-type") or "").lower()
        if media.startswith(UNSCANNED_TYPES):
            return []
        observed = context.response_observation
        body = observed.body if observed is not None and observed.body else response.body
        if not body:
            return []
        text = body[:MAX_LEAK_BODY].decode("utf-8", "replace")
        if not may_leak(text):
            return []
        alerts = []
        for kind, detect in LEAK_DETECTORS.items():
            if kind in self.only:
                found = detect(text)
                if found is not None:
                    alerts.append(self._alert(context, "response.body", found))
        return alerts

    @staticmethod
    def _alert(context: Context, where: str, found: Detection) -> Alert:
        return Alert(
            Code.LEAK.value,
            context.route,
            where,
            f"no {found.kind.value}",
            f"{found.reason}: {redact(found.evidence)}",
            LEAK_SEVERITY[weight_of(found)],
            detector=found.kind.value,
        )


class RuleDetector:
    """An operator's rule set: virtual patches (claiming their fields) and signatures."""

    name = "rules"
    phases = frozenset({Phase.REQUEST_BODY, Phase.RESPONSE_BODY})

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset

    def inspect(self, phase: Phase, context: Context) -> list[Alert]:
        """The alerts of every rule that fired; patched fields are added to ``context.claimed``."""
        evaluation = self.ruleset.evaluate(context, response=phase is Phase.RESPONSE_BODY)
        if evaluation.claimed:
            context.claimed.update(evaluation.claimed)
        return [rule_alert(context.route, hit) for hit in evaluation.hits]


def rule_alert(route: str, hit: RuleHit) -> Alert:
    """The alert of one rule hit."""
    rule = hit.rule
    if rule.is_patch:
        expected = f"{hit.condition} (rule {rule.id})"
    else:
        expected = f"no value that {hit.condition} (rule {rule.id})"
    seen = f"{hit.reason} in {redact(hit.value)}" if hit.value else hit.reason
    return Alert(
        (Code.PATCH if rule.is_patch else Code.SIGNATURE).value,
        route,
        hit.field,
        expected,
        seen,
        RULE_SEVERITY[rule.severity],
        detector=rule.id,
        reference=rule.reference,
        enforced=rule.action is Action.BLOCK,
    )
