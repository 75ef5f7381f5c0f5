"""The ASGI middleware driven directly with ASGI messages (no server needed)."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest

from tests.gate.conftest import ATTACK, LearningThreads, check_problem, usernames
from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import BodyPolicy, Policy
from vigil.gate.asgi import VigilASGIMiddleware, target_path
from vigil.gate.core import GateCore, LearnEvery
from vigil.gate.logging import GateLog

Message = dict[str, Any]

ONE_CLIENT = LearnSettings(min_clients=1, min_windows=1)
"""These tests send from one client within a second: support is counted in samples alone."""


async def app(scope: Message, receive: Any, send: Any) -> None:
    """A tiny ASGI service: /users answers JSON (500 for ``crash``), /echo counts body bytes."""
    if scope["type"] == "lifespan":
        message = await receive()
        await send({"type": "lifespan.startup.complete"})
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    if scope["path"] == "/echo":
        payload, status = {"size": size}, 200
    else:
        name = dict(
            p.split("=", 1) for p in scope["query_string"].decode().split("&") if "=" in p
        ).get("username")
        payload, status = (
            ({"error": "Traceback: secret"}, 500)
            if name == "crash"
            else ({"users": [{"name": name}]}, 200)
        )
    body = orjson.dumps(payload)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    half = len(body) // 2
    await send({"type": "http.response.body", "body": body[:half], "more_body": True})
    await send({"type": "http.response.body", "body": body[half:], "more_body": False})


async def call(
    middleware: VigilASGIMiddleware,
    path: str,
    *,
    query: str = "",
    body: bytes = b"",
    method: str = "GET",
    chunks: int = 1,
) -> tuple[int, dict[str, str], bytes]:
    headers = [(b"host", b"service.test"), (b"user-agent", b"test/1")]
    if body and chunks == 1:
        headers.append((b"content-length", str(len(body)).encode()))
    if body:
        headers.append((b"content-type", b"text/plain"))
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 5000),
    }
    step = max(1, len(body) // chunks) if body else 1
    parts = [body[i : i + step] for i in range(0, len(body), step)] or [b""]
    messages = [
        {"type": "http.request", "body": p, "more_body": i < len(parts) - 1}
        for i, p in enumerate(parts)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    start = sent[0]
    out_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], out_headers, b"".join(m.get("body", b"") for m in sent[1:])


def gate(policy: Policy | None = None) -> tuple[VigilASGIMiddleware, GateCore, io.StringIO]:
    log = io.StringIO()
    core = GateCore(
        Engine(policy or Policy.model_validate({}), settings=ONE_CLIENT),
        log=GateLog(log),
        learn_every=LearnEvery(None, None),
    )
    return VigilASGIMiddleware(app, core), core, log


async def learn(middleware: VigilASGIMiddleware, core: GateCore, mode: Mode) -> None:
    for name in usernames(80):
        status, _, _ = await call(middleware, "/users", query=f"username={name}")
        assert status == 200
    for size in range(100, 900, 20):
        status, _, body = await call(middleware, "/echo", body=b"a" * size, method="POST")
        assert orjson.loads(body)["size"] == size
    core.learn_now()
    core.engine.set_mode(mode)


async def test_learn_then_enforce() -> None:
    middleware, core, log = gate()
    await learn(middleware, core, Mode.ENFORCE)
    status, headers, body = await call(middleware, "/users", query="username=tom")
    assert status == 200
    assert orjson.loads(body) == {"users": [{"name": "tom"}]}
    assert headers["x-request-id"]
    status, headers, body = await call(middleware, "/users", query=f"username={ATTACK}")
    check_problem(status, headers, body)
    assert '"verdict":"block"' in log.getvalue()


async def test_detect_mode_passes() -> None:
    middleware, core, log = gate()
    await learn(middleware, core, Mode.DETECT)
    status, _, _ = await call(middleware, "/users", query=f"username={ATTACK}")
    assert status == 200
    assert '"verdict":"would-block"' in log.getvalue()


async def test_response_inspection_replaces_a_leaking_answer() -> None:
    middleware, core, _ = gate()
    await learn(middleware, core, Mode.ENFORCE)
    status, headers, body = await call(middleware, "/users", query="username=crash")
    check_problem(status, headers, body, expected=502)
    assert b"Traceback" not in body


@pytest.mark.parametrize(("oversize", "expected"), [("fail-open", 200), ("fail-closed", 403)])
async def test_body_over_bound(oversize: str, expected: int) -> None:
    middleware, core, log = gate(Policy(body=BodyPolicy(limit_bytes=1024, oversize=oversize)))  # type: ignore[call-arg,arg-type]
    await learn(middleware, core, Mode.ENFORCE)
    status, _, body = await call(middleware, "/echo", body=b"a" * 5000, method="POST", chunks=1)
    assert status == expected
    if expected == 200:
        assert orjson.loads(body)["size"] == 5000
    assert '"code":"V120"' in log.getvalue()


async def test_body_replayed_in_pieces() -> None:
    middleware, _core, _ = gate(Policy(body=BodyPolicy(limit_bytes=1024, oversize="fail-open")))  # type: ignore[call-arg]
    status, _, body = await call(middleware, "/echo", body=b"a" * 5000, method="POST", chunks=7)
    assert status == 200
    assert orjson.loads(body)["size"] == 5000


async def test_learning_happens_after_the_response_off_the_event_loop() -> None:
    middleware, core, _ = gate()
    core.learn_every = core.learning.every = LearnEvery(requests=1, seconds=None)  # type: ignore[union-attr]
    threads = LearningThreads(core.engine)
    await call(middleware, "/users", query="username=tom")
    assert threads.learned.wait(10)
    assert threads.observed_on == ["vigil-learning"]
    assert threads.learned_on == ["vigil-learning"]
    learned = core.engine.policy.routes["GET /users"]
    assert learned.response is not None
    assert learned.response.samples == 1
    core.close()


async def test_lifespan_passes_through() -> None:
    middleware, _, _ = gate()
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware({"type": "lifespan"}, receive, send)
    assert sent == [{"type": "lifespan.startup.complete"}]


async def test_engine_accepted_directly() -> None:
    middleware = VigilASGIMiddleware(app, Engine(settings=ONE_CLIENT))
    status, _, _ = await call(middleware, "/users", query="username=tom")
    assert status == 200


@pytest.mark.parametrize(
    ("offered", "forwarded"),
    [(b"gzip, br", b"gzip"), (b"br", None), (b"deflate;q=0.5", b"deflate;q=0.5")],
)
async def test_the_app_is_asked_only_for_codings_the_gate_decodes(
    offered: bytes, forwarded: bytes | None
) -> None:
    seen: list[list[tuple[bytes, bytes]]] = []

    async def recorder(scope: Message, receive: Any, send: Any) -> None:
        seen.append(scope["headers"])
        await app(scope, receive, send)

    middleware = VigilASGIMiddleware(recorder, Engine(settings=ONE_CLIENT))
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/users",
        "raw_path": b"/users",
        "query_string": b"username=tom",
        "headers": [(b"host", b"service.test"), (b"Accept-Encoding", offered)],
        "client": ("127.0.0.1", 5000),
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    await middleware(scope, receive, send)
    values = [v for k, v in seen[0] if k.lower() == b"accept-encoding"]
    assert values == ([] if forwarded is None else [forwarded])


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        pytest.param({"path": "/a/b", "raw_path": b"/a%2Fb"}, "/a%2Fb", id="raw-kept"),
        pytest.param(
            {"path": "/api/a/b", "root_path": "/api", "raw_path": b"/api/a%2Fb"},
            "/api/a%2Fb",
            id="raw-with-root-path",
        ),
        pytest.param(
            {"path": "/a/b", "raw_path": b"/other"}, "/a/b", id="path-wins-when-they-differ"
        ),
        pytest.param({"path": "/caf\u00e9 x"}, "/caf%C3%A9%20x", id="no-raw-path"),
    ],
)
def test_target_path_is_what_the_application_routes_on(scope: Message, path: str) -> None:
    assert target_path(scope) == path


async def test_application_gets_the_headers_the_gate_inspected() -> None:
    """uvicorn appends trailer fields to the scope's list while the body arrives."""
    seen: list[list[tuple[bytes, bytes]]] = []
    scope_headers: list[tuple[bytes, bytes]] = [(b"host", b"h"), (b"x-name", b"Garc\xeda")]
    inspected: list[list[tuple[str, str]]] = []

    async def inner(scope: Message, receive: Any, send: Any) -> None:
        seen.append(list(scope["headers"]))
        await receive()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        scope_headers.append((b"x-user", b"' OR '1'='1"))
        return {"type": "http.request", "body": b"a", "more_body": False}

    async def send(message: Message) -> None:
        return None

    core = GateCore(Engine(), log=GateLog(io.StringIO()))
    original = core.inspect_request

    def spy(request: Any) -> Any:
        inspected.append(list(request.headers))
        return original(request)

    core.inspect_request = spy  # type: ignore[method-assign]
    scope = {"type": "http", "method": "POST", "path": "/", "headers": scope_headers}
    await VigilASGIMiddleware(inner, core)(scope, receive, send)
    assert [name for name, _ in seen[0]] == [b"host", b"x-name", b"x-request-id"]
    assert inspected[0] == [("host", "h"), ("x-name", "Garc\u00eda")]
