"""The inspection core end to end: learn benign traffic, then judge benign and attack values."""

from __future__ import annotations

import gzip
import random
import time

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.behavior.alerts import SEEN_LIMIT, Severity
from vigil.behavior.decision import Decision, Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.model import MAX_UNKNOWN_FIELD_ALERTS
from vigil.behavior.policy import BodyPolicy, parse_policy
from vigil.behavior.routes import OTHER_ROUTE
from vigil.behavior.statistics import Bounds
from vigil.http.model import BodyState, Request

from .builders import (
    RequestBuilder,
    codes,
    feed,
    response,
    stamp,
    train,
    trained_engine,
    users_request,
    users_response,
    words,
)

L, M, H, C = Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL


@pytest.fixture(scope="module")
def users() -> Engine:
    """Enforcing ``GET /users?username=<short a-z word>`` with its JSON responses."""
    return trained_engine(answer=users_response)


def ask(engine: Engine, **query: str) -> Decision:
    return engine.inspect_request(RequestBuilder().get("/users").query(**query).headers().build())


def raw(engine: Engine, query: str) -> Decision:
    return engine.inspect_request(RequestBuilder().get("/users").raw_query(query).headers().build())


def worst(decision: Decision, code: str) -> Severity:
    return max(a.severity for a in decision.alerts if a.code == code)


# Learning then deciding ------------------------------------------------------------------------


def test_learning_builds_a_route_with_the_username_criteria(users: Engine) -> None:
    route = users.policy.routes["GET /users"]
    username = route.fields["query.username"]
    assert users.policy.version == 1
    assert route.samples == 200
    assert username.classes == ["lower"]
    assert username.specials == ""
    assert username.shapes == ["word"]
    assert username.required is True
    assert username.length[1] <= 12


@pytest.mark.parametrize("name", ["tom", "alice", "bob", "zed"])
def test_benign_values_pass(users: Engine, name: str) -> None:
    decision = ask(users, username=name)
    assert decision.verdict is Verdict.ALLOW
    assert decision.alerts == ()
    assert decision.route == "GET /users"


def test_held_out_benign_traffic_passes(users: Engine) -> None:
    rng = random.Random(12345)
    verdicts = [users.inspect_request(users_request(rng)).verdict for _ in range(200)]
    assert verdicts.count(Verdict.BLOCK) == 0


@pytest.mark.parametrize(
    ("query", "code", "severity", "field", "seen"),
    [
        pytest.param(
            {"username": "tom or 1=1"}, "V103", M, "query.username", "space", id="tom-or-1=1"
        ),
        pytest.param({"username": "' OR '1'='1"}, "V101", H, "query.username", "'", id="quote-or"),
        pytest.param({"username": "<script>"}, "V101", H, "query.username", "<>", id="script"),
        pytest.param(
            {"username": "../../etc/passwd"}, "V102", H, "query.username", "../", id="traversal"
        ),
        pytest.param(
            {"username": ";cat /etc/passwd"}, "V101", H, "query.username", ";", id="command"
        ),
        pytest.param(
            {"username": "tom", "debug": "1"},
            "V110",
            M,
            "query.debug",
            "query.debug",
            id="unknown-key",
        ),
        pytest.param({"username": "a" * 5000}, "V104", H, "query.username", "5000", id="oversized"),
    ],
)
def test_attacks_are_blocked_with_their_reason(  # noqa: PLR0917
    users: Engine, query: dict[str, str], code: str, severity: Severity, field: str, seen: str
) -> None:
    decision = ask(users, **query)
    assert decision.verdict is Verdict.BLOCK
    assert decision.blocked
    found = [a for a in decision.alerts if a.code == code]
    assert found, codes(decision)
    alert = found[0]
    assert alert.severity is severity
    assert alert.route == "GET /users"
    assert alert.field == field
    assert alert.expected
    assert seen in alert.seen
    assert decision.score >= 3


@pytest.mark.parametrize(
    ("username", "verdict"),
    [
        pytest.param("Tom", Verdict.ALERT, id="capitalised"),
        pytest.param("tom2", Verdict.ALERT, id="with-a-digit"),
        pytest.param("zoë", Verdict.ALERT, id="non-ascii-letter"),
        pytest.param("tom smith", Verdict.BLOCK, id="a-space"),
        pytest.param("o'brien", Verdict.BLOCK, id="a-quote"),
        pytest.param("tom or 1=1", Verdict.BLOCK, id="injection"),
    ],
)
def test_a_word_field_admits_case_script_and_digits_but_not_structure(
    users: Engine, username: str, verdict: Verdict
) -> None:
    """``username`` learned as lower-case words: a new letter case, script or digit is one low
    class novelty (its pattern differs for that reason only); a space or a quote is structure."""
    assert ask(users, username=username).verdict is verdict


def test_tom_or_1_equals_1_names_every_novelty(users: Engine) -> None:
    decision = ask(users, username="tom or 1=1")
    by_code = {a.code: a for a in decision.alerts}
    assert sorted(by_code) == ["V101", "V103", "V105"]
    assert by_code["V101"].expected == "specials 'none'"
    assert by_code["V101"].seen == "'=' in 'tom or 1=1'"
    assert by_code["V103"].expected == "classes lower"
    assert by_code["V103"].seen == "digit,space in 'tom or 1=1'"
    assert by_code["V105"].expected == "pattern a"
    assert decision.reason.startswith("query.username: expected ")


def test_oversized_value_is_redacted_in_the_alert(users: Engine) -> None:
    decision = ask(users, username="a" * 5000)
    assert all(len(a.seen) < 3 * SEEN_LIMIT for a in decision.alerts)
    assert any("(5000 chars)" in a.seen for a in decision.alerts)


@pytest.mark.parametrize(
    ("query", "code", "severity", "seen"),
    [
        pytest.param(
            "username=tom%2527", "V107", H, "double-percent-encoding", id="double-encoding"
        ),
        pytest.param("username=tom%C0%AE", "V107", H, "overlong-utf8", id="overlong-utf8"),
        pytest.param("username=tom%00", "V107", H, "nul-byte", id="nul"),
        pytest.param("username=tom%07", "V107", H, "control-character", id="control"),
        pytest.param("username=tom%0d%0aSet-Cookie:x", "V107", H, "crlf", id="crlf"),
        pytest.param("username=tom%zz", "V107", M, "bad-percent-escape", id="bad-escape-zz"),
        pytest.param("username=tom%4", "V107", M, "bad-percent-escape", id="bad-escape-short"),
        pytest.param("username=\uff05\uff13\uff23", "V101", M, "%", id="fullwidth-percent-3c"),
        pytest.param("username=\uff1cscript\uff1e", "V101", H, "<>", id="fullwidth-script"),
    ],
)
def test_encoding_evasions_are_blocked(
    users: Engine, query: str, code: str, severity: Severity, seen: str
) -> None:
    decision = raw(users, query)
    assert decision.verdict is Verdict.BLOCK
    alert = next(a for a in decision.alerts if a.code == code)
    assert alert.severity is severity
    assert seen in alert.seen
    assert alert.field == "query.username"


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("username=tom%E9", id="latin1"),
        pytest.param("username=caf\u00e9", id="unicode"),
    ],
)
def test_a_non_ascii_letter_is_low_novelty(users: Engine, query: str) -> None:
    decision = raw(users, query)
    assert decision.verdict is Verdict.ALERT
    assert {a.severity for a in decision.alerts} == {L}


def test_nfkc_change_is_reported(users: Engine) -> None:
    decision = raw(users, "username=\uff1cscript\uff1e")
    alert = next(a for a in decision.alerts if a.code == "V107")
    assert (alert.severity, alert.seen) == (L, "unicode-compatibility-form")


def test_missing_required_field_alerts_without_blocking(users: Engine) -> None:
    decision = users.inspect_request(RequestBuilder().get("/users").headers().build())
    assert [(a.code, a.field, a.severity) for a in decision.alerts] == [
        ("V111", "query.username", L)
    ]
    assert decision.verdict is Verdict.ALERT


def test_repeated_parameter_is_flagged(users: Engine) -> None:
    decision = raw(users, "username=tom&username=bob")
    assert [(a.code, a.severity, a.seen) for a in decision.alerts] == [("V112", M, "2")]


def test_too_many_unknown_fields_are_summarised(users: Engine) -> None:
    query = "username=tom&" + "&".join(f"k{i}=v" for i in range(40))
    decision = raw(users, query)
    assert codes(decision).count("V110") == MAX_UNKNOWN_FIELD_ALERTS
    alert = next(a for a in decision.alerts if a.code == "V114")
    assert (alert.severity, alert.seen) == (H, "40")


# Routes ----------------------------------------------------------------------------------------


def item_request(rng: random.Random) -> Request:
    path = rng.choice(["/users/{}", "/orders/{}"]).format(rng.randint(1, 10**6))
    return RequestBuilder().get(path).headers().build()


@pytest.fixture(scope="module")
def items() -> Engine:
    return trained_engine(make=item_request)


def test_typed_path_segments_become_one_route(items: Engine) -> None:
    assert sorted(items.policy.routes) == ["GET /orders/{int}", "GET /users/{int}"]
    assert items.policy.routes["GET /users/{int}"].fields["path.1"].shapes == ["int"]
    decision = items.inspect_request(RequestBuilder().get("/users/42").headers().build())
    assert (decision.route, decision.verdict) == ("GET /users/{int}", Verdict.ALLOW)


@pytest.mark.parametrize(
    ("method", "path", "code", "key"),
    [
        pytest.param("GET", "/admin", "V100", "GET /admin", id="unknown-route"),
        pytest.param("GET", "/users/42/delete", "V100", "GET /users/{int}/delete", id="deeper"),
        pytest.param("DELETE", "/users/42", "V113", "DELETE /users/{int}", id="unknown-method"),
    ],
)
def test_unknown_routes_and_methods_after_learning(
    items: Engine, method: str, path: str, code: str, key: str
) -> None:
    decision = items.inspect_request(RequestBuilder().method(method, path).headers().build())
    assert decision.route == key
    assert decision.verdict is Verdict.BLOCK
    alert = decision.alerts[0]
    assert (alert.code, alert.severity, alert.field, alert.route) == (code, M, "route", key)


def test_unknown_route_still_judges_dangerous_values(items: Engine) -> None:
    decision = items.inspect_request(RequestBuilder().get("/admin").query(q="' or 1=1 --").build())
    assert codes(decision) == ["V100", "V101", "V102", "V109"]


def test_unknown_route_with_encoded_path_attack(items: Engine) -> None:
    decision = items.inspect_request(RequestBuilder().get("/files/%252e%252e%252fetc").build())
    alert = next(a for a in decision.alerts if a.code == "V107")
    assert (alert.field, alert.severity, alert.seen) == ("path", H, "double-percent-encoding")


@pytest.mark.parametrize(
    ("path", "field", "danger"),
    [
        pytest.param(
            "/static/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "path.1", "markup", id="markup"
        ),
        pytest.param("/download/..%2f..%2fetc%2fpasswd", "path.1", "traversal", id="traversal"),
        pytest.param("/q/x'%20union%20select%20password", "path.1", "sql", id="sql"),
    ],
)
def test_literal_segments_of_an_unknown_route_are_judged(
    items: Engine, path: str, field: str, danger: str
) -> None:
    decision = items.inspect_request(RequestBuilder().get(path).build())
    structure = next(a for a in decision.alerts if a.code == "V109")
    assert structure.field == field
    assert danger in structure.seen
    assert decision.verdict is Verdict.BLOCK


def test_a_bad_path_parameter_is_judged(items: Engine) -> None:
    decision = items.inspect_request(RequestBuilder().get("/users/-1").headers().build())
    assert decision.route == "GET /users/{int}"
    assert any(a.field == "path.1" for a in decision.alerts)


def test_crowded_literal_positions_become_var_routes() -> None:
    def files(rng: random.Random) -> Request:
        return RequestBuilder().get(f"/files/{words(rng)}.pdf").headers().build()

    engine = trained_engine(make=files, count=300)
    assert list(engine.policy.routes) == ["GET /files/{var}"]
    decision = engine.inspect_request(RequestBuilder().get("/files/new.pdf").headers().build())
    assert (decision.route, decision.verdict) == ("GET /files/{var}", Verdict.ALLOW)
    engine.set_mode(Mode.LEARN)
    train(engine, 50, make=files, seed=8)
    assert engine.learn().routes["GET /files/{var}"].fields["path.1"].specials == "."


ONE_CLIENT = LearnSettings(min_clients=1, min_windows=1)
"""The route-bound tests send each of 600 paths once: support counted in samples alone."""


@pytest.fixture(scope="module")
def crowded() -> Engine:
    """An enforcing engine that learned 600 route templates (the bound is 512)."""
    engine = Engine(settings=ONE_CLIENT)
    paths = [f"/p{i}/q{j}" for i in range(60) for j in range(10)]
    assert feed(engine, [RequestBuilder().get(path).build() for path in paths]) == len(paths)
    engine.learn()
    engine.set_mode(Mode.ENFORCE)
    return engine


def test_routes_beyond_the_bound_fall_into_other(crowded: Engine) -> None:
    policy = crowded.policy
    assert len(policy.routes) == 512 + 1
    other = policy.routes[f"GET {OTHER_ROUTE}"]
    assert other.samples == 600 - 512
    assert other.overflow is not None


def test_a_route_seen_beyond_the_bound_alerts_low() -> None:
    engine = Engine(settings=ONE_CLIENT)
    paths = [f"/p{i}/q{j}" for i in range(60) for j in range(10)]
    feed(engine, [RequestBuilder().get(path).build() for path in paths])
    engine.learn()
    engine.set_mode(Mode.ENFORCE)
    other_key = f"GET {OTHER_ROUTE}"
    beyond = [
        p
        for p in paths
        if engine.inspect_request(RequestBuilder().get(p).build()).route == other_key
    ]
    assert len(beyond) == 600 - 512
    for path in beyond:
        decision = engine.inspect_request(RequestBuilder().get(path).build())
        assert [(a.code, a.severity, a.expected) for a in decision.alerts] == [
            ("V100", L, "a route seen while learning")
        ]
        assert decision.verdict is Verdict.ALERT


@pytest.mark.parametrize(
    ("path", "codes_"),
    [
        pytest.param("/admin/delete_all", ["V100"], id="unseen-route"),
        pytest.param(
            "/files/..%2f..%2fetc%2fpasswd", ["V100", "V101", "V102", "V109"], id="traversal"
        ),
        pytest.param("/users/1'%20or%20'1'='1", ["V100", "V101", "V109"], id="sql-in-a-segment"),
        pytest.param("/x/%2527", ["V100", "V101", "V107"], id="double-encoding"),
    ],
)
def test_an_unseen_route_beyond_the_bound_is_unknown_and_its_segments_are_judged(
    crowded: Engine, path: str, codes_: list[str]
) -> None:
    decision = crowded.inspect_request(RequestBuilder().get(path).build())
    assert decision.route == f"GET {OTHER_ROUTE}"
    assert sorted({a.code for a in decision.alerts}) == codes_
    assert decision.alerts[0].severity is M
    assert decision.verdict is Verdict.BLOCK


def test_the_overflow_filter_survives_the_yaml_and_accumulates(crowded: Engine) -> None:
    back = parse_policy(yaml.safe_load(crowded.policy.to_yaml()))
    assert (
        back.routes[f"GET {OTHER_ROUTE}"].overflow
        == crowded.policy.routes[f"GET {OTHER_ROUTE}"].overflow
    )


def test_tracked_routes_are_bounded() -> None:
    engine = Engine(settings=LearnSettings(bounds=Bounds(max_routes=8)))
    feed(engine, [RequestBuilder().get(f"/r{i}/x").build() for i in range(100)])
    assert len(engine.stats) == 9
    assert engine.stats[f"GET {OTHER_ROUTE}"].n == 92


# Modes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "verdict"),
    [
        pytest.param(Mode.LEARN, Verdict.ALERT, id="learn-never-blocks"),
        pytest.param(Mode.DETECT, Verdict.WOULD_BLOCK, id="detect-would-block"),
        pytest.param(Mode.ENFORCE, Verdict.BLOCK, id="enforce-blocks"),
    ],
)
def test_modes(mode: Mode, verdict: Verdict) -> None:
    engine = trained_engine(mode=mode)
    decision = ask(engine, username="' OR '1'='1")
    assert decision.verdict is verdict
    assert decision.mode is mode
    assert decision.blocked is (verdict is Verdict.BLOCK)
    assert ask(engine, username="tom").verdict is Verdict.ALLOW


def test_a_route_can_enforce_while_the_policy_detects() -> None:
    engine = trained_engine(mode=Mode.DETECT)
    engine.set_mode(Mode.ENFORCE, "GET /users")
    assert ask(engine, username="<script>").verdict is Verdict.BLOCK
    other = engine.inspect_request(RequestBuilder().get("/admin").build())
    assert other.verdict is Verdict.WOULD_BLOCK
    with pytest.raises(KeyError, match="GET /nowhere"):
        engine.set_mode(Mode.ENFORCE, "GET /nowhere")


def test_a_fresh_engine_learns_quietly_but_checks_content() -> None:
    engine = Engine()
    benign = engine.inspect_request(RequestBuilder().get("/anything").query(q="xy").build())
    assert (benign.verdict, benign.alerts, benign.mode) == (Verdict.ALLOW, (), Mode.LEARN)
    assert engine.observe(benign)
    quote = engine.inspect_request(RequestBuilder().get("/anything").query(q="x'y").build())
    assert quote.verdict is Verdict.ALERT
    assert [a.code for a in quote.alerts] == ["V101"]
    assert engine.observe(quote)
    attack = engine.inspect_request(RequestBuilder().get("/anything").query(q="x' OR 1=1").build())
    assert "V109" in {a.code for a in attack.alerts}
    assert not engine.observe(attack)


def test_learning_mode_alerts_on_unknown_routes_once_routes_exist() -> None:
    engine = trained_engine(mode=Mode.LEARN)
    decision = engine.inspect_request(RequestBuilder().get("/admin").build())
    assert (codes(decision), decision.verdict) == (["V100"], Verdict.ALERT)
    assert engine.observe(decision)


# Learning: poisoning, decay, versions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "query", "learned"),
    [
        pytest.param(Mode.ENFORCE, {"username": "' OR '1'='1"}, False, id="enforce-high"),
        pytest.param(Mode.ENFORCE, {"username": "tom", "x": "1"}, False, id="enforce-medium"),
        pytest.param(Mode.DETECT, {"username": "to m"}, False, id="detect-medium"),
        pytest.param(Mode.LEARN, {"username": "<script>"}, False, id="learn-high"),
        pytest.param(Mode.LEARN, {"username": "tom", "page": "2"}, True, id="learn-novel-field"),
        pytest.param(Mode.ENFORCE, {"username": "tomtomtomto"}, True, id="enforce-low-longer"),
        pytest.param(Mode.ENFORCE, {"username": "tom"}, True, id="enforce-clean"),
    ],
)
def test_alerted_exchanges_are_not_learned(
    mode: Mode, query: dict[str, str], learned: bool
) -> None:
    engine = trained_engine(mode=mode, count=60)
    before = {k: v.to_dict() for k, v in engine.stats.items()}
    assert engine.observe(ask(engine, **query)) is learned
    after = {k: v.to_dict() for k, v in engine.stats.items()}
    assert (after == before) is not learned


def test_a_bad_response_keeps_the_exchange_out_of_learning() -> None:
    engine = trained_engine(answer=users_response, mode=Mode.DETECT, count=60)
    decision = engine.inspect_response(ask(engine, username="tom"), response(500, {"e": "x"}))
    assert not engine.observe(decision)


def test_decisions_without_an_exchange_are_not_learned(users: Engine) -> None:
    decision = Decision("GET /users", Mode.LEARN, (), 0, Verdict.ALLOW)
    assert users.observe(decision) is False


def test_criteria_tighten_after_decay_and_relearning() -> None:
    engine = Engine()
    rng = random.Random(3)
    train(engine, 100, make=users_request, seed=1)
    long_names = [RequestBuilder().get("/users").query(username="a" * 40).headers().build()]
    feed(engine, long_names)
    first = engine.learn().routes["GET /users"].fields["query.username"].length
    assert first[1] >= 40
    assert ask(engine, username="a" * 30).alerts == ()
    engine.decay(0.001)
    feed(engine, [users_request(rng) for _ in range(100)], start=100)
    second = engine.learn().routes["GET /users"].fields["query.username"].length
    assert second[1] <= 12
    engine.set_mode(Mode.ENFORCE)
    assert "V104" in codes(ask(engine, username="a" * 30))


def test_rare_special_character_expires() -> None:
    engine = Engine(settings=LearnSettings(decay_per_learn=0.1))
    names = ["o-neil" if i % 6 == 0 and i < 18 else "tom" for i in range(20)]
    feed(
        engine, [RequestBuilder().get("/users").query(username=n).headers().build() for n in names]
    )
    assert engine.learn().routes["GET /users"].fields["query.username"].specials == "-"
    feed(engine, [RequestBuilder().get("/users").query(username="tom").headers().build()] * 20, 20)
    assert engine.learn().routes["GET /users"].fields["query.username"].specials == ""


def test_learn_bumps_the_version_and_keeps_modes() -> None:
    engine = trained_engine(mode=Mode.DETECT, count=40)
    engine.set_mode(Mode.ENFORCE, "GET /users")
    train(engine, 40)
    policy = engine.learn()
    assert policy.version == 2
    assert policy.routes["GET /users"].mode is Mode.ENFORCE


def test_a_learned_policy_survives_its_yaml(users: Engine) -> None:
    assert parse_policy(yaml.safe_load(users.policy.to_yaml())) == users.policy


# Bodies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "rule", "severity", "verdict", "seen"),
    [
        pytest.param(
            BodyState.TRUNCATED,
            "fail-closed",
            C,
            Verdict.BLOCK,
            "more than 1024 bytes",
            id="oversize-closed",
        ),
        pytest.param(
            BodyState.TRUNCATED,
            "fail-open",
            L,
            Verdict.ALERT,
            "more than 1024 bytes",
            id="oversize-open",
        ),
        pytest.param(
            BodyState.UNKNOWN_LENGTH,
            "fail-closed",
            C,
            Verdict.BLOCK,
            "unannounced length",
            id="unknown-closed",
        ),
        pytest.param(
            BodyState.UNKNOWN_LENGTH,
            "fail-open",
            L,
            Verdict.ALERT,
            "unannounced length",
            id="unknown-open",
        ),
    ],
)
def test_body_bounds_fail_open_or_closed_explicitly(
    state: BodyState, rule: str, severity: Severity, verdict: Verdict, seen: str
) -> None:
    body = BodyPolicy(limit_bytes=1024, oversize=rule, unknown_length=rule)  # type: ignore[arg-type]
    engine = trained_engine(body=body, count=40)
    request = (
        RequestBuilder()
        .get("/users")
        .query(username="tom")
        .headers()
        .body(b"x" * 1024)
        .state(state)
        .build()
    )
    decision = engine.inspect_request(request)
    alert = next(a for a in decision.alerts if a.code == "V120")
    assert alert.severity is severity
    assert alert.expected == f"at most 1024 bytes ({rule})"
    assert seen in alert.seen
    assert decision.verdict is verdict
    assert engine.limits.body_bytes == 1024


def test_fail_closed_bodies_are_not_learned_even_while_learning() -> None:
    engine = Engine()
    request = RequestBuilder().post("/up").body(b"x").state(BodyState.TRUNCATED).build()
    decision = engine.inspect_request(request)
    assert [a.severity for a in decision.alerts] == [C]
    assert decision.verdict is Verdict.ALERT
    assert not engine.observe(decision)


def login_request(rng: random.Random) -> Request:
    doc = {
        "user": words(rng),
        "age": rng.randint(18, 90),
        "tags": [words(rng) for _ in range(rng.randint(1, 3))],
        "remember": rng.random() < 0.5,
    }
    return RequestBuilder().post("/login").json(doc).headers().build()


@pytest.fixture(scope="module")
def login() -> Engine:
    return trained_engine(make=login_request)


def post_json(engine: Engine, doc: object) -> Decision:
    return engine.inspect_request(RequestBuilder().post("/login").json(doc).headers().build())


GOOD = {"user": "tom", "age": 30, "tags": ["a"], "remember": True}


def post_encoded(engine: Engine, body: bytes, coding: str) -> Decision:
    request = (
        RequestBuilder()
        .post("/login")
        .body(body, "application/json")
        .header("content-encoding", coding)
        .headers()
        .build()
    )
    return engine.inspect_request(request)


def test_a_gzip_body_is_judged_like_the_plain_one(login: Engine) -> None:
    attack = {**GOOD, "user": "' OR '1'='1"}
    plain = post_json(login, attack)
    packed = post_encoded(login, gzip.compress(orjson.dumps(attack)), "gzip")
    assert packed.verdict is plain.verdict is Verdict.BLOCK
    assert {a.code for a in plain.alerts} <= {a.code for a in packed.alerts}
    benign = post_encoded(login, gzip.compress(orjson.dumps(GOOD)), "gzip")
    assert benign.verdict is not Verdict.BLOCK


@pytest.mark.parametrize(
    ("rule", "severity", "verdict"),
    [("fail-closed", C, Verdict.BLOCK), ("fail-open", L, Verdict.ALERT)],
)
def test_an_undecodable_body_follows_the_policy(
    rule: str, severity: Severity, verdict: Verdict
) -> None:
    engine = trained_engine(make=login_request, body=BodyPolicy(undecodable=rule))  # type: ignore[arg-type]
    decision = post_encoded(engine, orjson.dumps(GOOD), "br")
    alert = next(a for a in decision.alerts if a.code == "V126")
    assert alert.severity is severity
    assert "'br'" in alert.seen
    assert decision.verdict is verdict


def test_json_schema_is_learned_per_path(login: Engine) -> None:
    fields = login.policy.routes["POST /login"].fields
    assert fields["json"].kinds == ["object"]
    assert fields["json.age"].kinds == ["number"]
    assert fields["json.tags"].kinds == ["array"]
    assert fields["json.tags"].length[1] <= 6
    assert fields["json.tags[]"].kinds == ["string"]
    assert fields["json.tags[]"].max_repeat == 3
    assert post_json(login, GOOD).verdict is Verdict.ALLOW


@pytest.mark.parametrize(
    ("doc", "code", "field", "seen"),
    [
        pytest.param({**GOOD, "age": "30"}, "V125", "json.age", "string", id="wrong-type"),
        pytest.param(
            {**GOOD, "user": {"$ne": 1}}, "V125", "json.user", "object", id="operator-injection"
        ),
        pytest.param({**GOOD, "admin": True}, "V110", "json.admin", "json.admin", id="unknown-key"),
        pytest.param({**GOOD, "tags": ["a"] * 50}, "V124", "json.tags", "50", id="long-array"),
        pytest.param({**GOOD, "user": "tom'--"}, "V101", "json.user", "'", id="quote-in-string"),
        pytest.param([GOOD], "V125", "json", "array", id="array-instead-of-object"),
    ],
)
def test_json_deviations(login: Engine, doc: object, code: str, field: str, seen: str) -> None:
    decision = post_json(login, doc)
    alert = next(a for a in decision.alerts if a.code == code and a.field == field)
    assert seen in alert.seen
    assert decision.verdict is Verdict.BLOCK


def test_content_type_change_is_flagged(login: Engine) -> None:
    decision = login.inspect_request(
        RequestBuilder()
        .post("/login")
        .body(b"user=tom", "application/x-www-form-urlencoded")
        .headers()
        .build()
    )
    alert = next(a for a in decision.alerts if a.code == "V123")
    assert (alert.expected, alert.seen, alert.severity) == (
        "application/json",
        "'application/x-www-form-urlencoded'",
        M,
    )


def form_request(rng: random.Random) -> Request:
    return RequestBuilder().post("/search").form(q=words(rng), page=str(rng.randint(1, 9))).build()


BOUNDARY = "b0undary"


def upload_body(title: str, filename: str, ctype: str, size: int, extra: str = "") -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\n{title}\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="avatar"; filename="{filename}"\r\n'
        f"Content-Type: {ctype}\r\n\r\n" + "x" * size + "\r\n",
    ]
    if extra:
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{extra}"\r\n\r\n1\r\n')
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


def upload(
    title: str, filename: str, ctype: str = "image/png", size: int = 500, extra: str = ""
) -> Request:
    body = upload_body(title, filename, ctype, size, extra)
    return (
        RequestBuilder()
        .post("/avatar")
        .body(body, f"multipart/form-data; boundary={BOUNDARY}")
        .build()
    )


def upload_request(rng: random.Random) -> Request:
    return upload(words(rng), f"{words(rng)}.png", size=rng.randint(200, 900))


def test_form_fields_are_learned_and_judged() -> None:
    engine = trained_engine(make=form_request)
    assert sorted(engine.policy.routes["POST /search"].fields) == [
        "form.page",
        "form.q",
        "header.content-type",
    ]
    ok = engine.inspect_request(RequestBuilder().post("/search").form(q="shoes", page="2").build())
    assert ok.verdict is Verdict.ALLOW
    bad = engine.inspect_request(
        RequestBuilder().post("/search").form(q="x' union select", page="2").build()
    )
    assert worst(bad, "V101") is H
    assert bad.alerts[0].field == "form.q"


def test_multipart_field_names_and_file_metadata() -> None:
    engine = trained_engine(make=upload_request)
    fields = engine.policy.routes["POST /avatar"].fields
    assert {
        "multipart.title",
        "multipart.avatar.filename",
        "multipart.avatar.content-type",
        "multipart.avatar.size",
    } <= set(fields)
    assert fields["multipart.avatar.content-type"].enum == ["image/png"]
    assert engine.inspect_request(upload("holiday", "me.png")).verdict is Verdict.ALLOW
    shell = engine.inspect_request(upload("x", "../../shell.php", "application/x-php"))
    assert shell.verdict is Verdict.BLOCK
    by_field = {(a.code, a.field) for a in shell.alerts}
    assert ("V102", "multipart.avatar.filename") in by_field
    assert ("V106", "multipart.avatar.content-type") in by_field
    extra = engine.inspect_request(upload("x", "me.png", extra="is_admin"))
    assert ("V110", "multipart.is_admin") in {(a.code, a.field) for a in extra.alerts}


# Responses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "code", "field", "severity", "seen"),
    [
        pytest.param(
            response(500, {"users": []}), "V130", "response.status", M, "500", id="server-error"
        ),
        pytest.param(
            response(404, {"users": []}), "V130", "response.status", L, "404", id="not-found"
        ),
        pytest.param(
            response(200, {"users": [{"name": "x" * 20, "id": 1}] * 4000}),
            "V131",
            "response.size",
            M,
            "156011",
            id="far-larger",
        ),
        pytest.param(
            response(200, {"users": [{"name": "x", "id": 1, "password": "h"}]}),
            "V110",
            "response.json.users[].password",
            L,
            "password",
            id="unknown-json-field",
        ),
        pytest.param(
            response(200, {"users": [{"name": "x", "id": "1"}]}),
            "V125",
            "response.json.users[].id",
            L,
            "string",
            id="wrong-json-type",
        ),
        pytest.param(
            response(200, {"users": []}, latency_ms=5000.0),
            "V132",
            "response.latency_ms",
            L,
            "5000.0",
            id="slow",
        ),
        pytest.param(
            response(200, {"users": []}, headers=(("x-debug", "1"),)),
            "V110",
            "response.header.x-debug",
            L,
            "x-debug",
            id="new-header",
        ),
    ],
)
def test_response_inspection(  # noqa: PLR0917
    users: Engine, answer: object, code: str, field: str, severity: Severity, seen: str
) -> None:
    decision = users.inspect_response(ask(users, username="tom"), answer)  # type: ignore[arg-type]
    alert = next(a for a in decision.alerts if a.code == code)
    assert (alert.field, alert.severity, alert.route) == (field, severity, "GET /users")
    assert seen in alert.seen


def test_a_normal_response_passes(users: Engine) -> None:
    decision = users.inspect_response(ask(users, username="tom"), users_response(random.Random(9)))
    assert decision.alerts == ()
    assert decision.verdict is Verdict.ALLOW


def test_response_size_bound_is_learned(users: Engine) -> None:
    limit = users.policy.routes["GET /users"].response
    assert limit is not None
    big = response(200, {"users": [{"name": "x" * 200, "id": 1}]})
    decision = users.inspect_response(ask(users, username="tom"), big)
    alert = next(a for a in decision.alerts if a.code == "V131")
    assert alert.expected == f"<= {limit.size[1]} bytes"


def test_responses_of_unknown_routes_are_not_judged(users: Engine) -> None:
    request = users.inspect_request(RequestBuilder().get("/admin").build())
    assert users.inspect_response(request, response(500)).alerts == ()


# Malformed input -------------------------------------------------------------------------------


def _timed(engine: Engine, request: Request) -> Decision:
    started = time.perf_counter()
    decision = engine.inspect_request(request)
    assert time.perf_counter() - started < 5.0
    return decision


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(
            RequestBuilder().get("/users").raw_query("username=%zz%4%"), "V107", id="bad-percent"
        ),
        pytest.param(
            RequestBuilder().get("/users").raw_query("username=%ff%fe%80"),
            "V103",
            id="invalid-utf8-query",
        ),
        pytest.param(RequestBuilder().get("/users/%ff%c0%ae"), "V100", id="invalid-utf8-path"),
        pytest.param(
            RequestBuilder().post("/users").body(b'{"a": ', "application/json"),
            "V113",
            id="invalid-json-unknown-method",
        ),
        pytest.param(
            RequestBuilder()
            .get("/users")
            .query(username="tom")
            .raw_query("&".join(f"k{i}=v" for i in range(10_000))),
            "V122",
            id="10000-query-keys",
        ),
        pytest.param(
            RequestBuilder()
            .get("/users")
            .query(username="tom")
            .headers()
            .header("x-big", "a" * (1 << 20)),
            "V104",
            id="1-mib-new-header",
        ),
        pytest.param(
            RequestBuilder()
            .get("/users")
            .query(username="tom")
            .header("host", "a" * (1 << 20))
            .header("accept", "application/json"),
            "V104",
            id="1-mib-known-header",
        ),
        pytest.param(
            RequestBuilder().get("/users").raw_query("username=" + "%" * 100_000),
            "V104",
            id="100k-percent",
        ),
        pytest.param(RequestBuilder().get("/" + "a/" * 50_000), "V100", id="50000-segments"),
    ],
)
def test_malformed_requests_get_a_decision(
    users: Engine, request_: RequestBuilder, expected: str
) -> None:
    decision = _timed(users, request_.headers().build())
    assert expected in codes(decision), codes(decision)
    assert decision.verdict is Verdict.BLOCK


def test_10000_query_keys_do_bounded_work(users: Engine) -> None:
    query = "username=tom&" + "&".join(f"k{i}=v" for i in range(10_000))
    decision = _timed(users, RequestBuilder().get("/users").raw_query(query).headers().build())
    alert = next(a for a in decision.alerts if a.code == "V122")
    assert (alert.field, alert.severity) == ("query", H)
    assert len(decision.alerts) <= MAX_UNKNOWN_FIELD_ALERTS + 4


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"{bad", {"V121"}, id="invalid-json"),
        pytest.param(b"\xff\xfe{}", {"V121"}, id="invalid-utf8-json"),
        pytest.param(b"[" * 10_000 + b"]" * 10_000, {"V121", "V122"}, id="10000-deep"),
        pytest.param(
            b'{"a":' * 10_000 + b"1" + b"}" * 10_000, {"V121", "V122"}, id="10000-deep-objects"
        ),
        pytest.param(b"[" * 500 + b"]" * 500, {"V122"}, id="500-deep"),
    ],
)
def test_malformed_json_bodies_get_a_decision(
    login: Engine, body: bytes, expected: set[str]
) -> None:
    decision = _timed(
        login, RequestBuilder().post("/login").body(body, "application/json").headers().build()
    )
    assert expected & set(codes(decision)), codes(decision)
    assert decision.verdict is Verdict.BLOCK
    assert "V111" not in codes(decision)


def test_10000_deep_json_reports_nesting(login: Engine) -> None:
    decision = post_json_raw(login, b"[" * 10_000 + b"]" * 10_000)
    alert = next(a for a in decision.alerts if a.code == "V121")
    assert (alert.field, alert.seen, alert.severity) == ("body", "nesting too deep", M)


def post_json_raw(engine: Engine, body: bytes) -> Decision:
    return engine.inspect_request(
        RequestBuilder().post("/login").body(body, "application/json").headers().build()
    )


# Properties ------------------------------------------------------------------------------------

_HEADER_NAME = st.text(
    st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12
).map(str.lower)
_REQUESTS = st.builds(
    Request,
    method=st.one_of(st.sampled_from(["GET", "POST", "PUT", "DELETE"]), st.text(max_size=8)),
    path=st.one_of(
        st.text(max_size=60).map(lambda p: "/" + p),
        st.lists(
            st.sampled_from(["users", "42", "%2e%2e", "%00", "%C0%AE", "\uff1c", "%zz", ""]),
            max_size=6,
        ).map(lambda s: "/" + "/".join(s)),
    ),
    query=st.one_of(
        st.text(max_size=120),
        st.lists(
            st.tuples(st.sampled_from(["username", "q", "%75sername", ""]), st.text(max_size=20)),
            max_size=6,
        ).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
    ),
    headers=st.lists(
        st.tuples(
            st.one_of(
                _HEADER_NAME, st.sampled_from(["cookie", "authorization", "content-type", "host"])
            ),
            st.text(max_size=40),
        ),
        max_size=6,
    ),
    body=st.binary(max_size=200),
    body_state=st.sampled_from(BodyState),
)


def _check_decision(decision: Decision) -> None:
    assert isinstance(decision.verdict, Verdict)
    assert decision.score == sum(
        int(a.severity) for a in decision.alerts if a.severity >= decision.counted
    )
    for alert in decision.alerts:
        assert alert.seen.isprintable(), alert
        assert len(alert.seen) <= 3 * SEEN_LIMIT + 30, alert


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(_REQUESTS)
def test_engine_never_raises_on_arbitrary_requests(users: Engine, request_: Request) -> None:
    decision = users.inspect_request(request_)
    _check_decision(decision)
    _check_decision(users.inspect_response(decision, response(200, {"users": []})))


@settings(max_examples=60, deadline=None)
@given(st.lists(_REQUESTS, min_size=1, max_size=8))
def test_learning_arbitrary_requests_never_raises(requests: list[Request]) -> None:
    engine = Engine()
    for request in requests:
        engine.observe(engine.inspect_request(request))
    engine.learn()
    engine.set_mode(Mode.ENFORCE)
    for request in requests:
        _check_decision(engine.inspect_request(request))


# Immature routes ---------------------------------------------------------------------------


def _engine_with_rare_route() -> Engine:
    """``GET /health`` learned from four requests: four clients, four windows."""
    engine = Engine()
    for i in range(4):
        request = RequestBuilder().get("/health").header("x-client", "curl/8").build()
        engine.observe(engine.inspect_request(stamp(request, i * 5)))
    assert engine.learn().routes["GET /health"].samples == 4
    engine.set_mode(Mode.ENFORCE)
    return engine


def test_a_rarely_seen_route_does_not_block_mere_novelty() -> None:
    engine = _engine_with_rare_route()
    novel = RequestBuilder().get("/health").header("x-client", "Mozilla/5.0 (X11)").build()
    decision = engine.inspect_request(novel)
    assert decision.alerts
    assert decision.verdict is Verdict.ALERT
    assert decision.counted is Severity.HIGH
    assert decision.score == 0


def test_a_rarely_seen_route_still_blocks_high_severity_evidence() -> None:
    engine = _engine_with_rare_route()
    attack = RequestBuilder().get("/health").header("x-client", "curl/8").query(x="1'--").build()
    decision = engine.inspect_request(attack)
    assert decision.verdict is Verdict.BLOCK
    assert {"V101", "V102"} <= {a.code for a in decision.alerts if a.severity >= Severity.HIGH}


def test_a_route_with_its_own_block_score_counts_every_alert() -> None:
    engine = _engine_with_rare_route()
    policy = engine.policy
    routes = dict(policy.routes)
    routes["GET /health"] = routes["GET /health"].model_copy(update={"block_score": 3})
    engine.load(policy.model_copy(update={"routes": routes}))
    novel = RequestBuilder().get("/health").header("x-client", "Mozilla/5.0 (X11)").build()
    assert engine.inspect_request(novel).verdict is Verdict.BLOCK


def test_an_empty_value_is_only_a_length_novelty(users: Engine) -> None:
    decision = ask(users, username="")
    assert decision.verdict is Verdict.ALERT
    assert codes(decision) == ["V104"]


@pytest.mark.parametrize(
    ("username", "verdict"),
    [
        pytest.param("tom", Verdict.ALLOW, id="benign"),
        pytest.param("tom or 1=1", Verdict.BLOCK, id="attack"),
    ],
)
def test_head_is_judged_as_the_get_route(users: Engine, username: str, verdict: Verdict) -> None:
    request = RequestBuilder().method("HEAD", "/users").query(username=username).headers()
    decision = users.inspect_request(request.build())
    assert decision.route == "GET /users"
    assert decision.verdict is verdict


def test_a_method_the_route_never_saw_is_still_unknown(users: Engine) -> None:
    request = RequestBuilder().method("DELETE", "/users").query(username="tom").headers()
    decision = users.inspect_request(request.build())
    assert "V113" in codes(decision)
    assert decision.verdict is Verdict.BLOCK
