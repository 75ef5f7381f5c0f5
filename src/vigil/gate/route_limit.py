"""A cap on upstream exchanges per route, so one slow endpoint cannot take the whole pool.

The upstream pool is shared by every route: when one endpoint hangs, its requests hold pooled
connections until the read timeout, and with enough of them every other route waits for a
connection and answers 504. Here each route may have at most ``limit`` exchanges with the
upstream at once (from sending the request to the end of the answer's body) and at most
``queue`` more waiting, each for at most the wait the caller allows; beyond that the request
is refused at once with :attr:`~vigil.gate.refusals.Refusal.ROUTE_CONCURRENCY`. A hung route
then holds ``limit`` connections and ``limit + queue`` request slots, and the rest of the pool
serves the other routes.

The route is the gate's resolved route key (``GET /users/{int}``). Paths the policy does not
know resolve to keys an attacker could vary at will, so :func:`route_key` groups them by method
and first path segment. Routes are tracked only while they have exchanges in progress or
waiting, so the table never holds more entries than there are requests in progress.

A route is known only once its request was inspected, which costs about as much as forwarding
it; clients that keep asking a full route would make the gate spend its time on refusals.
:class:`RouteHints` remembers which key a method and raw path resolved to, so a request of a
route that is full (its share and its queue taken) is refused before its body is read and
before it is inspected. The outcome is the one inspection would have led to; only the work is
saved, and the hints are forgotten whenever the policy changes.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Container

from vigil.gate.refusals import Refusal


def route_key(route: str, known: Container[str]) -> str:
    """The key a request's upstream share is counted under.

    ``route`` is the resolved route of the request (``METHOD /template``); a route of the
    policy keeps its key, any other is grouped with the unknown routes under the same first
    path segment: ``GET /slow/x1`` and ``GET /slow/x2`` are both ``GET /slow/*``.
    """
    if route in known:
        return route
    method, _, path = route.partition(" ")
    first = path.split("/", 2)[1] if path.startswith("/") else ""
    return f"{method} /{first}/*" if first else f"{method} /"


class _Route:
    __slots__ = ("active", "waiters")

    def __init__(self) -> None:
        self.active = 0
        self.waiters: deque[asyncio.Future[None]] | None = None
        """Requests waiting for a share, oldest first (None until one waits)."""


class RouteLimiter:
    """At most ``limit`` exchanges per route key at once, and ``queue`` more waiting."""

    def __init__(self, limit: int, queue: int) -> None:
        if limit < 1 or queue < 0:
            raise ValueError(f"route limit must be >= 1 and queue >= 0, got {limit}, {queue}")
        self.limit = limit
        self.queue = queue
        self.saturated = 0
        """Routes with all their shares taken; while there are none, nothing waits or is
        refused, and the forwarder skips the route hints."""
        self._routes: dict[str, _Route] = {}

    def active(self, key: str) -> int:
        """Exchanges of ``key`` in progress."""
        route = self._routes.get(key)
        return route.active if route is not None else 0

    def waiting(self, key: str) -> int:
        """Requests of ``key`` waiting for a share."""
        route = self._routes.get(key)
        return len(route.waiters or ()) if route is not None else 0

    def full(self, key: str) -> bool:
        """Whether a request of ``key`` would be refused at once (share and queue taken)."""
        route = self._routes.get(key)
        return (
            route is not None
            and route.active >= self.limit
            and len(route.waiters or ()) >= self.queue
        )

    def tracked(self) -> int:
        """Route keys with exchanges in progress or waiting."""
        return len(self._routes)

    def try_take(self, key: str) -> bool:
        """Take a share of ``key`` when one is free and nobody waits (no suspension)."""
        route = self._routes.get(key)
        if route is None:
            route = self._routes[key] = _Route()
        elif route.active >= self.limit or route.waiters:
            return False
        route.active += 1
        if route.active == self.limit:
            self.saturated += 1
        return True

    async def acquire(self, key: str, timeout: float) -> Refusal | None:
        """Take one of ``key``'s shares, waiting at most ``timeout`` seconds in its queue.

        Returns None once the share is taken (give it back with :meth:`release`), or why it
        was not: the queue was full, or the wait timed out.
        """
        if self.try_take(key):
            return None
        route = self._routes[key]
        if len(route.waiters or ()) >= self.queue:
            return Refusal.ROUTE_CONCURRENCY
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if route.waiters is None:
            route.waiters = deque()
        route.waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self.release(key)
            else:
                waiter.cancel()
                if route.waiters is not None:
                    route.waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                return Refusal.ROUTE_QUEUE_TIMEOUT
            raise
        return None

    def release(self, key: str) -> None:
        """Give back a share of ``key``: to the next waiter, else to the route."""
        route = self._routes[key]
        waiters = route.waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        if route.active == self.limit:
            self.saturated -= 1
        route.active -= 1
        if route.active == 0:
            del self._routes[key]


ROUTE_HINTS = 4096
"""Bound on remembered (method, raw path) pairs; the hints are emptied when full."""


class RouteHints:
    """The share key each (method, raw path) resolved to under the current policy version."""

    def __init__(self, limit: int = ROUTE_HINTS) -> None:
        self._limit = limit
        self._keys: dict[tuple[str, str], str] = {}
        self._version: int | None = None

    def get(self, method: str, path: str, version: int) -> str | None:
        """The key ``method path`` resolved to last under policy ``version``, if remembered."""
        if version != self._version:
            self._keys.clear()
            self._version = version
            return None
        return self._keys.get((method, path))

    def remember(self, method: str, path: str, version: int, key: str) -> None:
        """Note that ``method path`` resolved to ``key`` under policy ``version``."""
        if version != self._version:
            self._keys.clear()
            self._version = version
        elif len(self._keys) >= self._limit:
            self._keys.clear()
        self._keys[(method, path)] = key

    def __len__(self) -> int:
        return len(self._keys)
