"""The WSGI middleware driven directly with environs (no server needed)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

import orjson
import pytest

from tests.gate.conftest import ATTACK, LearningThreads, check_problem, usernames
from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.policy import BodyPolicy, Policy
from vigil.gate.core import GateCore, LearnEvery
from vigil.gate.logging import GateLog
from vigil.gate.wsgi import VigilWSGIMiddleware, request_from_environ
from vigil.http.model import BodyState

ONE_CLIENT = LearnSettings(min_clients=1, min_windows=1)
"""These tests send from one client within a second: support is counted in samples alone."""


class Closing:
    """A response iterable that records whether the server closed it."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.parts)

    def close(self) -> None:
        self.closed = True


CLOSED: list[Closing] = []


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """/users answers JSON (500 for ``crash``); /echo counts body bytes; /lazy starts late."""
    body = environ["wsgi.input"].read()
    if environ["PATH_INFO"] == "/lazy":
        return lazy(start_response)
    if environ["PATH_INFO"] == "/echo":
        payload, status = {"size": len(body)}, "200 OK"
    else:
        name = parse_qs(environ["QUERY_STRING"]).get("username", [""])[0]
        crash = name == "crash"
        payload = {"error": "Traceback: secret"} if crash else {"users": [{"name": name}]}
        status = "500 Internal Server Error" if crash else "200 OK"
    data = orjson.dumps(payload)
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    result = Closing([data[:3], data[3:]])
    CLOSED.append(result)
    return result


def lazy(start_response: Callable[..., Any]) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"late "
    yield b"start"


def environ_for(
    path: str, query: str = "", body: bytes = b"", method: str = "GET", length: bool = True
) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "service.test",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "service.test",
        "HTTP_USER_AGENT": "test/1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
    }
    if body:
        environ["CONTENT_TYPE"] = "text/plain"
        if length:
            environ["CONTENT_LENGTH"] = str(len(body))
        else:
            environ["wsgi.input_terminated"] = True
    return environ


def call(
    middleware: VigilWSGIMiddleware, environ: dict[str, Any]
) -> tuple[int, dict[str, str], bytes]:
    seen: list[Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        seen[:] = [status, headers]
        return lambda _: None

    result = middleware(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(seen[0].split()[0]), {k.lower(): v for k, v in seen[1]}, body


def gate(policy: Policy | None = None) -> tuple[VigilWSGIMiddleware, GateCore, io.StringIO]:
    log = io.StringIO()
    core = GateCore(
        Engine(policy or Policy.model_validate({}), settings=ONE_CLIENT),
        log=GateLog(log),
        learn_every=LearnEvery(None, None),
    )
    return VigilWSGIMiddleware(app, core), core, log


def learn(middleware: VigilWSGIMiddleware, core: GateCore, mode: Mode) -> None:
    for name in usernames(80):
        status, _, _ = call(middleware, environ_for("/users", f"username={name}"))
        assert status == 200
    for size in range(100, 900, 20):
        _, _, body = call(middleware, environ_for("/echo", body=b"a" * size, method="POST"))
        assert orjson.loads(body)["size"] == size
    core.learn_now()
    core.engine.set_mode(mode)


def test_learn_then_enforce() -> None:
    middleware, core, log = gate()
    learn(middleware, core, Mode.ENFORCE)
    status, headers, body = call(middleware, environ_for("/users", "username=tom"))
    assert status == 200
    assert orjson.loads(body) == {"users": [{"name": "tom"}]}
    assert headers["x-request-id"]
    assert CLOSED[-1].closed
    status, headers, body = call(middleware, environ_for("/users", f"username={ATTACK}"))
    check_problem(status, headers, body)
    assert '"verdict":"block"' in log.getvalue()


def test_detect_mode_passes() -> None:
    middleware, core, log = gate()
    learn(middleware, core, Mode.DETECT)
    status, _, _ = call(middleware, environ_for("/users", f"username={ATTACK}"))
    assert status == 200
    assert '"verdict":"would-block"' in log.getvalue()


def test_response_inspection_replaces_a_leaking_answer() -> None:
    middleware, core, _ = gate()
    learn(middleware, core, Mode.ENFORCE)
    status, headers, body = call(middleware, environ_for("/users", "username=crash"))
    check_problem(status, headers, body, expected=502)
    assert b"Traceback" not in body
    assert CLOSED[-1].closed


@pytest.mark.parametrize(("oversize", "expected"), [("fail-open", 200), ("fail-closed", 403)])
def test_body_over_bound(oversize: str, expected: int) -> None:
    middleware, core, log = gate(Policy(body=BodyPolicy(limit_bytes=1024, oversize=oversize)))  # type: ignore[call-arg,arg-type]
    learn(middleware, core, Mode.ENFORCE)
    status, _, body = call(middleware, environ_for("/echo", body=b"a" * 5000, method="POST"))
    assert status == expected
    if expected == 200:
        assert orjson.loads(body)["size"] == 5000
    assert '"code":"V120"' in log.getvalue()


def test_terminated_input_without_length() -> None:
    middleware, _, _ = gate(Policy(body=BodyPolicy(limit_bytes=1024, unknown_length="fail-open")))  # type: ignore[call-arg]
    status, _, body = call(
        middleware, environ_for("/echo", body=b"a" * 5000, method="POST", length=False)
    )
    assert status == 200
    assert orjson.loads(body)["size"] == 5000


def test_lazy_start_response_and_learning_off_the_request_thread() -> None:
    middleware, core, _ = gate()
    core.learn_every = core.learning.every = LearnEvery(requests=1, seconds=None)  # type: ignore[union-attr]
    threads = LearningThreads(core.engine)
    status, _, body = call(middleware, environ_for("/lazy"))
    assert (status, body) == (200, b"late start")
    assert threads.learned.wait(10)
    assert threads.observed_on == ["vigil-learning"]
    assert threads.learned_on == ["vigil-learning"]
    learned = core.engine.policy.routes["GET /lazy"]
    assert learned.response is not None
    assert learned.response.samples == 1
    core.close()


def test_request_target_from_environ() -> None:
    environ = environ_for("/caf\xc3\xa9 x/%41", "a=%zz")
    request = request_from_environ(environ, b"", BodyState.COMPLETE)
    assert request.path == "/caf%C3%A9%20x/%41"
    assert request.query == "a=%zz"
    assert ("host", "service.test") in request.headers


@pytest.mark.parametrize(
    ("raw_uri", "path_info", "path"),
    [
        pytest.param("/a%2Fb?q=1", "/a/b", "/a%2Fb", id="raw-kept-when-it-decodes-to-path-info"),
        pytest.param("http://h.test/a%2Fb", "/a/b", "/a%2Fb", id="absolute-form-raw-kept"),
        pytest.param("/other?q=1", "/a/b", "/a/b", id="path-info-wins-when-they-differ"),
        pytest.param("/s?q=http://x/y", "/s", "/s", id="url-in-query-not-absolute-form"),
    ],
)
def test_request_path_is_what_the_application_routes_on(
    raw_uri: str, path_info: str, path: str
) -> None:
    environ = environ_for(path_info, "q=http://x/y")
    environ["RAW_URI"] = raw_uri
    request = request_from_environ(environ, b"", BodyState.COMPLETE)
    assert (request.path, request.query) == (path, "q=http://x/y")


def test_header_values_are_latin1_text_as_werkzeug_reads_them() -> None:
    environ = environ_for("/", "")
    environ["HTTP_X_NAME"] = "Garc\xeda"
    request = request_from_environ(environ, b"", BodyState.COMPLETE)
    assert ("x-name", "Garc\u00eda") in request.headers


@pytest.mark.parametrize(
    ("offered", "forwarded"),
    [("gzip, br", "gzip"), ("br", None), ("deflate;q=0.5", "deflate;q=0.5")],
)
def test_the_app_is_asked_only_for_codings_the_gate_decodes(
    offered: str, forwarded: str | None
) -> None:
    seen: list[dict[str, Any]] = []

    def recorder(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(dict(environ))
        return app(environ, start_response)

    middleware = VigilWSGIMiddleware(recorder, Engine(settings=ONE_CLIENT))
    environ = environ_for("/users", "username=tom")
    environ["HTTP_ACCEPT_ENCODING"] = offered
    status, _, _ = call(middleware, environ)
    assert status == 200
    assert seen[0].get("HTTP_ACCEPT_ENCODING") == forwarded
