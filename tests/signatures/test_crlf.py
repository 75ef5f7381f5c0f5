"""Header injection: a line break that starts a header, a status line or a body."""

from __future__ import annotations

import pytest

from vigil.signatures.crlf import detect_crlf, detect_crlf_name, detect_path_break
from vigil.signatures.detection import Attack

ATTACKS = [
    ("a\r\nSet-Cookie: sid=1", "line break then a set-cookie header"),
    ("/x\r\nLocation: https://evil.test/", "line break then a location header"),
    ("x\n Content-Length: 0", "line break then a content-length header"),
    ("x\r\nAccess-Control-Allow-Origin: *", "line break then a access-control-allow-origin header"),
    ("x\r\nHTTP/1.1 200 OK", "line break then a status line"),
    ("x\r\n\r\n<html><script>", "blank line then markup"),
    ("x\r\nRemote-Addr: 127.0.0.1", "line break then a remote-addr header"),
    ("x\nX-Originating-IP: 10.0.0.1", "line break then a x-originating-ip header"),
    ("x\r\nTrue-Client-IP: 10.0.0.1", "line break then a true-client-ip header"),
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


@pytest.mark.parametrize(
    ("name", "flagged"),
    [
        ("\r\nRemote-addr: foo.test", True),
        ("x\rrest", True),
        ("a\n", True),
        ("remote-addr", False),
        ("items[0][name]", False),
        ("", False),
    ],
)
def test_any_line_break_in_a_parameter_name_counts(name: str, flagged: bool) -> None:
    found = detect_crlf_name(name)
    assert (found is not None) is flagged
    if found is not None:
        assert found.reason == "line break in a parameter name"


@pytest.mark.parametrize(
    ("path", "flagged"),
    [
        ("/index.php/PHP\ninfo.php", True),
        ("/foo\rbar", True),
        ("/a b/c.html", False),
        ("/", False),
    ],
)
def test_any_line_break_in_the_path_counts(path: str, flagged: bool) -> None:
    found = detect_path_break(path)
    assert (found is not None) is flagged
    if found is not None:
        assert found.reason == "line break in the request path"
