"""From an alert to the operator decision that allows it, and decisions merged into a policy."""

from __future__ import annotations

import pytest

from vigil.behavior.allow import (
    AllowError,
    allowance_for,
    apply_decision,
    merge_route_decisions,
    set_route_mode,
)
from vigil.behavior.decision import Decision, Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.behavior.operator import FieldAllowance, FieldDecision, FieldTightening, RouteDecision
from vigil.behavior.policy import Policy
from vigil.http.model import Request

from .builders import RequestBuilder, response, trained_engine, users_response


def allow_all(engine: Engine, decision: Decision) -> Policy:
    """The policy with every alert of ``decision`` allowed, as ``vigil policy allow`` does."""
    policy = engine.policy
    for alert in decision.alerts:
        allowance = allowance_for(alert.code, alert.route, alert.field, alert.seen, note="r-1")
        policy = apply_decision(policy, allowance.route, allowance.decision)
    return policy


BENIGN_BUT_BLOCKED = [
    pytest.param(RequestBuilder().get("/users").query(username="o'neil"), id="quote"),
    pytest.param(RequestBuilder().get("/users").query(username="Tom Smith"), id="class-and-space"),
    pytest.param(RequestBuilder().get("/users").query(username="tom", page="2"), id="new-field"),
    pytest.param(RequestBuilder().get("/users").query(username="a" * 60), id="long"),
    pytest.param(RequestBuilder().get("/users").raw_query("username=caf%E9"), id="encoding"),
    pytest.param(RequestBuilder().get("/users").raw_query("username=a&username=b"), id="repeat"),
    pytest.param(RequestBuilder().get("/users").query(username="a--b"), id="sequence"),
    pytest.param(RequestBuilder().get("/health"), id="new-route"),
    pytest.param(RequestBuilder().post("/users").query(username="tom"), id="new-method"),
    pytest.param(RequestBuilder().get("/users"), id="missing-required"),
]


@pytest.mark.parametrize("builder", BENIGN_BUT_BLOCKED)
def test_allowing_every_alert_of_a_blocked_request_lets_it_through(
    builder: RequestBuilder,
) -> None:
    engine = trained_engine(mode=Mode.ENFORCE)
    request: Request = builder.headers().build()
    blocked = engine.inspect_request(request)
    assert blocked.alerts
    engine.load(allow_all(engine, blocked))
    again = engine.inspect_request(builder.build())
    assert not again.blocked, [a.reason for a in again.alerts]
    assert engine.inspect_request(
        RequestBuilder().get("/users").query(username="<script>").headers().build()
    ).blocked


def test_response_alerts_are_allowed_too() -> None:
    engine = trained_engine(mode=Mode.ENFORCE, answer=users_response)
    request = RequestBuilder().get("/users").query(username="tom").headers().build()
    decision = engine.inspect_response(
        engine.inspect_request(request), response(404, {"error": "x", "code": 7}, latency_ms=900.0)
    )
    assert {a.code for a in decision.alerts} >= {"V130", "V132"}
    engine.load(allow_all(engine, decision))
    again = engine.inspect_response(
        engine.inspect_request(request), response(404, {"error": "x", "code": 7}, latency_ms=900.0)
    )
    assert again.verdict is Verdict.ALLOW, [a.reason for a in again.alerts]


@pytest.mark.parametrize(
    ("code", "field", "seen", "reason"),
    [
        ("V101", "query.q", '"\'$" in "a\'$"', 'allow special character(s) "\'$" in query.q'),
        ("V102", "query.q", "['--'] in 'a--b'", "allow sequence(s) ['--'] in query.q"),
        ("V103", "query.q", "upper,space in 'A b'", "allow character class(es) upper,space"),
        ("V104", "query.q", "60", "allow a length of 60 in query.q"),
        ("V106", "query.sort", "'up'", "allow the value 'up' in query.sort"),
        ("V105", "query.q", "email 'a@b.c'", "allow the shape email"),
        ("V105", "query.q", "'a.a' 'x.y'", "allow the pattern 'a.a'"),
        ("V107", "query.q", "non-utf8", "allow encoding(s) non-utf8"),
        ("V110", "query.page", "'query.page'", "allow the field in query.page"),
        ("V111", "query.q", "absent", "allow the absence of the field"),
        ("V112", "query.q", "3", "allow 3 occurrences"),
        ("V125", "json.id", "string", "allow the type string"),
        ("V100", "route", "'GET /x'", "allow route GET /users"),
        ("V123", "header.content-type", "'text/plain'", "allow content type 'text/plain'"),
        ("V130", "response.status", "404", "allow status 404"),
    ],
)
def test_allowance_reasons(code: str, field: str, seen: str, reason: str) -> None:
    assert reason in allowance_for(code, "GET /users", field, seen).reason


@pytest.mark.parametrize(
    ("code", "seen", "message"),
    [
        ("V120", "more than 10 bytes", "body rule"),
        ("V200", "x", "rule file"),
        ("V133", "x", "never allowed"),
        ("V106", "'aaaa'... (900 chars)", "was cut"),
        ("V106", "'a\\\\x00b'", "backslash"),
        ("V101", "garbage", "cut or is missing"),
        ("V104", "long", "cannot read the length"),
        ("V103", "loud in 'x'", "cannot read the character classes"),
        ("V999", "x", "no operator decision"),
    ],
)
def test_alerts_that_cannot_be_allowed_say_why(code: str, seen: str, message: str) -> None:
    with pytest.raises(AllowError, match=message):
        allowance_for(code, "GET /x", "query.q", seen)


def test_decisions_merge_into_the_operator_layer() -> None:
    policy = Policy()
    first = RouteDecision(fields={"query.q": FieldDecision(allow=FieldAllowance(specials="'"))})
    second = RouteDecision(
        fields={
            "query.q": FieldDecision(
                allow=FieldAllowance(specials="$", max_length=9),
                tighten=FieldTightening(enum=["a"]),
            )
        },
        statuses=[404],
    )
    policy = apply_decision(apply_decision(policy, "GET /x", first), "GET /x", second)
    merged = policy.operator.routes["GET /x"]
    allow = merged.fields["query.q"].allow
    assert allow is not None
    assert (allow.specials, allow.max_length) == ("$'", 9)
    assert merged.fields["query.q"].tighten == FieldTightening(enum=["a"])
    assert merged.statuses == [404]
    assert policy.routes == {}


def test_set_route_mode_is_an_operator_decision() -> None:
    policy = set_route_mode(Policy(), "GET /x", Mode.ENFORCE)
    assert policy.mode_of("GET /x") is Mode.ENFORCE
    policy = set_route_mode(policy, "GET /x", Mode.DETECT)
    assert policy.operator.routes["GET /x"].mode is Mode.DETECT


def test_merging_keeps_notes_and_the_latest_mode() -> None:
    a = RouteDecision(mode=Mode.DETECT, note="ticket 1", block_score=4)
    b = RouteDecision(mode=Mode.ENFORCE, note="ticket 2")
    merged = merge_route_decisions(a, b)
    assert (merged.mode, merged.block_score, merged.note) == (Mode.ENFORCE, 4, "ticket 1; ticket 2")
