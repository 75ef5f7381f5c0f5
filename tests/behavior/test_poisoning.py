"""Learning an attacker cannot steer: issue 8's attacks, each end to end through the Engine.

Benign traffic comes from eight rotating clients, two minutes apart (``builders.stamp``); the
attacker is one client (or, where said, a burst of many) sending in the same windows. Every test
learns as a gate does (observe, learn, maybe again), then switches to enforce mode and checks
what the attacker's traffic became.
"""

from __future__ import annotations

import random

import orjson

from vigil.behavior.decision import Decision, Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.sample import ExchangeSample
from vigil.behavior.snapshot import decode_statistics
from vigil.behavior.statistics import Bounds
from vigil.http.model import Request

from .builders import STEP, T0, RequestBuilder, feed, stamp, users_request, words

ATTACKER = "203.0.113.66"


def attacker(request: Request, index: int, client: str = ATTACKER) -> Request:
    """The ``index``-th request of the attacker: its own client, in the benign traffic's windows."""
    request.client = client
    request.received_at = T0 + index * STEP
    return request


def benign(engine: Engine, count: int = 200, start: int = 0) -> None:
    rng = random.Random(start)
    feed(engine, [users_request(rng) for _ in range(count)], start)


def get(engine: Engine, path: str, **query: str) -> Decision:
    return engine.inspect_request(RequestBuilder().get(path).query(**query).headers().build())


def enforce(engine: Engine) -> Engine:
    engine.set_mode(Mode.ENFORCE)
    return engine


# A scanner pass while learning never becomes a route --------------------------------------------


SCANS = ("/admin", "/items/1/../../etc/passwd", "/.git/config", "/wp-login.php")


def test_a_scanner_pass_while_learning_never_becomes_a_route() -> None:
    engine = Engine()
    benign(engine)
    for i in range(400):
        path = SCANS[i % len(SCANS)]
        engine.observe(engine.inspect_request(attacker(RequestBuilder().get(path).build(), i)))
    policy = engine.learn()
    assert set(policy.routes) == {"GET /users"}
    enforce(engine)
    for path in SCANS:
        decision = engine.inspect_request(RequestBuilder().get(path).headers().build())
        assert decision.verdict is Verdict.BLOCK, path


def test_a_traversal_path_is_never_learned_even_from_many_clients() -> None:
    engine = Engine()
    benign(engine)
    requests = [RequestBuilder().get("/items/1/../../etc/passwd").build() for _ in range(50)]
    assert feed(engine, requests) == 0
    assert "GET /items/{int}/../../etc/passwd" not in enforce_after_learning(engine).routes


def enforce_after_learning(engine: Engine) -> object:
    policy = engine.learn()
    enforce(engine)
    return policy


def test_a_scan_from_a_burst_of_many_clients_is_not_a_route_either() -> None:
    engine = Engine()
    benign(engine)
    burst = [
        attacker(RequestBuilder().get("/admin").build(), 0, client=f"198.18.0.{i}")
        for i in range(200)
    ]
    feed(engine, burst)
    assert "GET /admin" not in engine.learn().routes


def test_one_scanners_thousand_paths_do_not_fold_the_routes_into_one() -> None:
    engine = Engine()
    rng = random.Random(5)
    paths = ["/users", "/orders", "/health"]
    feed(engine, [RequestBuilder().get(paths[i % 3]).build() for i in range(90)])
    scan = [attacker(RequestBuilder().get("/" + words(rng, 6, 12)).build(), i) for i in range(1000)]
    feed(engine, scan)
    policy = engine.learn()
    assert set(policy.routes) == {"GET /users", "GET /orders", "GET /health"}


# Injection sent before the first learning run ---------------------------------------------------


INJECTIONS = (
    "' OR '1'='1",
    "tom' UNION SELECT password FROM users --",
    "1; DROP TABLE users",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
)


def test_injection_before_the_first_learning_run_is_not_learned() -> None:
    engine = Engine()
    for i in range(20):
        payload = INJECTIONS[i % len(INJECTIONS)]
        request = RequestBuilder().get("/users").query(username=payload).headers().build()
        decision = engine.inspect_request(stamp(request, 1000 + i))
        assert decision.alerts, payload
        assert not engine.observe(decision), payload
    benign(engine)
    learned = engine.learn().routes["GET /users"].fields["query.username"]
    assert learned.specials == ""
    enforce(engine)
    for payload in INJECTIONS:
        assert get(engine, "/users", username=payload).verdict is Verdict.BLOCK, payload


def test_a_special_character_many_clients_use_is_learned_but_not_one_clients() -> None:
    engine = Engine()
    rng = random.Random(6)
    addresses = [
        RequestBuilder().post("/address").form(street=f"Carrer d'{words(rng)} {i}").build()
        for i in range(40)
    ]
    feed(engine, addresses)
    semicolon = [
        attacker(RequestBuilder().post("/address").form(street=f"x;{i}").build(), i)
        for i in range(300)
    ]
    feed(engine, semicolon)
    street = engine.learn().routes["POST /address"].fields["form.street"]
    assert "'" in street.specials
    assert ";" not in street.specials
    enforce(engine)
    benign = RequestBuilder().post("/address").form(street="Carrer d'Aragó 7").build()
    assert engine.inspect_request(benign).verdict is not Verdict.BLOCK
    for attack in ("x;1", "x' OR '1'='1"):
        request = RequestBuilder().post("/address").form(street=attack).build()
        assert engine.inspect_request(request).verdict is Verdict.BLOCK, attack


# Medium novelty from one client is not ratcheted in ---------------------------------------------


RATCHET = (
    "x",
    "x UNION",
    "x UNION SELECT",
    "x UNION SELECT password",
    "x UNION SELECT password FROM users",
)


def test_medium_novelty_from_one_client_is_never_ratcheted_in() -> None:
    engine = Engine()
    benign(engine)
    engine.learn()
    index = 200
    for step in RATCHET:
        attempts = [
            attacker(RequestBuilder().get("/users").query(username=step).headers().build(), i)
            for i in range(index, index + 60)
        ]
        feed(engine, attempts)
        index += 60
        engine.learn()
    username = engine.policy.routes["GET /users"].fields["query.username"]
    assert "space" not in username.classes
    assert "upper" not in username.classes
    enforce(engine)
    assert get(engine, "/users", username=RATCHET[-1]).verdict is Verdict.BLOCK


def test_ten_thousand_requests_with_a_new_key_from_one_client_are_never_learned() -> None:
    engine = Engine()
    benign(engine)
    engine.learn()
    attempts = [
        attacker(
            RequestBuilder().get("/users").query(username="tom", role="admin").headers().build(), i
        )
        for i in range(10_000)
    ]
    assert feed(engine, attempts) == 10_000
    assert "query.role" not in engine.learn().routes["GET /users"].fields
    enforce(engine)
    assert get(engine, "/users", username="tom", role="admin").verdict is Verdict.BLOCK


# Rarely used routes still mature ----------------------------------------------------------------


def test_a_route_used_once_per_learning_run_matures_despite_decay() -> None:
    engine = Engine()
    rng = random.Random(9)
    for run in range(30):
        benign(engine, 20, start=run * 40)
        document = {"name": words(rng), "age": 30}
        request = RequestBuilder().post("/profile").json(document).client(f"10.1.0.{run}").build()
        feed(engine, [request], start=run * 40 + 20)
        engine.learn()
    route = engine.policy.routes["POST /profile"]
    assert route.samples == 30
    assert engine.stats["POST /profile"].n < 20
    enforce(engine)
    attacks = {
        "mass-assignment": {"name": "bob", "age": 30, "is_admin": True},
        "operator": {"name": {"$ne": None}, "age": 30},
        "wrong-type": {"name": "bob", "age": "30"},
    }
    for label, document in attacks.items():
        decision = engine.inspect_request(RequestBuilder().post("/profile").json(document).build())
        assert decision.verdict is Verdict.BLOCK, label
    nan = RequestBuilder().post("/profile").body(b'{"name": "bob", "age": NaN}', "application/json")
    assert engine.inspect_request(nan.build()).verdict is Verdict.BLOCK
    for label, document in attacks.items():
        utf16 = orjson.dumps(document).decode().encode("utf-16")
        encoded = RequestBuilder().post("/profile").body(utf16, "application/json").build()
        assert engine.inspect_request(encoded).verdict is Verdict.BLOCK, f"utf-16 {label}"


# A route first learned from one request does not freeze -----------------------------------------


def test_a_route_first_seen_in_one_request_is_not_frozen_on_it() -> None:
    engine = Engine()
    first = RequestBuilder().get("/search").query(q="abc").headers().build()
    feed(engine, [first])
    policy = engine.learn()
    assert "GET /search" not in policy.routes
    rng = random.Random(4)
    later = [
        RequestBuilder()
        .get("/search")
        .query(q=f"{words(rng)}-{rng.randint(1, 99)}")
        .headers()
        .build()
        for _ in range(60)
    ]
    assert feed(engine, later, start=1) == 60
    learned = engine.learn().routes["GET /search"].fields["query.q"]
    assert learned.specials == "-"
    enforce(engine)
    assert get(engine, "/search", q="walnut-42").verdict is Verdict.ALLOW


# Statistics survive a restart -------------------------------------------------------------------


def test_statistics_survive_a_restart_through_their_snapshot() -> None:
    engine = Engine()
    benign(engine, 470)
    engine.learn()
    saved = engine.export_statistics()
    restarted = Engine(engine.policy)
    restarted.import_statistics(saved)
    assert restarted.stats["GET /users"].n == engine.stats["GET /users"].n
    benign(restarted, 30, start=470)
    assert restarted.learn().routes["GET /users"].samples == 500


# Memory and policy size are bounded globally ----------------------------------------------------


def crafted_scan(count: int = 200, fields: int = 256) -> list[Request]:
    """``count`` requests to new paths with ``fields`` parameters each, from one client."""
    return [
        attacker(
            RequestBuilder()
            .get(f"/crafted/{words(random.Random(i), 8, 12)}")
            .query(**{f"p{i}_{j}": "v" * 8 for j in range(fields)})
            .build(),
            i,
        )
        for i in range(count)
    ]


def test_crafted_requests_with_new_paths_and_many_fields_fill_a_fixed_budget() -> None:
    settings = LearnSettings(bounds=Bounds(max_fields=2048, fields_new_route=32))
    engine = Engine(settings=settings)
    benign(engine)
    feed(engine, crafted_scan())
    statistics = engine.collector.statistics
    assert statistics.fields <= 2048
    assert statistics.dropped_fields > 0
    policy = engine.learn()
    assert set(policy.routes) == {"GET /users"}
    assert len(policy.to_yaml()) < 20_000
    snapshot = engine.export_statistics()
    assert len(snapshot) < 8 << 20
    assert decode_statistics(snapshot).fields == engine.collector.statistics.fields


def test_crafted_requests_from_many_clients_still_cannot_grow_the_policy_past_its_bound() -> None:
    settings = LearnSettings(max_policy_fields=500)
    engine = Engine(settings=settings)
    scan = crafted_scan(60, 64)
    for i, request in enumerate(scan):
        request.client = f"198.18.{i % 7}.1"
        request.received_at = T0 + (i % 5) * 600
    for copy in range(4):
        for request in scan:
            engine.observe(engine.inspect_request(request))
        assert copy >= 0
    policy = engine.learn()
    assert sum(len(route.fields) for route in policy.routes.values()) <= 500


def test_samples_keep_no_secret_values() -> None:
    engine = Engine()
    request = RequestBuilder().post("/login").form(user="tom", password="hunter2").build()
    decision = engine.inspect_request(stamp(request, 0))
    sample = engine.collector.sample(decision)
    assert isinstance(sample, ExchangeSample)
    values = {f.path: f.value for f in sample.fields}
    assert values["form.user"] == "tom"
    assert values["form.password"] is None
