"""Who may open a connection and who may hold a request slot: the listener's admission.

A listener with global bounds only is easy to lock out: 4,096 sockets that never send a byte
fill the connection table, and 1,024 clients trickling request bodies hold every request slot.
This module keeps the bookkeeping that shares those bounds fairly; it is plain data (no sockets,
no clock), so the listener (:mod:`vigil.gate.connection`) calls it and tests drive it directly.

Connections. Each is charged to its client: the peer address, with IPv6 addresses grouped by
their /64 prefix (what one host is normally given). A connection with no request in progress is
*idle* (just accepted and silent, between keep-alive requests, or still sending a head), and
idle ones are kept in the order they became idle. A new connection over its client's cap closes
that client's oldest idle connection, or is refused when the client has none; a new connection
over the global bound closes the oldest idle connection of anyone (as nginx reuses keep-alive
connections when it runs out), or is refused when every connection is busy. Silent sockets
therefore never lock new clients out: they are the first to go.

Request slots. A request holds a slot while its handler runs: at most ``max_in_flight`` in all,
``max_client_in_flight`` per client, and, among requests whose body is still arriving,
``max_receiving``, so slow bodies can never take the slots that requests ready to forward need.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from vigil.gate.refusals import Refusal

C = TypeVar("C")


def client_of(peer: object) -> str:
    """The client key of a socket's peer name: its address, IPv6 grouped by /64.

    An IPv4-mapped IPv6 address counts as its IPv4 address; an unknown peer (a Unix socket)
    is the empty key, which all such connections share.
    """
    if not isinstance(peer, tuple) or not peer:
        return ""
    host = str(peer[0])
    if ":" not in host:
        return host
    try:
        address = ipaddress.IPv6Address(host.split("%", 1)[0])
    except ValueError:
        return host
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, 64), strict=False))


@dataclass(frozen=True, slots=True)
class AdmissionLimits:
    """Bounds shared by all connections of a listener; 0 turns a per-client cap off."""

    max_connections: int = 4096
    max_client_connections: int = 256
    max_in_flight: int = 1024
    max_client_in_flight: int = 64
    max_receiving: int = 512


@dataclass(frozen=True, slots=True)
class Admitted(Generic[C]):
    """The outcome of a new connection: refused (with why) or admitted, and whom it displaced."""

    refusal: Refusal | None
    """None when the connection was admitted."""
    evicted: tuple[C, ...] = ()
    """Idle connections removed from the table to make room; the caller closes them."""


class Admission(Generic[C]):
    """Connections by client, their idle order, and the request slots in use."""

    def __init__(self, limits: AdmissionLimits | None = None) -> None:
        self.limits = limits if limits is not None else AdmissionLimits()
        self.connections: dict[C, str] = {}
        """Every admitted connection and its client."""
        self.in_flight = 0
        """Request slots in use."""
        self.receiving = 0
        """Slots held by requests whose body is still arriving."""
        self._per_client: dict[str, int] = {}
        self._idle: OrderedDict[C, None] = OrderedDict()
        """Idle connections, oldest first (an OrderedDict: taking the oldest of a plain dict
        that keeps losing its first entries rescans the deleted slots, ~10 µs at 4,096)."""
        self._client_idle: dict[str, dict[C, None]] = {}
        """Each client's idle connections, oldest first; kept while the client is connected."""
        self._client_slots: dict[str, int] = {}

    def connect(self, conn: C, client: str) -> Admitted[C]:
        """Admit a new connection (idle until :meth:`busy`), making room when it can."""
        limits = self.limits
        evicted: list[C] = []
        cap = limits.max_client_connections
        if cap and self._per_client.get(client, 0) >= cap:
            oldest = next(iter(self._client_idle.get(client, ())), None)
            if oldest is None:
                return Admitted(Refusal.CLIENT_CONNECTIONS)
            self.disconnect(oldest)
            evicted.append(oldest)
        if len(self.connections) >= limits.max_connections:
            oldest = next(iter(self._idle), None)
            if oldest is None:
                return Admitted(Refusal.CONNECTIONS, tuple(evicted))
            self.disconnect(oldest)
            evicted.append(oldest)
        self.connections[conn] = client
        self._per_client[client] = self._per_client.get(client, 0) + 1
        self.idle(conn)
        return Admitted(None, tuple(evicted))

    def disconnect(self, conn: C) -> None:
        """Forget a connection (closed or evicted); forgetting it twice is harmless."""
        client = self.connections.pop(conn, None)
        if client is None:
            return
        self._not_idle(conn, client)
        left = self._per_client[client] - 1
        if left:
            self._per_client[client] = left
        else:
            del self._per_client[client]
            self._client_idle.pop(client, None)

    def idle(self, conn: C) -> None:
        """``conn`` has no request in progress: it may be closed to make room, oldest first."""
        client = self.connections.get(conn)
        if client is None:
            return
        self._not_idle(conn, client)
        self._idle[conn] = None
        mine = self._client_idle.get(client)
        if mine is None:
            mine = self._client_idle[client] = {}
        mine[conn] = None

    def busy(self, conn: C) -> None:
        """``conn`` has a request in progress: it is never closed to make room."""
        client = self.connections.get(conn)
        if client is not None:
            self._not_idle(conn, client)

    def _not_idle(self, conn: C, client: str) -> None:
        if conn not in self._idle:
            return
        del self._idle[conn]
        del self._client_idle[client][conn]

    def clients(self) -> int:
        """Distinct clients with a connection open."""
        return len(self._per_client)

    def take_slot(self, client: str, *, receiving: bool) -> Refusal | None:
        """Take a request slot for ``client``; ``receiving``: its body is still arriving.

        Returns why no slot was given, or None when one was taken (give it back with
        :meth:`release_slot`).
        """
        limits = self.limits
        if self.in_flight >= limits.max_in_flight:
            return Refusal.IN_FLIGHT
        held = self._client_slots.get(client, 0)
        if limits.max_client_in_flight and held >= limits.max_client_in_flight:
            return Refusal.CLIENT_IN_FLIGHT
        if receiving:
            if limits.max_receiving and self.receiving >= limits.max_receiving:
                return Refusal.RECEIVING
            self.receiving += 1
        self.in_flight += 1
        self._client_slots[client] = held + 1
        return None

    def start(self, conn: C, client: str, *, receiving: bool) -> Refusal | None:
        """``conn`` has a request: it is busy, and takes a slot as :meth:`take_slot` does.

        :meth:`busy` and :meth:`take_slot` in one call, written out: it runs for every request.
        """
        idle = self._idle
        if conn in idle:
            del idle[conn]
            del self._client_idle[client][conn]
        limits = self.limits
        if self.in_flight >= limits.max_in_flight:
            return Refusal.IN_FLIGHT
        slots = self._client_slots
        held = slots.get(client, 0)
        if limits.max_client_in_flight and held >= limits.max_client_in_flight:
            return Refusal.CLIENT_IN_FLIGHT
        if receiving:
            if limits.max_receiving and self.receiving >= limits.max_receiving:
                return Refusal.RECEIVING
            self.receiving += 1
        self.in_flight += 1
        slots[client] = held + 1
        return None

    def done(self, conn: C, client: str, *, receiving: bool) -> None:
        """``conn``'s request gave its slot back; the connection is idle until its next one.

        :meth:`release_slot` and :meth:`idle` in one call, written out like :meth:`start`.
        """
        self.in_flight -= 1
        if receiving:
            self.receiving -= 1
        slots = self._client_slots
        left = slots[client] - 1
        if left:
            slots[client] = left
        else:
            del slots[client]
        if conn in self.connections:
            self._idle[conn] = None
            mine = self._client_idle.get(client)
            if mine is None:
                mine = self._client_idle[client] = {}
            mine[conn] = None

    def body_received(self) -> None:
        """A request holding a slot received the end of its body."""
        self.receiving -= 1

    def release_slot(self, client: str, *, receiving: bool) -> None:
        """Give back a slot; ``receiving``: its body had not ended (no :meth:`body_received`)."""
        self.in_flight -= 1
        if receiving:
            self.receiving -= 1
        left = self._client_slots[client] - 1
        if left:
            self._client_slots[client] = left
        else:
            del self._client_slots[client]
