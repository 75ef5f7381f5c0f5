"""Header rules of a forwarding gate: hop-by-hop removal and the X-Forwarded-* family.

A proxy must not forward the headers that describe one connection (RFC 9110 section 7.6.1):
forwarding ``Connection``, ``Transfer-Encoding`` or ``Upgrade`` lets a client steer the
upstream connection, the root of request smuggling. The rules are plain functions over
``(name, value)`` pairs so every adapter and test can use them without a server.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from vigil.http.encoding import DECODABLE

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
"""Headers that describe one connection and are never forwarded."""

MAX_CONNECTION_TOKENS = 32
"""Connection header options honoured; more are ignored (the named headers still drop below)."""

LISTED_CACHE = 256
"""Distinct ``Connection`` values whose parsed option sets are remembered (least recent dropped)."""


def connection_tokens(headers: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Header names listed in ``Connection`` (lower-case), which are hop-by-hop too."""
    tokens: set[str] = set()
    for name, value in headers:
        if name.lower() != "connection":
            continue
        for raw in value.split(",", MAX_CONNECTION_TOKENS)[:MAX_CONNECTION_TOKENS]:
            token = raw.strip().lower()
            if token:
                tokens.add(token)
    return frozenset(tokens)


def end_to_end(
    headers: Iterable[tuple[str, str]], drop: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """``headers`` without hop-by-hop ones, those named in ``Connection`` and ``drop``."""
    pairs = list(headers)
    removed = HOP_BY_HOP | connection_tokens(pairs) | drop
    return [(name, value) for name, value in pairs if name.lower() not in removed]


def end_to_end_lower(
    headers: list[tuple[str, str]], removed: frozenset[str]
) -> list[tuple[str, str]]:
    """:func:`end_to_end` for names already lower-case, with ``removed`` computed once.

    ``removed`` must contain :data:`HOP_BY_HOP`; the names a ``Connection`` header lists are
    added per call. This is the per-request path of the reverse proxy.
    """
    for name, value in headers:
        if name == "connection":
            listed = _listed(value)
            if not listed <= removed:
                removed = removed | listed
    return [(name, value) for name, value in headers if name not in removed]


@functools.lru_cache(maxsize=LISTED_CACHE)
def _listed(value: str) -> frozenset[str]:
    return connection_tokens([("connection", value)])


@functools.lru_cache(maxsize=LISTED_CACHE)
def inspectable_accept_encoding(value: str) -> str | None:
    """``Accept-Encoding`` as forwarded upstream: only the codings the engine can undo.

    The client's ``gzip``, ``deflate`` and ``identity`` offers are kept with their weights;
    ``br``, ``zstd`` and ``*`` are dropped, so a client cannot ask for an answer the gate
    could not inspect. None means the header is dropped (the upstream answers uncoded).
    """
    kept = []
    for item in value.split(",", MAX_CONNECTION_TOKENS)[:MAX_CONNECTION_TOKENS]:
        if item.split(";", 1)[0].strip().lower() in DECODABLE:
            kept.append(item.strip())
    return ", ".join(kept) or None


def narrow_accept_encoding(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Lower-case header pairs with every ``Accept-Encoding`` narrowed by
    :func:`inspectable_accept_encoding` (dropped when nothing is left)."""
    kept: list[tuple[str, str]] = []
    for name, value in headers:
        if name != "accept-encoding":
            kept.append((name, value))
            continue
        offered = inspectable_accept_encoding(value)
        if offered is not None:
            kept.append((name, offered))
    return kept


def join_repeated(
    headers: list[tuple[str, str]], keep: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """Lower-case header pairs with each repeated name joined into its first occurrence.

    Stacks read a repeated header differently: Starlette and aiohttp take the first, gunicorn
    joins them with ``,`` (so Flask reads ``a,b``, and a cookie swallows the next header's
    cookies). Joined once, here, the upstream and the inspection read the same value: ``Cookie``
    with ``; `` (RFC 9113 section 8.2.3), any other name with ``, `` (RFC 9110 section 5.3).
    Names in ``keep`` stay repeated (singletons the gate refuses when repeated). The list is
    returned as is when no name repeats.
    """
    names = [name for name, _ in headers]
    if len(set(names)) == len(names):
        return headers
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name, []).append(value)
    joined: list[tuple[str, str]] = []
    for name, value in headers:
        group = values[name]
        if name in keep or len(group) == 1:
            joined.append((name, value))
        elif group:
            joined.append((name, ("; " if name == "cookie" else ", ").join(group)))
            group.clear()
    return joined


def forwarded_for(existing: str | None, client: str) -> str:
    """The ``X-Forwarded-For`` value with ``client`` appended."""
    if not client:
        return existing or ""
    return f"{existing}, {client}" if existing else client
