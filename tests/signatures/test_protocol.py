"""Protocol attacks in values: request lines, framing header lines, mod_proxy socket targets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.signatures.detection import EVIDENCE_LIMIT, Attack
from vigil.signatures.protocol import MAX_SCAN, detect_protocol
from vigil.signatures.scan import routed

ATTACKS = [
    ("GET http://internal.test/ HTTP/1.1", "request line (GET)"),
    ("GET /admin HTTP/1.2", "request line (GET)"),
    ("  DELETE /users/1 HTTP/1.0\r\nHost: a", "request line (DELETE)"),
    ("x\nPOST / HTTP/1.1", "request line after a line break (POST)"),
    (
        "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: localhost\r\n",
        "request line after a line break (GET)",
    ),
    ("CONNECT internal.test:22 HTTP/1.1", "request line (CONNECT)"),
    ("Transfer-Encoding: chunked", "transfer-encoding header line"),
    (" content-length : 0", "content-length header line"),
    ("unix:" + "A" * 300 + "|http://backend.test/", "unix: socket path then a proxy URL"),
    ("/?unix:/run/php.sock|fcgi://127.0.0.1/", "unix: socket path then a proxy URL"),
]

BENIGN = [
    "I send GET /api HTTP/1.1 and get a 404",
    "get it over http/2",
    "GET /index.html",
    "get /x HTTP/1.1",
    "Please GET me HTTP/1.1 docs",
    "The Content-Length: header tells the size",
    "Content length is 12 kB",
    "unix: the philosophy",
    "unix:/run/app.sock",
    "a|b",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a[:40] for a, _ in ATTACKS])
def test_messages_in_values_are_detected(value: str, reason: str) -> None:
    found = detect_protocol(value)
    assert found is not None, value
    assert found.kind is Attack.PROTOCOL
    assert found.reason == reason
    assert Attack.PROTOCOL in routed(value)


@pytest.mark.parametrize("value", BENIGN)
def test_prose_about_http_passes(value: str) -> None:
    assert detect_protocol(value) is None


_FRAGMENTS = st.sampled_from(
    [
        "GET",
        "POST",
        " ",
        "/",
        "HTTP/1.1",
        "HTTP/2",
        "\r\n",
        "\n",
        "Transfer-Encoding",
        ":",
        "Content-Length",
        "unix:",
        "|",
        "http:",
        "A",
    ]
)
_TEXTS = st.lists(_FRAGMENTS | st.text(max_size=10), max_size=12).map("".join)


@given(_TEXTS)
def test_never_raises_and_the_route_never_hides_a_detection(text: str) -> None:
    found = detect_protocol(text)
    if found is not None:
        assert Attack.PROTOCOL in routed(text)
        assert len(found.evidence) <= EVIDENCE_LIMIT


@given(_TEXTS)
def test_reads_a_bounded_prefix(text: str) -> None:
    padded = text + "x" * MAX_SCAN
    assert detect_protocol(padded) == detect_protocol(padded[:MAX_SCAN])


def test_long_adversarial_values_finish() -> None:
    for text in ("unix:" * 4000, "GET " * 5000, "\n" * 16000 + "GET /"):
        assert detect_protocol(text) is None
