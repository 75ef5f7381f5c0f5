"""Suppressions: findings accepted on purpose, each with a reason and an optional expiry.

Two sources. The suppressions of the policy (``audit.suppressions``) and of ``--suppressions
FILE`` match a check and shell-style patterns on namespace, kind and name. Annotations on the
object or its pod template (``vigil.dev/suppress: VA003,VA004``, ``vigil.dev/suppress-reason``,
``vigil.dev/suppress-expires: YYYY-MM-DD``) suppress findings on that object alone, unless the
policy forbids them (``audit.allowAnnotationSuppressions: false``), since whoever can deploy
could otherwise exempt their own workload. An expired suppression suppresses nothing and the
finding says so; an annotation that cannot be honoured becomes a VA000 finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from fnmatch import fnmatchcase

from vigil.audit.checks.suppression import CHECK as INVALID
from vigil.audit.model import Finding, ObjectRef, Violation
from vigil.posture.policy import Suppression

SUPPRESS = "vigil.dev/suppress"
REASON = "vigil.dev/suppress-reason"
EXPIRES = "vigil.dev/suppress-expires"


@dataclass(frozen=True, slots=True)
class InlineSuppression:
    """The suppression annotations of one object, parsed; ``problem`` when unusable."""

    checks: frozenset[str]
    reason: str
    expires: date | None
    problem: str = ""

    def covers(self, check_id: str) -> bool:
        """Whether the listed checks include ``check_id`` (``*`` covers every check)."""
        return "*" in self.checks or check_id in self.checks


def parse_inline(annotations: Mapping[str, str]) -> InlineSuppression | None:
    """The suppression of these annotations, or None when there is none."""
    listed = annotations.get(SUPPRESS)
    if listed is None:
        return None
    checks = frozenset(c.strip() for c in listed.split(",") if c.strip())
    reason = annotations.get(REASON, "").strip()
    expires_text = annotations.get(EXPIRES, "").strip()
    expires = None
    problem = ""
    if expires_text:
        try:
            expires = date.fromisoformat(expires_text)
        except ValueError:
            problem = f"{EXPIRES} {expires_text!r} is not a date (YYYY-MM-DD)"
    if not reason:
        problem = f"{SUPPRESS} without {REASON}"
    if not checks:
        problem = f"{SUPPRESS} lists no check"
    return InlineSuppression(checks, reason, expires, problem)


def _file_match(s: Suppression, finding: Finding) -> bool:
    ref = finding.ref
    return (
        fnmatchcase(finding.check.id, s.check)
        and fnmatchcase(ref.namespace, s.namespace)
        and fnmatchcase(ref.kind, s.kind)
        and fnmatchcase(ref.name, s.name)
    )


def _judge(
    finding: Finding,
    violation: Violation,
    rules: list[Suppression],
    *,
    allow_annotations: bool,
    today: date,
    invalid: dict[ObjectRef, str],
) -> Finding:
    out = finding
    for rule in rules:
        if not _file_match(rule, finding):
            continue
        if rule.expires is not None and rule.expires < today:
            out = replace(out, note=f"suppression expired on {rule.expires}")
            continue
        return replace(out, suppressed_by=f"file: {rule.reason}")
    inline = parse_inline(dict(violation.annotations))
    if inline is None or not inline.covers(finding.check.id):
        return out
    if not allow_annotations:
        invalid[finding.ref] = (
            f"{SUPPRESS} is ignored: the policy forbids annotation suppressions "
            "(audit.allowAnnotationSuppressions: false)"
        )
    elif inline.problem:
        invalid[finding.ref] = f"{inline.problem}: the suppression is ignored"
    elif inline.expires is not None and inline.expires < today:
        out = replace(out, note=f"suppression expired on {inline.expires}")
    else:
        out = replace(out, suppressed_by=f"annotation: {inline.reason}")
    return out


def apply_suppressions(
    findings: Iterable[tuple[Finding, Violation]],
    suppressions: Iterable[Suppression],
    *,
    allow_annotations: bool,
    today: date,
) -> list[Finding]:
    """The findings with ``suppressed_by`` / ``note`` set, plus VA000 findings."""
    rules = list(suppressions)
    invalid: dict[ObjectRef, str] = {}
    out = [
        _judge(f, v, rules, allow_annotations=allow_annotations, today=today, invalid=invalid)
        for f, v in findings
    ]
    out.extend(
        Finding(INVALID, ref, message, "metadata.annotations") for ref, message in invalid.items()
    )
    return out
