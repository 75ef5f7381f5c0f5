"""The request head sent upstream: framing chosen from the body, line breaks refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from vigil.gate.upstream_connection import UpstreamFailure, encode_request_head


async def _pieces() -> AsyncIterator[bytes]:
    yield b"x"


@pytest.mark.parametrize(
    ("body", "length", "framing", "chunked"),
    [
        (None, None, None, False),
        (b"abc", None, b"Content-Length: 3", False),
        (_pieces(), 10, b"Content-Length: 10", False),
        (_pieces(), None, b"Transfer-Encoding: chunked", True),
    ],
)
def test_framing_follows_the_body(
    body: bytes | AsyncIterator[bytes] | None,
    length: int | None,
    framing: bytes | None,
    chunked: bool,
) -> None:
    head, is_chunked = encode_request_head("POST", "/p?q=1", [("host", "x")], body, length)
    assert head.startswith(b"POST /p?q=1 HTTP/1.1\r\nhost: x\r\n")
    assert head.endswith(b"\r\n\r\n")
    assert is_chunked is chunked
    if framing is None:
        assert b"Content-Length" not in head
        assert b"Transfer-Encoding" not in head
    else:
        assert framing in head


@pytest.mark.parametrize(
    "header",
    [
        ("x-a", "1\r\nInjected: 1"),
        ("x-a", "1\nInjected: 1"),
        ("x-a\r\nInjected", "1"),
        ("x-a", "\r"),
    ],
)
def test_line_breaks_in_a_header_are_refused(header: tuple[str, str]) -> None:
    with pytest.raises(UpstreamFailure) as failure:
        encode_request_head("GET", "/", [("host", "x"), header], None, None)
    assert failure.value.kind == "protocol"
    assert header[0].split("\r")[0] in str(failure.value)
