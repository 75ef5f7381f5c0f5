"""Explaining rules on a request, and reviewing a file for rules that are valid but wrong."""

from __future__ import annotations

import datetime as dt

from vigil.behavior.profile import profile_request
from vigil.http.model import Request
from vigil.inspection.phases import Context
from vigil.signatures.rules.explain import explain, review
from vigil.signatures.rules.ruleset import RuleSet
from vigil.signatures.rules.source import parse_rules

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
RULES = """
rules:
  - id: patch
    route: GET /users
    fields: query.username
    require: {regex: '^[a-z]{1,8}$'}
  - id: sig
    fields: query.*
    forbid: {contains: [evil]}
  - id: elsewhere
    route: POST /admin
    forbid: {regex: x}
  - id: needs-key
    fields: query.key
    missing: alert
    require: {type: hex}
"""


def context(query: str) -> Context:
    request = Request("GET", "/users", query)
    return Context("GET /users", request, profile_request(request))


def test_every_rule_is_reported_with_its_reasons() -> None:
    ruleset = RuleSet.compile(parse_rules(RULES).rules, NOW)
    reports = {r.rule.id: r for r in explain(ruleset, context("username=tom'--&other=evil&x=1"))}
    patch = reports["patch"]
    assert (patch.applies, patch.fired) == (True, True)
    assert [(o.field, o.reasons) for o in patch.outcomes] == [
        ("query.username", ["does not match ^[a-z]{1,8}$"])
    ]
    signature = reports["sig"]
    assert signature.fired
    assert [(o.field, o.fired) for o in signature.outcomes] == [
        ("query.username", False),
        ("query.other", True),
        ("query.x", False),
    ]
    assert (reports["elsewhere"].applies, reports["elsewhere"].fired) == (False, False)
    assert reports["needs-key"].absent
    assert reports["needs-key"].fired


def test_a_passing_patch_says_what_held() -> None:
    ruleset = RuleSet.compile(parse_rules(RULES).rules, NOW)
    reports = {r.rule.id: r for r in explain(ruleset, context("username=tom&key=ab12"))}
    assert not reports["patch"].fired
    assert reports["patch"].outcomes[0].reasons == ["matches ^[a-z]{1,8}$"]
    assert not reports["needs-key"].fired


def test_review_warns_about_valid_but_wrong_rules() -> None:
    text = """
rules:
  - id: gone
    expires: 2026-05-01
    forbid: {regex: x}
  - id: soon
    expires: 2026-06-03
    forbid: {regex: y}
  - id: loose
    fields: query.page
    require: {regex: '[0-9]+'}
  - id: everything
    forbid: {regex: '.*'}
  - id: greedy
    require: {length: {max: 10}}
  - id: twice
    fields: query.page
    require: {type: int}
"""
    findings = [(f.rule, f.message) for f in review(parse_rules(text).rules, NOW)]
    assert findings == [
        ("gone", "expired on 2026-05-01 23:59 UTC: it no longer applies"),
        ("soon", "expires on 2026-06-03 23:59 UTC"),
        (
            "loose",
            "require regex '[0-9]+' is not anchored with ^...$: a value only needs to contain a match",
        ),
        ("everything", "forbid regex '.*' matches every value"),
        ("greedy", "a virtual patch on any field claims every field from the learned model"),
        ("twice", "query.page on every route is also constrained by rule loose"),
    ]


def test_a_clean_file_has_no_warning() -> None:
    assert review(parse_rules(RULES).rules, NOW) == []
