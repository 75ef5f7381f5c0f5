"""Shared builders of the behaviour tests: fluent requests and responses, and trained engines.

Everything here is deterministic: benign traffic comes from a seeded ``random.Random``, so a
trained engine is the same on every run and a failing test replays exactly.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterable
from urllib.parse import quote

import orjson

from vigil.behavior.decision import Decision, Mode
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import BodyPolicy, Policy
from vigil.http.model import BodyState, Request, Response

BENIGN_HEADERS: tuple[tuple[str, str], ...] = (
    ("host", "users.example.test"),
    ("accept", "application/json"),
)
"""Headers every generated benign request carries."""


class RequestBuilder:
    """Builds a :class:`Request`; every method returns the builder.

    ``query`` percent-encodes its values like a client does; ``raw_query`` appends text as is,
    for tests that need exact bytes on the wire (``%2527``, ``%zz``...).
    """

    def __init__(self) -> None:
        self._method = "GET"
        self._path = "/"
        self._query: list[str] = []
        self._headers: list[tuple[str, str]] = []
        self._body = b""
        self._state = BodyState.COMPLETE
        self._client = ""
        self._time = 0.0

    def method(self, method: str, path: str) -> RequestBuilder:
        self._method, self._path = method, path
        return self

    def get(self, path: str) -> RequestBuilder:
        return self.method("GET", path)

    def post(self, path: str) -> RequestBuilder:
        return self.method("POST", path)

    def query(self, **values: str) -> RequestBuilder:
        for key, value in values.items():
            self._query.append(f"{quote(key, safe='')}={quote(value, safe='')}")
        return self

    def raw_query(self, text: str) -> RequestBuilder:
        self._query.append(text)
        return self

    def header(self, name: str, value: str) -> RequestBuilder:
        self._headers.append((name.lower(), value))
        return self

    def headers(self, pairs: tuple[tuple[str, str], ...] = BENIGN_HEADERS) -> RequestBuilder:
        for name, value in pairs:
            self.header(name, value)
        return self

    def body(self, data: bytes, content_type: str | None = None) -> RequestBuilder:
        self._body = data
        if content_type is not None:
            self.header("content-type", content_type)
        return self

    def json(self, document: object) -> RequestBuilder:
        return self.body(orjson.dumps(document), "application/json")

    def form(self, **values: str) -> RequestBuilder:
        text = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in values.items())
        return self.body(text.encode(), "application/x-www-form-urlencoded")

    def state(self, state: BodyState) -> RequestBuilder:
        self._state = state
        return self

    def client(self, client: str) -> RequestBuilder:
        self._client = client
        return self

    def at(self, time: float) -> RequestBuilder:
        self._time = time
        return self

    def build(self) -> Request:
        return Request(
            method=self._method,
            path=self._path,
            query="&".join(self._query),
            headers=list(self._headers),
            body=self._body,
            body_state=self._state,
            client=self._client,
            received_at=self._time,
        )


def response(
    status: int = 200,
    document: object | None = None,
    latency_ms: float = 5.0,
    headers: tuple[tuple[str, str], ...] = (),
) -> Response:
    """A response, with a JSON body when ``document`` is given."""
    if document is None:
        return Response(status, list(headers), b"", latency_ms=latency_ms)
    return Response(
        status,
        [("content-type", "application/json"), *headers],
        orjson.dumps(document),
        latency_ms=latency_ms,
    )


def words(rng: random.Random, low: int = 3, high: int = 8) -> str:
    """One lower-case word of ``low`` to ``high`` letters."""
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(low, high)))


def users_request(rng: random.Random) -> Request:
    """A benign ``GET /users?username=<word>`` with the benign headers."""
    return RequestBuilder().get("/users").query(username=words(rng)).headers().build()


def users_response(rng: random.Random) -> Response:
    """What ``GET /users`` normally answers: a small JSON list."""
    return response(200, {"users": [{"name": words(rng), "id": rng.randint(1, 999)}]})


CLIENTS = 8
"""Distinct clients that stamped benign traffic comes from (learning needs K of them)."""
T0 = 1_700_000_000.0
"""When stamped traffic starts (seconds since the epoch)."""
STEP = 120.0
"""Seconds between two stamped requests: five per ten-minute window."""


def stamp(request: Request, index: int) -> Request:
    """Give ``request`` (the ``index``-th of a run) a client and a time, as a gate would.

    Learning counts support in distinct clients and windows: benign traffic comes from
    :data:`CLIENTS` rotating clients, :data:`STEP` seconds apart. A client or time already set
    is kept.
    """
    if not request.client:
        request.client = f"192.0.2.{index % CLIENTS + 1}"
    if not request.received_at:
        request.received_at = T0 + index * STEP
    return request


def feed(engine: Engine, requests: Iterable[Request], start: int = 0) -> int:
    """Judge and observe ``requests`` (stamped); returns how many were learnable."""
    return sum(
        engine.observe(engine.inspect_request(stamp(request, start + i)))
        for i, request in enumerate(requests)
    )


RequestFactory = Callable[[random.Random], Request]
ResponseFactory = Callable[[random.Random], Response]


def train(
    engine: Engine,
    count: int = 200,
    *,
    make: RequestFactory = users_request,
    answer: ResponseFactory | None = None,
    seed: int = 7,
) -> int:
    """Feed ``count`` generated exchanges to ``engine`` (without learning); returns how many it took."""
    rng = random.Random(seed)
    learned = 0
    for index in range(count):
        decision = engine.inspect_request(stamp(make(rng), index))
        if answer is not None:
            decision = engine.inspect_response(decision, answer(rng))
        learned += engine.observe(decision)
    return learned


def trained_engine(
    count: int = 200,
    *,
    make: RequestFactory = users_request,
    answer: ResponseFactory | None = None,
    mode: Mode = Mode.ENFORCE,
    body: BodyPolicy | None = None,
    settings: LearnSettings | None = None,
    seed: int = 7,
) -> Engine:
    """An engine that learned ``count`` benign exchanges, then switched to ``mode``."""
    policy = Policy() if body is None else Policy(body=body)
    engine = Engine(policy=policy, settings=settings or LearnSettings())
    train(engine, count, make=make, answer=answer, seed=seed)
    engine.learn()
    engine.set_mode(mode)
    return engine


def codes(decision: Decision) -> list[str]:
    """The alert codes of a decision, sorted."""
    return sorted(a.code for a in decision.alerts)
