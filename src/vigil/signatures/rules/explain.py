"""Why each rule of a set fires or not on one request: the answers ``vigil rules test`` prints,
and the review ``vigil rules lint`` makes of a file.

:func:`explain` walks every rule (not only the ones that fire): whether its route and methods
apply, which fields it reads and, value by value, the reasons its condition gives.
:func:`review` finds what is valid but probably wrong: expired or soon-expiring rules, a virtual
patch whose regular expression is not anchored (``[a-z]+`` accepts ``abc'--``), a signature that
matches every value, patches that constrain the same field differently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from vigil.inspection.phases import Context
from vigil.signatures.rules.conditions import compile_regex
from vigil.signatures.rules.ruleset import CompiledRule, RuleSet
from vigil.signatures.rules.schema import Rule
from vigil.signatures.rules.selectors import request_fields, response_fields

SOON = dt.timedelta(days=7)
"""A rule that expires within this long is reported by :func:`review`."""


@dataclass(frozen=True, slots=True)
class FieldOutcome:
    """One value a rule read, and what its condition said about it."""

    field: str
    value: str
    fired: bool
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class RuleReport:
    """One rule on one request."""

    rule: Rule
    applies: bool
    """False when the route or methods exclude the request."""
    outcomes: list[FieldOutcome] = field(default_factory=list)
    absent: bool = False
    """True for a virtual patch with ``missing: alert`` whose field is absent (it fires)."""

    @property
    def fired(self) -> bool:
        """Whether the rule raises an alert on this request."""
        return self.absent or any(o.fired for o in self.outcomes)


def _outcome(compiled: CompiledRule, path: str, value: str) -> FieldOutcome:
    condition = compiled.condition
    if compiled.rule.is_patch:
        violations = condition.violations(value)
        reasons = violations or [reason for _, reason in condition.outcomes(value)]
        return FieldOutcome(path, value, bool(violations), reasons)
    matched = condition.match(value)
    if matched is not None:
        return FieldOutcome(path, value, True, [matched])
    return FieldOutcome(
        path, value, False, [reason for ok, reason in condition.outcomes(value) if not ok]
    )


def explain(ruleset: RuleSet, context: Context) -> list[RuleReport]:
    """Every rule of ``ruleset`` on ``context`` (request rules; response rules too when the
    context carries a response)."""
    method = context.request.method.upper()
    route_path = context.route.split(" ", 1)[-1]
    request_path = "/" + "/".join(context.observation.segments)
    request = request_fields(context)
    response = response_fields(context)
    reports: list[RuleReport] = []
    for compiled in ruleset.rules:
        if not compiled.route.applies(method, route_path, request_path):
            reports.append(RuleReport(compiled.rule, applies=False))
            continue
        fields = response if compiled.response else request
        outcomes = [_outcome(compiled, f.path, f.text) for f in fields if compiled.selects(f.path)]
        if not compiled.rule.is_patch:
            first = next((o for o in outcomes if o.fired), None)
            outcomes = [o for o in outcomes if not o.fired or o is first]
        absent = compiled.rule.is_patch and not outcomes and compiled.rule.missing == "alert"
        reports.append(RuleReport(compiled.rule, applies=True, outcomes=outcomes, absent=absent))
    return reports


@dataclass(frozen=True, slots=True)
class Finding:
    """Something valid but probably wrong in a rule file."""

    rule: str
    message: str


def _matches_everything(pattern: str) -> bool:
    program = compile_regex(pattern)
    return program.search("") is not None and program.search("\x00unlikely value\x00") is not None


def review(rules: list[Rule], now: dt.datetime) -> list[Finding]:
    """Warnings about ``rules`` as of ``now``."""
    findings: list[Finding] = []
    patched: dict[tuple[str | None, str], str] = {}
    for rule in rules:
        expiry = rule.expiry()
        if expiry is not None and expiry <= now:
            findings.append(
                Finding(rule.id, f"expired on {expiry:%Y-%m-%d %H:%M} UTC: it no longer applies")
            )
        elif expiry is not None and expiry - now <= SOON:
            findings.append(Finding(rule.id, f"expires on {expiry:%Y-%m-%d %H:%M} UTC"))
        condition = rule.condition
        regex = condition.regex
        if (
            rule.is_patch
            and regex is not None
            and not (regex.startswith(("^", "\\A")) and regex.endswith(("$", "\\z")))
        ):
            findings.append(
                Finding(
                    rule.id,
                    f"require regex {regex!r} is not anchored with ^...$: a value only needs to contain a match",
                )
            )
        if not rule.is_patch and regex is not None and _matches_everything(regex):
            findings.append(Finding(rule.id, f"forbid regex {regex!r} matches every value"))
        if rule.is_patch and rule.fields == ["any"]:
            findings.append(
                Finding(
                    rule.id,
                    "a virtual patch on any field claims every field from the learned model",
                )
            )
        if rule.is_patch:
            for selector in rule.fields:
                key = (rule.route, selector)
                if key in patched:
                    findings.append(
                        Finding(
                            rule.id,
                            f"{selector} on {rule.route or 'every route'} is also constrained by rule {patched[key]}",
                        )
                    )
                else:
                    patched[key] = rule.id
    return findings
