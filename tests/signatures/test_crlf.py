"""Header injection: a line break that starts a header, a status line or a body."""

from __future__ import annotations

import pytest

from vigil.signatures.crlf import detect_crlf
from vigil.signatures.detection import Attack

ATTACKS = [
    ("a\r\nSet-Cookie: sid=1", "line break then a set-cookie header"),
    ("/x\r\nLocation: https://evil.test/", "line break then a location header"),
    ("x\n Content-Length: 0", "line break then a content-length header"),
    ("x\r\nAccess-Control-Allow-Origin: *", "line break then a access-control-allow-origin header"),
    ("x\r\nHTTP/1.1 200 OK", "line break then a status line"),
    ("x\r\n\r\n<html><script>", "blank line then markup"),
]

BENIGN = [
    "Dear Sir,\r\nThanks for the parcel.\r\nRegards",
    "line one\nline two: with a colon",
    "Subject: hello",
    "no line break Set-Cookie: x",
    "Note:\nhost names are case-insensitive",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_injections_are_detected(value: str, reason: str) -> None:
    found = detect_crlf(value)
    assert found is not None, value
    assert found.kind is Attack.CRLF
    assert found.reason == reason


@pytest.mark.parametrize("value", BENIGN)
def test_multi_line_text_passes(value: str) -> None:
    assert detect_crlf(value) is None
