"""Rule sets: expiry, routing, the one-pass prefilter, virtual patches and their claims."""

from __future__ import annotations

import datetime as dt

from vigil.http.body import BodyField
from vigil.http.model import Request, Response
from vigil.inspection.observation import Observation
from vigil.inspection.phases import Context
from vigil.signatures.rules.ruleset import RuleSet
from vigil.signatures.rules.source import parse_rules

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def ruleset(body: str, now: dt.datetime = NOW) -> RuleSet:
    return RuleSet.compile(parse_rules("rules:\n" + body).rules, now)


def context(method: str = "GET", path: str = "/users", **fields: str) -> Context:
    segments = [s for s in path.split("/")[1:]]
    observation = Observation(
        method,
        path,
        segments,
        0,
        "",
        [BodyField(k.replace("__", "."), v) for k, v in fields.items()],
    )
    return Context(f"{method} {path}", Request(method, path), observation)


def hits(rs: RuleSet, ctx: Context, response: bool = False) -> list[tuple[str, str, str]]:
    return [(h.rule.id, h.field, h.reason) for h in rs.evaluate(ctx, response).hits]


def test_expired_rules_are_left_out_and_the_next_expiry_is_known() -> None:
    rs = ruleset(
        "  - id: old\n    expires: 2026-05-31\n    forbid: {regex: x}\n"
        "  - id: soon\n    expires: 2026-06-02T12:00:00\n    forbid: {regex: y}\n"
        "  - id: later\n    expires: 2027-01-01\n    forbid: {regex: z}\n"
    )
    assert [c.id for c in rs.rules] == ["soon", "later"]
    assert rs.expired == ("old",)
    assert rs.next_expiry == dt.datetime(2026, 6, 2, 12, tzinfo=dt.UTC)


def test_a_virtual_patch_checks_and_claims_its_field() -> None:
    rs = ruleset(
        "  - id: login\n    route: POST /login\n    fields: form.username\n"
        "    require: {regex: '^[a-z]{1,32}$'}\n"
    )
    ok = rs.evaluate(context("POST", "/login", form__username="tom"))
    assert ok.hits == []
    assert ok.claimed == {"form.username"}
    assert hits(rs, context("POST", "/login", form__username="tom'--")) == [
        ("login", "form.username", "does not match ^[a-z]{1,32}$")
    ]
    other_route = rs.evaluate(context("POST", "/logout", form__username="tom'--"))
    assert (other_route.hits, other_route.claimed) == ([], frozenset())


def test_a_missing_required_field_alerts_only_when_asked() -> None:
    rs = ruleset(
        "  - id: quiet\n    fields: query.token\n    require: {type: uuid}\n"
        "  - id: loud\n    fields: query.key\n    missing: alert\n    require: {type: hex}\n"
    )
    assert hits(rs, context()) == [("loud", "query.key", "required field is absent")]


def test_signatures_fire_once_per_rule_with_the_first_matching_field() -> None:
    rs = ruleset("  - id: evil\n    forbid: {contains: [evil], ignore_case: true}\n")
    assert hits(rs, context(query__a="fine", query__b="EVIL", query__c="evil")) == [
        ("evil", "query.b", "contains 'evil'")
    ]


def test_the_prefilter_finds_anchored_patterns_inside_any_value() -> None:
    rs = ruleset("  - id: anchored\n    forbid: {regex: '^drop$'}\n")
    assert hits(rs, context(query__a="x", query__b="drop", query__c="y")) == [
        ("anchored", "query.b", "matches ^drop$")
    ]


def test_a_match_across_two_values_is_not_a_hit() -> None:
    rs = ruleset("  - id: span\n    forbid: {regex: 'a\\sb'}\n")
    assert hits(rs, context(query__x="a", query__y="b")) == []
    assert hits(rs, context(query__x="a b")) == [("span", "query.x", "matches a\\sb")]


def test_whole_text_anchors_are_checked_value_by_value() -> None:
    rs = ruleset("  - id: whole\n    forbid: {regex: '\\Aadmin\\z'}\n")
    assert hits(rs, context(query__a="x", query__b="admin")) == [
        ("whole", "query.b", "matches \\Aadmin\\z")
    ]


def test_a_thousand_signatures_report_only_what_matched() -> None:
    body = "".join(
        f"  - id: sig{i}\n    fields: any\n    forbid: {{regex: 'token{i}x'}}\n"
        for i in range(1000)
    )
    rs = ruleset(body)
    assert hits(rs, context(query__q="hello", header__user_agent="curl")) == []
    assert hits(rs, context(query__q="a token417x b")) == [
        ("sig417", "query.q", "matches token417x")
    ]


def test_signatures_respect_fields_and_routes() -> None:
    rs = ruleset(
        "  - id: only-q\n    fields: query.q\n    forbid: {regex: bad}\n"
        "  - id: only-admin\n    route: '* /admin/*'\n    forbid: {regex: bad}\n"
    )
    assert hits(rs, context(query__other="bad")) == []
    assert hits(rs, context(query__q="bad")) == [("only-q", "query.q", "matches bad")]
    assert [h[0] for h in hits(rs, context("POST", "/admin/users", query__z="bad"))] == [
        "only-admin"
    ]


def test_detector_and_bound_signatures_run_without_a_pattern() -> None:
    rs = ruleset(
        "  - id: sqli\n    fields: query.*\n    forbid: {detector: sqli}\n"
        "  - id: long\n    fields: query.*\n    forbid: {length: {min: 100}}\n"
    )
    assert hits(rs, context(query__q="1 union select 1,2")) == [
        ("sqli", "query.q", "sqli: union select")
    ]
    assert hits(rs, context(query__q="x" * 150)) == [
        ("long", "query.q", "length 150 within >= 100")
    ]


def test_raw_parts_are_read_only_by_rules_that_select_them() -> None:
    rs = ruleset(
        "  - id: raw\n    fields: raw.query\n    forbid: {contains: ['%2527']}\n"
        "  - id: any\n    fields: any\n    forbid: {contains: ['%2527']}\n"
    )
    ctx = context(query__q="%27")
    ctx.request.query = "q=%2527"
    assert hits(rs, ctx) == [("raw", "raw.query", "contains '%2527'")]


def test_response_rules_read_the_response() -> None:
    rs = ruleset(
        "  - id: banner\n    fields: response.header.server\n    forbid: {regex: 'Apache/2\\.4\\.4[0-9]'}\n"
    )
    ctx = context()
    assert hits(rs, ctx, response=True) == []
    ctx.response = Response(200, [("server", "Apache/2.4.49 (Unix)")])
    assert hits(rs, ctx) == []
    assert hits(rs, ctx, response=True) == [
        ("banner", "response.header.server", "matches Apache/2\\.4\\.4[0-9]")
    ]


def test_an_empty_set_finds_nothing() -> None:
    empty = RuleSet.compile([], NOW)
    assert empty.evaluate(context(query__q="anything")).hits == []


def test_patches_sharing_a_field_and_a_condition_each_report() -> None:
    rs = ruleset(
        "  - id: one\n    fields: query.page\n    require: {type: int}\n"
        "  - id: two\n    fields: query.page\n    require: {type: int}\n"
        "  - id: three\n    fields: query.page\n    require: {length: {max: 2}}\n"
    )
    assert hits(rs, context(query__page="12")) == []
    assert hits(rs, context(query__page="x")) == [
        ("one", "query.page", "is not a valid int"),
        ("two", "query.page", "is not a valid int"),
    ]
    assert [h[0] for h in hits(rs, context(query__page="123"))] == ["three"]
