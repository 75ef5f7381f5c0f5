"""Server-side request forgery: does this URL point inside the cluster or the host?

A service that fetches a URL a client gave it can be made to fetch its own metadata endpoint,
its loopback admin ports or other pods. The detector finds each URL in a value (``scheme://``,
``scheme:\\\\``, or a leading ``//``), takes its host the way the different URL parsers would
(after the last ``@`` of the authority, with the authority cut at ``/``, ``\\``, ``?`` or ``#``,
and again with only ``/`` and ``\\`` cutting it) and classifies each candidate:

* IPv4 in every form ``inet_aton`` accepts: dotted, one decimal integer (``2130706433``),
  octal (``0177.0.0.1``), hex (``0x7f000001``, ``0x7f.1``), short forms (``127.1``);
* IPv6 literals, with IPv4-mapped, NAT64 and 6to4 addresses judged by the IPv4 inside;
* names: ``localhost`` and its subdomains, cloud metadata names, Kubernetes service names
  (``*.svc``, ``*.cluster.local``), and wildcard-DNS names that embed an address
  (``127.0.0.1.nip.io``, ``localtest.me``).

Loopback, private, shared (CGNAT), link-local (incl. ``169.254.169.254``), unspecified and
metadata addresses are internal. Schemes a web client never needs (``gopher``, ``dict``,
``tftp``, ``netdoc``, ``jar``) count whatever the host. A URL to a public host
(``https://example.com``, ``http://8.8.8.8``) and an address outside a URL (``call 10.0.0.1``)
stay clean.
"""

from __future__ import annotations

import ipaddress

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""
MAX_URLS = 16
"""URLs examined in one value."""

RISKY_SCHEMES = frozenset({"gopher", "dict", "tftp", "netdoc", "jar", "ldap", "ldaps", "rmi"})
"""Schemes that reach raw services; a web client has no use for them."""
INTERNAL_NAMES = frozenset(
    {
        "localhost",
        "localhost.localdomain",
        "ip6-localhost",
        "ip6-loopback",
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "kubernetes",
        "kubernetes.default",
        "localtest.me",
        "lvh.me",
        "vcap.me",
    }
)
INTERNAL_SUFFIXES = (
    ".localhost",
    ".svc",
    ".cluster.local",
    ".internal",
    ".localtest.me",
    ".lvh.me",
    ".vcap.me",
)
EMBEDDING_SUFFIXES = (".nip.io", ".xip.io", ".sslip.io", ".traefik.me", ".localh.st")
"""Wildcard DNS services that resolve ``a.b.c.d.<suffix>`` (or ``a-b-c-d``) to that address."""
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("169.254.170.2"),
        ipaddress.ip_address("100.100.100.200"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("192.0.0.192"),
    }
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

ROUTE = r":[\\/]|\A//|[\s\"'=(]//"
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""
_URL = Pattern("(?i)" + r"(?:\b([a-z][a-z0-9+.-]{1,15}):[\\/]{1,2}|(?:^|[\s\"'=(])(//))")
_AUTHORITY_END = Pattern(r"[/\\?#\s\"'<>]")
_PATH_END = Pattern(r"[/\\\s\"'<>]")
_PART = Pattern("(?i)" + r"0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*")


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``host`` read as ``inet_aton`` reads it (decimal, octal, hex, 1 to 4 parts), or None."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if not part or _PART.fullmatch(part) is None:
            return None
        lower = part.lower()
        if lower.startswith("0x"):
            numbers.append(int(lower[2:] or "0", 16))
        elif len(lower) > 1 and lower.startswith("0"):
            numbers.append(int(lower, 8))
        else:
            numbers.append(int(lower))
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    value = last
    for i, n in enumerate(head):
        value |= n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if host.startswith("[") and host.endswith("]"):
        literal = host[1:-1].split("%", 1)[0]
        try:
            return ipaddress.IPv6Address(literal)
        except ValueError:
            return None
    return parse_ipv4(host)


def internal_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why ``address`` is internal (empty when it is public)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address in _NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            reason = internal_reason(inner)
            return f"{reason} (inside {address.compressed})" if reason else ""
    if address in METADATA_ADDRESSES:
        return "cloud metadata address"
    if address.is_loopback:
        return "loopback address"
    if address.is_link_local:
        return "link-local address"
    if address.is_unspecified:
        return "unspecified address"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "shared (CGNAT) address"
    if address.is_private:
        return "private address"
    return ""


def _embedded(name: str) -> str:
    for suffix in EMBEDDING_SUFFIXES:
        if name.endswith(suffix):
            label = name[: -len(suffix)]
            candidates = [label.rsplit(".", 4)[-4:], label.rsplit(".", 1)[-1].split("-")[-4:]]
            for parts in candidates:
                address = parse_ipv4(".".join(parts)) if len(parts) == 4 else None
                if address is not None:
                    return internal_reason(address)
    return ""


def classify_host(host: str) -> str:
    """Why ``host`` (a URL's host, port removed) is internal, or an empty string."""
    name = host.strip().rstrip(".").lower()
    if not name:
        return ""
    address = _address(name)
    if address is not None:
        return internal_reason(address)
    if name in INTERNAL_NAMES:
        return f"internal host name {name}"
    if name.endswith(INTERNAL_SUFFIXES):
        return f"internal host name {name}"
    return _embedded(name)


def _hosts(rest: str) -> list[str]:
    """Candidate hosts of the authority at the start of ``rest`` (after ``scheme://``)."""
    hosts: list[str] = []
    for ender in (_AUTHORITY_END, _PATH_END):
        cut = ender.search(rest)
        authority = rest[: cut.start()] if cut else rest[:256]
        host = authority.rsplit("@", 1)[-1]
        if host.startswith("["):
            host = host[: host.find("]") + 1] if "]" in host else host
        elif host.count(":") == 1:
            host = host.split(":", 1)[0]
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def detect_ssrf(text: str) -> Detection | None:
    """A :class:`Detection` when a URL in ``text`` targets an internal host or a raw service."""
    if "/" not in text and "\\" not in text:
        return None
    value = text[:MAX_SCAN]
    for count, url in enumerate(_URL.finditer(value)):
        if count >= MAX_URLS:
            break
        scheme = (url.group(1) or "").lower()
        if scheme in RISKY_SCHEMES:
            return Detection(Attack.SSRF, f"{scheme}: URL", excerpt(value, url.start()))
        for host in _hosts(value[url.end() : url.end() + 512]):
            reason = classify_host(host)
            if reason:
                return Detection(Attack.SSRF, f"URL to {reason}", excerpt(value, url.start()))
    return None
