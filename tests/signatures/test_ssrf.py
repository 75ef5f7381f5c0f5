"""SSRF: every spelling of an internal address in a URL, and public URLs that must pass."""

from __future__ import annotations

import ipaddress

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.ssrf import classify_host, detect_ssrf, parse_ipv4

ATTACKS = [
    ("http://127.0.0.1/admin", "URL to loopback address"),
    ("http://localhost:8080/", "URL to internal host name localhost"),
    ("http://2130706433/", "URL to loopback address"),
    ("http://0177.0.0.1/", "URL to loopback address"),
    ("http://0x7f000001/", "URL to loopback address"),
    ("http://0x7f.1/", "URL to loopback address"),
    ("http://127.1/", "URL to loopback address"),
    ("http://[::1]:8080/", "URL to loopback address"),
    ("http://[::ffff:127.0.0.1]/", "URL to loopback address (inside ::ffff:7f00:1)"),
    ("http://[::ffff:a9fe:a9fe]/", "URL to cloud metadata address (inside ::ffff:a9fe:a9fe)"),
    ("http://169.254.169.254/latest/meta-data/", "URL to cloud metadata address"),
    (
        "http://metadata.google.internal/computeMetadata/v1/",
        "URL to internal host name metadata.google.internal",
    ),
    ("http://10.0.0.5/", "URL to private address"),
    ("http://192.168.1.1:80/", "URL to private address"),
    ("http://100.64.0.1/", "URL to shared (CGNAT) address"),
    ("http://0.0.0.0:6379/", "URL to unspecified address"),
    ("http://evil.test@127.0.0.1/", "URL to loopback address"),
    ("http://127.0.0.1#@evil.test/", "URL to loopback address"),
    ("http://127.0.0.1.nip.io/", "URL to loopback address"),
    (
        "http://redis.default.svc.cluster.local:6379/",
        "URL to internal host name redis.default.svc.cluster.local",
    ),
    ("url=//169.254.169.254/", "URL to cloud metadata address"),
    ("http:\\\\127.0.0.1\\x", "URL to loopback address"),
    ("gopher://x.test:25/_HELO", "gopher: URL"),
    ("dict://x.test:11211/stat", "dict: URL"),
]

BENIGN = [
    "https://example.com/x",
    "http://8.8.8.8/",
    "https://www.google.com/search?q=127.0.0.1",
    "call me on 10.0.0.1",
    "http://192.0.2.1.example.com/",
    "mailto:someone@example.com",
    "version 1.2.3",
    "https://sub.example.org:8443/path?x=1#frag",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_internal_targets_are_detected(value: str, reason: str) -> None:
    found = detect_ssrf(value)
    assert found is not None, value
    assert found.kind is Attack.SSRF
    assert found.reason == reason


@pytest.mark.parametrize("value", BENIGN)
def test_public_urls_and_plain_text_pass(value: str) -> None:
    assert detect_ssrf(value) is None


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("0x7f.0x0.0.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("256.1.1.1", None),
        ("1.2.3.4.5", None),
        ("example", None),
        ("08.1.1.1", None),
    ],
)
def test_ipv4_is_read_as_inet_aton_reads_it(host: str, address: str | None) -> None:
    parsed = parse_ipv4(host)
    assert (str(parsed) if parsed is not None else None) == address


def test_public_hosts_have_no_reason() -> None:
    assert classify_host("example.com") == ""
    assert classify_host("93.184.216.34") == ""
    assert classify_host(str(ipaddress.ip_address("8.8.4.4"))) == ""
