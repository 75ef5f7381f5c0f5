"""Demo traffic: deterministic, realistic benign requests; the attack list; the controls."""

from __future__ import annotations

import json
import re
from collections import Counter

from vigil.demo.sample_service import USERNAMES, password_of
from vigil.demo.traffic import (
    HOST,
    OVERSIZED_LENGTH,
    USER_AGENTS,
    DemoRequest,
    attacks,
    benign_traffic,
    controls,
)

WORD = re.compile(r"[a-z]{3,10}")


def test_benign_traffic_is_deterministic() -> None:
    assert list(benign_traffic(300, seed=1)) == list(benign_traffic(300, seed=1))
    assert list(benign_traffic(300, seed=1)) != list(benign_traffic(300, seed=2))
    assert len(list(benign_traffic(123))) == 123


def test_benign_traffic_covers_every_route_and_many_clients() -> None:
    requests = list(benign_traffic(2000))
    routes = Counter(
        (r.method, "/users/{id}" if r.path.startswith("/users/") else r.path) for r in requests
    )
    assert set(routes) == {
        ("GET", "/users"),
        ("GET", "/users/{id}"),
        ("POST", "/login"),
        ("GET", "/health"),
    }
    assert min(routes.values()) >= 100
    agents = {dict(r.headers)["User-Agent"] for r in requests}
    assert agents == set(USER_AGENTS)
    assert all(dict(r.headers)["Host"] == HOST for r in requests)
    assert all(r.kind == "benign" for r in requests)


def test_benign_usernames_are_short_lowercase_words() -> None:
    names = [dict(r.query)["username"] for r in benign_traffic(2000) if r.path == "/users"]
    assert all(WORD.fullmatch(name) for name in names)
    known = sum(name in USERNAMES for name in names)
    assert 0.6 * len(names) < known < len(names)


def test_logins_carry_json() -> None:
    logins = [r for r in benign_traffic(1000) if r.path == "/login"]
    assert logins
    for request in logins:
        assert request.method == "POST"
        assert ("Content-Type", "application/json") in request.headers
        assert request.body is not None
        body = json.loads(request.body)
        assert set(body) == {"username", "password"}
        assert body["username"] in USERNAMES
    assert any(
        json.loads(r.body or b"")["password"] == password_of(json.loads(r.body or b"")["username"])
        for r in logins
    )


def test_attacks() -> None:
    found = attacks()
    assert all(a.kind == "attack" and a.note for a in found)
    values = [dict(a.query)["username"] for a in found]
    for payload in (
        "tom or 1=1",
        "' OR '1'='1",
        "<script>alert(1)</script>",
        "../../etc/passwd",
        ";cat /etc/passwd",
    ):
        assert payload in values
    unknown = [a for a in found if "debug" in dict(a.query)]
    assert len(unknown) == 1
    assert unknown[0].target == "/users?username=tom&debug=true"
    oversized = [v for v in values if len(v) == OVERSIZED_LENGTH]
    assert oversized == ["a" * OVERSIZED_LENGTH]
    assert attacks() == found


def test_controls_are_benign_known_users() -> None:
    found = controls()
    assert all(c.kind == "control" for c in found)
    names = [dict(c.query)["username"] for c in found if c.path == "/users"]
    assert names
    assert all(name in USERNAMES for name in names)
    assert {c.path for c in found} >= {"/users", "/users/7", "/login", "/health"}


def test_target_percent_encodes_the_query() -> None:
    request = DemoRequest("x", "GET", "/users", query=(("username", "' OR '1'='1"),))
    assert request.target == "/users?username=%27%20OR%20%271%27%3D%271"
    assert DemoRequest("y", "GET", "/health").target == "/health"
