"""Raw HTTP/1.1 requests, byte for byte, and their answers.

Parser differentials live in bytes that ordinary clients never send (two boundaries, a
trailer, a header name with an underscore), so requests are written by hand here and sent on a
plain socket; answers are read by the standard library's response parser.
"""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any

import orjson

from tests.differential.echo import ECHO_HEADER

TIMEOUT = 30.0
"""Seconds a request may take end to end (connect, send, answer)."""

HeaderValue = str | bytes


def _bytes(value: HeaderValue) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def build(
    method: str,
    target: str | bytes,
    headers: list[tuple[str, HeaderValue]] | None = None,
    body: bytes = b"",
    *,
    request_id: str,
    chunked: bool = False,
    trailers: list[tuple[str, HeaderValue]] | None = None,
    version: str = "1.1",
) -> bytes:
    """The bytes of one request.

    ``Host``, ``x-request-id`` and ``Connection: close`` are added unless ``headers`` carries
    them; ``Content-Length`` is added for a body unless ``headers`` frames it or ``chunked``.
    """
    pairs = list(headers or [])
    names = {name.lower() for name, _ in pairs}
    if "host" not in names and version == "1.1":
        pairs.insert(0, ("Host", "app.test"))
    pairs.append(("x-request-id", request_id))
    if "connection" not in names:
        pairs.append(("Connection", "close"))
    framed = names & {"content-length", "transfer-encoding"}
    if chunked and not framed:
        pairs.append(("Transfer-Encoding", "chunked"))
    elif body and not framed:
        pairs.append(("Content-Length", str(len(body))))
    head = b"%s %s HTTP/%s\r\n" % (method.encode(), _bytes(target), version.encode())
    head += b"".join(b"%s: %s\r\n" % (_bytes(k), _bytes(v)) for k, v in pairs)
    if not chunked:
        return head + b"\r\n" + body
    payload = (b"%x\r\n%s\r\n" % (len(body), body)) if body else b""
    tail = b"".join(b"%s: %s\r\n" % (_bytes(k), _bytes(v)) for k, v in trailers or [])
    return head + b"\r\n" + payload + b"0\r\n" + tail + b"\r\n"


@dataclass(frozen=True)
class Reply:
    """One answer: status, headers (lower-case names, last value kept) and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def echo(self) -> dict[str, Any] | None:
        """The echo application's document, when the application answered."""
        if self.headers.get(ECHO_HEADER) != "1":
            return None
        document: dict[str, Any] = json.loads(self.body)
        return document

    @property
    def problem_type(self) -> str | None:
        """The ``type`` of a problem+json answer (the gate's own answers), else None."""
        if not self.headers.get("content-type", "").startswith("application/problem+json"):
            return None
        kind: str = orjson.loads(self.body).get("type", "")
        return kind.rsplit("/", 1)[-1]


def send(port: int, raw: bytes, timeout: float = TIMEOUT) -> Reply:
    """Send ``raw`` to 127.0.0.1:``port`` and read one answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock)
        try:
            response.begin()
            body = response.read()
        except (http.client.IncompleteRead, ConnectionResetError) as exc:
            return Reply(0, {}, repr(exc).encode())
        except http.client.RemoteDisconnected:
            return Reply(0, {}, b"closed without an answer")
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Reply(response.status, headers, body)
