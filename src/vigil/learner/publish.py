"""Published policies in memory: what gates fetch, with ETags and a bounded long poll.

Every gate of every service asks for its policy every few seconds, so the answer must cost a
dictionary lookup, not a database read: the newest version of each service is kept here as the
exact bytes served (JSON) and their strong ETag. A gate that already holds that version gets
304; with ``?wait=N`` it is held (at most ``long_poll_seconds``, at most ``waiters`` at once)
until a newer version is published, then answered at once. Publishing swaps the entry and wakes
that service's waiters; it never blocks.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

import orjson

from vigil.behavior.policy import Policy


@dataclass(frozen=True, slots=True)
class Published:
    """One published policy version as served."""

    service: str
    version: int
    etag: str
    """A strong ETag: ``"<version>-<first 16 hex digits of the body's SHA-256>"``."""
    body: bytes
    """The policy as JSON (``Policy.model_dump(mode="json", by_alias=True)``)."""


def policy_json(policy: Policy) -> bytes:
    """The JSON a gate receives for ``policy``."""
    return orjson.dumps(policy.model_dump(mode="json", by_alias=True))


def etag_of(version: int, body: bytes) -> str:
    """The strong ETag of a published body."""
    return f'"{version}-{hashlib.sha256(body).hexdigest()[:16]}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """True when an ``If-None-Match`` header names ``etag`` (or is ``*``)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip().removeprefix("W/")
        if tag in {"*", etag}:
            return True
    return False


class TooManyWaiters(RuntimeError):
    """The bound on long polls held at once is reached."""


class Publications:
    """The newest published policy of each service, and the long polls waiting for the next."""

    def __init__(self, max_waiters: int) -> None:
        self.max_waiters = max_waiters
        self._current: dict[str, Published] = {}
        self._changed: dict[str, asyncio.Event] = {}
        self.waiting = 0
        """Long polls held right now."""

    def get(self, service: str) -> Published | None:
        """The newest published version of ``service``, or None."""
        return self._current.get(service)

    def publish(self, entry: Published) -> bool:
        """Make ``entry`` current (unless a newer one is) and wake its waiters; returns whether."""
        current = self._current.get(entry.service)
        if current is not None and current.version >= entry.version:
            return False
        self._current[entry.service] = entry
        event = self._changed.pop(entry.service, None)
        if event is not None:
            event.set()
        return True

    async def wait_newer(self, service: str, etag: str, seconds: float) -> Published | None:
        """Wait at most ``seconds`` for a version of ``service`` other than ``etag``.

        Returns it, or None when the wait ends first. Raises :class:`TooManyWaiters` at the bound.
        """
        current = self._current.get(service)
        if current is not None and current.etag != etag:
            return current
        if self.waiting >= self.max_waiters:
            raise TooManyWaiters(f"{self.waiting} long polls are held (bound {self.max_waiters})")
        event = self._changed.get(service)
        if event is None:
            event = self._changed[service] = asyncio.Event()
        self.waiting += 1
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            return None
        finally:
            self.waiting -= 1
        newer = self._current.get(service)
        return newer if newer is not None and newer.etag != etag else None

    def services(self) -> list[str]:
        """Services with a published policy."""
        return sorted(self._current)
