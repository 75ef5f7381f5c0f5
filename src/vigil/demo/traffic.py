"""Demo traffic: seeded benign requests to learn from, benign controls and the attacks.

Everything here is deterministic for a given seed, so a demo run (and its test) is repeatable.
Benign traffic looks like the sample service's real clients: user names are short lower-case
words (mostly existing users, some misses), ids are small integers, logins carry JSON, and the
clients vary (browsers, curl, mobile and script user agents, with or without a language).
Attacks use the same client headers as benign traffic, so only their payload differs.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, urlencode

from vigil.demo.sample_service import USERNAMES, password_of

Kind = Literal["benign", "control", "attack"]

HOST = "users.demo.local"
"""The Host header every demo request carries, so the learn and enforce gates (on different
ports) see the same value."""

USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "curl/8.8.0",
    "python-requests/2.32.3",
    "okhttp/4.12.0",
    "Go-http-client/1.1",
)
"""The client population of benign traffic."""

LANGUAGES: tuple[str, ...] = ("en-US,en;q=0.9", "de-DE,de;q=0.8,en;q=0.5", "fr-FR,fr;q=0.9")
ACCEPTS: tuple[str, ...] = ("application/json", "*/*")

OVERSIZED_LENGTH = 5000


@dataclass(frozen=True, slots=True)
class DemoRequest:
    """One HTTP request of the demo, ready to send to any base URL."""

    label: str
    """How the demo's table names it, e.g. ``GET /users?username=' OR '1'='1``."""
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    kind: Kind = "benign"
    note: str = field(default="", compare=False)
    """What the request tries (attacks) or checks (controls)."""

    @property
    def target(self) -> str:
        """Path and percent-encoded query, as a client puts it on the request line."""
        if not self.query:
            return self.path
        return f"{self.path}?{urlencode(self.query, quote_via=quote)}"


CLIENT_HEADER = "x-demo-client"
"""The header naming the simulated client, as an authentication layer would (the demo's gate
counts distinct clients by it)."""
CLIENTS = 24
"""Simulated clients of the benign traffic."""


def client_headers(rng: random.Random) -> tuple[tuple[str, str], ...]:
    """Headers of one client: its id, a user agent, an Accept, sometimes an Accept-Language."""
    headers = [
        ("Host", HOST),
        (CLIENT_HEADER, f"client-{rng.randrange(CLIENTS)}"),
        ("User-Agent", rng.choice(USER_AGENTS)),
        ("Accept", rng.choice(ACCEPTS)),
    ]
    if rng.random() < 0.5:
        headers.append(("Accept-Language", rng.choice(LANGUAGES)))
    return tuple(headers)


def random_word(rng: random.Random) -> str:
    """A short lower-case word of 3 to 10 letters (a user name that may not exist)."""
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10)))


def _login(
    name: str, password: str, headers: tuple[tuple[str, str], ...], kind: Kind
) -> DemoRequest:
    body = json.dumps({"username": name, "password": password}).encode()
    return DemoRequest(
        label=f'POST /login {{"username": "{name}", ...}}',
        method="POST",
        path="/login",
        headers=(*headers, ("Content-Type", "application/json")),
        body=body,
        kind=kind,
    )


def _users(name: str, headers: tuple[tuple[str, str], ...], kind: Kind) -> DemoRequest:
    return DemoRequest(
        label=f"GET /users?username={name}",
        method="GET",
        path="/users",
        query=(("username", name),),
        headers=headers,
        kind=kind,
    )


def benign_request(rng: random.Random) -> DemoRequest:
    """One benign request drawn from the service's normal mix."""
    headers = client_headers(rng)
    roll = rng.random()
    if roll < 0.55:
        name = rng.choice(USERNAMES) if rng.random() < 0.8 else random_word(rng)
        return _users(name, headers, "benign")
    if roll < 0.75:
        user_id = rng.randint(1, len(USERNAMES) + 10)
        return DemoRequest(f"GET /users/{user_id}", "GET", f"/users/{user_id}", headers=headers)
    if roll < 0.90:
        name = rng.choice(USERNAMES)
        password = password_of(name) if rng.random() < 0.7 else password_of(random_word(rng))
        return _login(name, password, headers, "benign")
    return DemoRequest("GET /health", "GET", "/health", headers=headers)


def benign_traffic(count: int, seed: int = 2010) -> Iterator[DemoRequest]:
    """``count`` benign requests, the same ones for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        yield benign_request(rng)


def controls(seed: int = 7) -> list[DemoRequest]:
    """Benign requests sent in enforce mode: every one of them must pass the gate."""
    rng = random.Random(seed)
    out = [_users(name, client_headers(rng), "control") for name in ("alice", "tom", "quentin")]
    out.append(
        DemoRequest("GET /users/7", "GET", "/users/7", headers=client_headers(rng), kind="control")
    )
    out.append(_login("bob", password_of("bob"), client_headers(rng), "control"))
    out.append(
        DemoRequest("GET /health", "GET", "/health", headers=client_headers(rng), kind="control")
    )
    return out


def attacks(seed: int = 11) -> list[DemoRequest]:
    """The attacks of the demo, each with an ordinary client's headers."""
    rng = random.Random(seed)
    payloads = [
        ("tom or 1=1", "SQL injection (boolean, unquoted)"),
        ("' OR '1'='1", "SQL injection (quote breakout: dumps every user)"),
        ("<script>alert(1)</script>", "cross-site scripting"),
        ("../../etc/passwd", "path traversal"),
        (";cat /etc/passwd", "command injection"),
    ]
    out = [
        DemoRequest(
            label=f"GET /users?username={value}",
            method="GET",
            path="/users",
            query=(("username", value),),
            headers=client_headers(rng),
            kind="attack",
            note=note,
        )
        for value, note in payloads
    ]
    out.append(
        DemoRequest(
            label="GET /users?username=tom&debug=true",
            method="GET",
            path="/users",
            query=(("username", "tom"), ("debug", "true")),
            headers=client_headers(rng),
            kind="attack",
            note="unknown query key",
        )
    )
    out.append(
        DemoRequest(
            label=f"GET /users?username=aaaa... ({OVERSIZED_LENGTH} chars)",
            method="GET",
            path="/users",
            query=(("username", "a" * OVERSIZED_LENGTH),),
            headers=client_headers(rng),
            kind="attack",
            note="oversized value",
        )
    )
    return out
