"""Client identity: peer, X-Forwarded-For behind trusted proxies, or an authentication header."""

from __future__ import annotations

import pytest

from vigil.behavior.identity import (
    IdentityError,
    IdentitySource,
    Source,
    client_digest,
    client_identity,
)

PEER = IdentitySource()
BEHIND_LB = IdentitySource.parse("forwarded", ["10.0.0.0/8", "fd00::/8"])
AUTH = IdentitySource.parse("header", header="X-Authenticated-User")


@pytest.mark.parametrize(
    ("source", "peer", "headers", "expected"),
    [
        pytest.param(PEER, "203.0.113.9", [("x-forwarded-for", "1.1.1.1")], "203.0.113.9",
                     id="peer-ignores-forwarded"),
        pytest.param(BEHIND_LB, "10.0.0.2", [("x-forwarded-for", "198.51.100.7")], "198.51.100.7",
                     id="forwarded-one-hop"),
        pytest.param(BEHIND_LB, "10.0.0.2",
                     [("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.1.1.1")], "198.51.100.7",
                     id="forwarded-spoofed-left-entry-ignored"),
        pytest.param(BEHIND_LB, "10.0.0.2",
                     [("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "198.51.100.7")],
                     "198.51.100.7", id="forwarded-several-headers-are-one-list"),
        pytest.param(BEHIND_LB, "203.0.113.9", [("x-forwarded-for", "6.6.6.6")], "203.0.113.9",
                     id="untrusted-peer-header-ignored"),
        pytest.param(BEHIND_LB, "10.0.0.2", [("x-forwarded-for", "10.3.3.3, 10.1.1.1")],
                     "10.3.3.3", id="all-trusted-leftmost"),
        pytest.param(BEHIND_LB, "10.0.0.2", [], "10.0.0.2", id="forwarded-absent-peer"),
        pytest.param(BEHIND_LB, "10.0.0.2", [("x-forwarded-for", "198.51.100.7:5555")],
                     "198.51.100.7", id="port-stripped"),
        pytest.param(BEHIND_LB, "fd00::1", [("x-forwarded-for", "[2001:db8::7]:443")],
                     "2001:db8::7", id="ipv6-bracketed"),
        pytest.param(BEHIND_LB, "10.0.0.2", [("x-forwarded-for", "junk, 10.1.1.1")], "junk",
                     id="malformed-entry-is-untrusted"),
        pytest.param(AUTH, "10.0.0.2", [("x-authenticated-user", "alice")], "user:alice",
                     id="header"),
        pytest.param(AUTH, "10.0.0.2", [("x-authenticated-user", "  ")], "10.0.0.2",
                     id="header-blank-falls-back-to-peer"),
        pytest.param(AUTH, "10.0.0.2", [], "10.0.0.2", id="header-absent-falls-back-to-peer"),
    ],
)  # fmt: skip
def test_client_identity(
    source: IdentitySource, peer: str, headers: list[tuple[str, str]], expected: str
) -> None:
    assert client_identity(source, peer, headers) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("nobody",), "not one of: peer, forwarded, header", id="unknown-source"),
        pytest.param(("forwarded",), "needs at least one trusted proxy", id="forwarded-no-proxy"),
        pytest.param(("forwarded", ["10.0.0.0/33"]), "'10.0.0.0/33' is not an address",
                     id="bad-cidr"),
        pytest.param(("header",), "needs the header's name", id="header-no-name"),
    ],
)  # fmt: skip
def test_bad_sources_are_clear_errors(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(IdentityError, match=message):
        IdentitySource.parse(*args)  # type: ignore[arg-type]


def test_parse_normalises() -> None:
    source = IdentitySource.parse("header", header=" X-User ")
    assert source.source is Source.HEADER
    assert source.header == "x-user"
    assert BEHIND_LB.trusts("10.200.0.1")
    assert not BEHIND_LB.trusts("not an address")


def test_a_long_chain_of_trusted_addresses_is_read_only_so_far() -> None:
    chain = ", ".join(f"10.0.{i // 250}.{i % 250}" for i in range(5000))
    identity = client_identity(BEHIND_LB, "10.0.0.2", [("x-forwarded-for", "6.6.6.6, " + chain)])
    assert identity == "10.0.19.218"


def test_digests_are_64_bit_stable_and_keyed() -> None:
    assert client_digest("198.51.100.7") == client_digest("198.51.100.7")
    assert client_digest("198.51.100.7") != client_digest("198.51.100.8")
    assert client_digest("a", b"k1") != client_digest("a", b"k2")
    assert 0 <= client_digest("a") < 1 << 64
