"""Client identity: who showed a request, as learning counts distinct clients.

Learning admits a pattern only after enough distinct clients showed it, so the identity must be
one a client cannot choose freely. Where it comes from depends on the deployment, and is
configured (:class:`IdentitySource`):

- ``peer``: the address of the TCP peer (a gate that clients reach directly);
- ``forwarded``: behind reverse proxies or load balancers, the first address of
  ``X-Forwarded-For`` (read from the right) that is not one of the listed trusted proxies. A
  client can write anything into the header, but only the entries appended by trusted proxies
  are believed; when the peer itself is not a trusted proxy, the header is ignored;
- ``header``: a header set by the authentication layer in front of the service (the user or
  client id it authenticated). The layer must strip that header from what clients send.

The identity is reduced to a keyed 64-bit digest (:func:`client_digest`) before it is counted or
sent to the learner, so addresses and user names are not stored. Pure: the gate adapters call
:func:`client_identity` with the peer address they know.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

IDENTITY_LIMIT = 256
"""Longest identity kept (a longer header value is cut before it is digested)."""

MAX_HOPS = 32
"""``X-Forwarded-For`` entries read from the right at most: a chain of more trusted proxies
than this ends at the last one read."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Source(StrEnum):
    """Where a client's identity is read."""

    PEER = "peer"
    FORWARDED = "forwarded"
    HEADER = "header"


class IdentityError(ValueError):
    """An identity source that cannot be used (a bad CIDR, a missing header name)."""


@dataclass(frozen=True, slots=True)
class IdentitySource:
    """How a gate identifies the client of a request (see the module docstring)."""

    source: Source = Source.PEER
    trusted_proxies: tuple[Network, ...] = ()
    """Networks of the proxies whose ``X-Forwarded-For`` entries are believed (``forwarded``)."""
    header: str = ""
    """Lower-case name of the header the authentication layer sets (``header``)."""
    fallback: Literal["peer"] = "peer"
    """What identifies a request that lacks the header: its peer address."""
    _cache: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(
        cls, source: str, trusted_proxies: Iterable[str] = (), header: str = ""
    ) -> IdentitySource:
        """Build a source from configuration text; errors name the bad value."""
        try:
            kind = Source(source)
        except ValueError:
            known = ", ".join(s.value for s in Source)
            raise IdentityError(f"identity source {source!r} is not one of: {known}") from None
        networks: list[Network] = []
        for cidr in trusted_proxies:
            try:
                networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
            except ValueError:
                raise IdentityError(f"trusted proxy {cidr!r} is not an address or CIDR") from None
        if kind is Source.FORWARDED and not networks:
            raise IdentityError("identity source 'forwarded' needs at least one trusted proxy")
        name = header.strip().lower()
        if kind is Source.HEADER and not name:
            raise IdentityError("identity source 'header' needs the header's name")
        return cls(kind, tuple(networks), name)

    def trusts(self, address: str) -> bool:
        """True when ``address`` belongs to a trusted proxy network."""
        known = self._cache.get(address)
        if known is None:
            parsed = _address(address)
            known = parsed is not None and any(parsed in net for net in self.trusted_proxies)
            if len(self._cache) >= 1024:
                self._cache.clear()
            self._cache[address] = known
        return known


def client_identity(source: IdentitySource, peer: str, headers: Iterable[tuple[str, str]]) -> str:
    """The identity of a request's client under ``source`` (``peer`` is the TCP peer address).

    Headers are ``(lower-case name, value)`` pairs in wire order, several ``X-Forwarded-For``
    headers read as one list.
    """
    if source.source is Source.PEER:
        return peer
    if source.source is Source.HEADER:
        for name, value in headers:
            if name == source.header and value.strip():
                return "user:" + value.strip()[:IDENTITY_LIMIT]
        return peer
    if not source.trusts(peer):
        return peer
    hops: list[str] = []
    for name, value in headers:
        if name == "x-forwarded-for":
            hops.extend(h.strip() for h in value.split(","))
    client = peer
    for hop in reversed(hops[-MAX_HOPS:]):
        address = _strip_port(hop)
        if not address:
            break
        client = address[:IDENTITY_LIMIT]
        if not source.trusts(address):
            break
    return client


def _strip_port(hop: str) -> str:
    """An ``X-Forwarded-For`` entry without its port (``1.2.3.4:80``, ``[::1]:80``)."""
    if hop.startswith("["):
        return hop[1:].split("]", 1)[0]
    if hop.count(":") == 1:
        return hop.split(":", 1)[0]
    return hop


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


DIGEST_BYTES = 8


def client_digest(identity: str, key: bytes = b"") -> int:
    """A keyed 64-bit digest of an identity: what learning counts and the learner receives.

    Gates of one service must share ``key`` so their digests agree; a secret key keeps the
    learner from reversing digests of addresses by trying every address.
    """
    digest = hashlib.blake2b(
        identity.encode("utf-8", "surrogatepass"), digest_size=DIGEST_BYTES, key=key[:64]
    )
    return int.from_bytes(digest.digest(), "big")
