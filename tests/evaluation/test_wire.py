"""Requests as the bytes every compared system receives, read back as the gate reads them."""

from __future__ import annotations

import pytest

from vigil.evaluation.wire import from_wire, to_wire
from vigil.http.model import Request


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            Request("GET", "/a", "b=c", [("host", "shop")]),
            b"GET /a?b=c HTTP/1.1\r\nhost: shop\r\n\r\n",
        ),
        (
            Request("GET", "/a", "", [("user-agent", "curl/8")]),
            b"GET /a HTTP/1.1\r\nuser-agent: curl/8\r\nhost: localhost\r\n\r\n",
        ),
        (
            Request(
                "POST",
                "/f",
                "",
                [("host", "h"), ("content-length", "99"), ("transfer-encoding", "chunked")],
                b"x=1",
            ),
            b"POST /f HTTP/1.1\r\nhost: h\r\ncontent-length: 3\r\n\r\nx=1",
        ),
        (
            Request("POST", "/f", "", [("host", "h")]),
            b"POST /f HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\n\r\n",
        ),
        (
            Request("GET", "/caf\xe9", "", [("host", "h"), ("x-name", "Jos\xe9")]),
            b"GET /caf\xe9 HTTP/1.1\r\nhost: h\r\nx-name: Jos\xe9\r\n\r\n",
        ),
        (
            Request("GET", "/", "", [("host", "h"), ("x-name", "Анна")]),
            b"GET / HTTP/1.1\r\nhost: h\r\nx-name: " + "Анна".encode() + b"\r\n\r\n",
        ),
    ],
)
def test_to_wire(request_: Request, expected: bytes) -> None:
    assert to_wire(request_) == expected


def test_the_bytes_read_back_as_the_request() -> None:
    sent = Request(
        "POST",
        "/tienda1/publico/registro.jsp",
        "",
        [("host", "localhost:8080"), ("cookie", "JSESSIONID=1"), ("content-type", "a/b")],
        b"nombre=Jos%E9&email=a%40b.es",
    )
    read = from_wire(to_wire(sent))
    assert read is not None
    assert (read.method, read.path, read.query, read.body) == (
        sent.method,
        sent.path,
        "",
        sent.body,
    )
    assert read.headers == [*sent.headers, ("content-length", str(len(sent.body)))]


@pytest.mark.parametrize(
    "raw",
    [
        b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nhost: h\r\n",
        b"GET /a b HTTP/1.1\r\n\r\n",
    ],
)
def test_bytes_the_gate_refuses(raw: bytes) -> None:
    assert from_wire(raw) is None
