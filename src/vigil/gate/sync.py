"""The gate's link to the learner: observations out, the service's policy in, off the request path.

A :class:`LearnerSync` runs on a thread of its own with its own event loop and aiohttp client,
so nothing it does (a learner that refuses connections, hangs mid-answer or answers garbage) can
reach the adapter's loop or request threads: they only append to the bounded observation and
alert buffers and read the policy in use. Two tasks run there:

- the sender takes up to ``batch_size`` observations every ``flush_seconds`` (or as soon as a
  batch is full), turns them into samples (the engine's collector digests each client with the
  service's key, as local learning does) and posts them as one
  :class:`~vigil.behavior.wire.ObservationBatch` with the alerts waiting, under an
  ``Idempotency-Key``; a failed post is retried with the same key after a backoff with full
  jitter (capped at ``backoff_max``), so the learner counts it once. While the learner is away
  the buffer fills to its bound, then new observations are dropped and counted;
- the follower long-polls the service's policy with ``If-None-Match``; a new version is
  validated and swapped in (and written to the policy file as the last known policy, never over
  an operator's edit); an invalid one is refused once (its ETag is remembered, so the next poll
  waits for a newer version) and the last good policy stays in use.

Every call has a connect timeout and a read timeout (a long poll's read timeout adds its wait).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from vigil.behavior.decision import Decision, Verdict
from vigil.behavior.policy import Policy, PolicyError, parse_policy
from vigil.behavior.wire import AlertWire, encode_batch
from vigil.gate.config import LearnerLink
from vigil.gate.core import GateCore
from vigil.gate.observations import Pending
from vigil.inspection.alerts import Severity

ALERTS_BOUND = 1000
"""Alert records held for the learner; more are dropped and counted."""
STOP_FLUSH_SECONDS = 5.0
"""At stop, how long the last observations may take to reach the learner."""
BACKOFF_BASE = 0.5
"""First backoff step in seconds (doubled per failure, capped at ``backoff_max``)."""


class AlertBuffer:
    """Alert records waiting for the learner: bounded, drops counted, thread-safe appends."""

    def __init__(self, bound: int = ALERTS_BOUND) -> None:
        self.bound = bound
        self._items: deque[dict[str, Any]] = deque()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def offer(self, record: dict[str, Any]) -> bool:
        """Append one record; False (counted) when full."""
        if len(self._items) >= self.bound:
            self.dropped += 1
            return False
        self._items.append(record)
        return True

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` records, oldest first."""
        taken: list[dict[str, Any]] = []
        for _ in range(min(limit, len(self._items))):
            try:
                taken.append(self._items.popleft())
            except IndexError:
                break
        return taken


def backoff(attempt: int, cap: float, rng: random.Random) -> float:
    """Full jitter: a uniform pause in ``[0, min(cap, BACKOFF_BASE * 2**attempt)]``."""
    return rng.uniform(0.0, min(cap, BACKOFF_BASE * (2 ** min(attempt, 30))))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one call to the learner gave: success, or the kind of failure (a metric label)."""

    ok: bool
    kind: str = ""
    detail: str = ""


REPORTED_SEVERITY = Severity.HIGH
"""Alerts of allowed requests are reported from this severity up; blocks always are."""


class LearnerSync:
    """Sends a gate's observations and alerts to the learner and follows its policy."""

    def __init__(
        self,
        core: GateCore,
        link: LearnerLink,
        token: str | None,
        *,
        gate: str = "",
        alerts: AlertBuffer | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.core = core
        self.link = link
        self._token = token
        self.gate = gate or os.environ.get("HOSTNAME", "") or f"gate-{os.getpid()}"
        self.alerts = alerts if alerts is not None else AlertBuffer()
        self._rng = rng if rng is not None else random.Random()
        self._base = link.url.rstrip("/") + f"/v1/services/{link.service}"
        self._etag: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._poll: asyncio.Task[Outcome] | None = None
        self._started = threading.Event()
        self.sent = 0
        """Observations the learner acknowledged."""
        self.policies = 0
        """Policies received and swapped in."""
        self.last_error = ""

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the sync thread and its loop."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._main, name="vigil-learner-sync", daemon=True)
        self._thread.start()
        self._started.wait(10)

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._started.set()
        timeout = aiohttp.ClientTimeout(
            total=None, connect=self.link.connect_timeout, sock_read=self.link.read_timeout
        )
        headers = {"User-Agent": "vigil-gate"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            sender = asyncio.create_task(self._send_forever(session))
            follower = asyncio.create_task(self._follow_forever(session))
            await self._stop.wait()
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_FLUSH_SECONDS):
                    await self._flush_all(session)

    def stop(self, timeout: float = STOP_FLUSH_SECONDS + 5.0) -> None:
        """Send what is buffered (for at most a few seconds), then stop the thread."""
        loop, stop, thread = self._loop, self._stop, self._thread
        if loop is None or stop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(stop.set)
        thread.join(timeout)
        self._thread = None

    def refresh(self) -> None:
        """Ask for the policy again now (SIGHUP in learner mode): the long poll in progress is
        given up and the policy is fetched without its ETag. Safe from any thread."""
        self._etag = None
        loop, poll = self._loop, self._poll
        if loop is not None and poll is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(poll.cancel)

    def report(self, decision: Decision, request_id: str, time: float) -> None:
        """Keep the alerts of a decision for the learner: blocks, would-blocks, high or worse.

        Called on the request path for decisions that raised alerts: a few dictionaries, and a
        bounded buffer that drops (and counts) when the learner is away.
        """
        verdict = decision.verdict
        acted = verdict in {Verdict.BLOCK, Verdict.WOULD_BLOCK}
        for alert in decision.alerts:
            if acted or alert.severity >= REPORTED_SEVERITY:
                self.alerts.offer(
                    AlertWire.of(alert, verdict=verdict.value, request_id=request_id, time=time)
                )

    # -- sending -----------------------------------------------------------------------------

    async def _send_forever(self, session: aiohttp.ClientSession) -> None:
        buffer = self.core.observations
        link = self.link
        while True:
            deadline = time.monotonic() + link.flush_seconds
            while len(buffer) < link.batch_size and time.monotonic() < deadline:
                await asyncio.sleep(min(0.05, link.flush_seconds))
            if len(buffer) or len(self.alerts):
                await self._send_one(session, retry=True)

    async def _flush_all(self, session: aiohttp.ClientSession) -> None:
        while len(self.core.observations) or len(self.alerts):
            if not await self._send_one(session, retry=False):
                return

    async def _send_one(self, session: aiohttp.ClientSession, *, retry: bool) -> bool:
        pending = self.core.observations.take(self.link.batch_size)
        alerts = self.alerts.take(self.link.batch_size)
        body = await asyncio.to_thread(self._encode, pending, alerts)
        key = f"{self.gate[:60]}:{uuid.uuid4().hex}"
        attempt = 0
        while True:
            outcome = await self._post(session, body, key)
            if outcome.ok:
                self.sent += len(pending)
                self.core.gauges.sent.inc(len(pending))
                return True
            if not retry or outcome.kind == "refused":
                return False
            await asyncio.sleep(backoff(attempt, self.link.backoff_max, self._rng))
            attempt += 1

    def _encode(self, pending: list[Pending], alerts: list[dict[str, Any]]) -> bytes:
        collector = self.core.engine.collector
        samples = [s for s in (collector.sample(p.decision) for p in pending) if s is not None]
        body = encode_batch(
            self.link.service,
            samples,
            gate=self.gate,
            policy_version=self.core.engine.policy.version,
            alerts=alerts,
        )
        return gzip.compress(body, 1)

    async def _post(self, session: aiohttp.ClientSession, body: bytes, key: str) -> Outcome:
        try:
            async with session.post(
                self._base + "/observations",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "Content-Encoding": "gzip",
                    "Idempotency-Key": key,
                },
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return self._failed("timeout" if isinstance(exc, TimeoutError) else "connect", exc)
        if status in {200, 202}:
            self.core.gauges.learner_up.set(1)
            return Outcome(True)
        kind = "refused" if status in {400, 401, 403, 413, 415, 422} else "status"
        return self._failed(kind, f"status {status}")

    def _failed(self, kind: str, error: object) -> Outcome:
        self.core.gauges.learner_errors.labels(kind).inc()
        self.core.gauges.learner_up.set(0)
        detail = f"{type(error).__name__}: {error}" if isinstance(error, Exception) else str(error)
        if detail != self.last_error:
            self.core.log.event("learner-error", level="warning", kind=kind, error=detail)
        self.last_error = detail
        return Outcome(False, kind, detail)

    # -- following the policy ---------------------------------------------------------------

    async def _follow_forever(self, session: aiohttp.ClientSession) -> None:
        attempt = 0
        while True:
            poll = asyncio.create_task(self._fetch(session))
            self._poll = poll
            try:
                await asyncio.wait({poll})
            except asyncio.CancelledError:
                poll.cancel()
                raise
            finally:
                self._poll = None
            if poll.cancelled():
                continue
            outcome = poll.result()
            if outcome.ok:
                attempt = 0
                continue
            await asyncio.sleep(backoff(attempt, self.link.backoff_max, self._rng))
            attempt += 1

    async def _fetch(self, session: aiohttp.ClientSession) -> Outcome:
        link = self.link
        headers = {"If-None-Match": self._etag} if self._etag else {}
        wait = link.poll_seconds if self._etag else 0
        timeout = aiohttp.ClientTimeout(
            total=None, connect=link.connect_timeout, sock_read=link.read_timeout + wait
        )
        try:
            async with session.get(
                self._base + "/policy", params={"wait": str(wait)}, headers=headers, timeout=timeout
            ) as response:
                status = response.status
                etag = response.headers.get("ETag")
                body = await response.read() if status == 200 else b""
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return self._failed("timeout" if isinstance(exc, TimeoutError) else "connect", exc)
        if status == 304:
            self.core.gauges.learner_up.set(1)
            return Outcome(True)
        if status == 404:
            self.core.gauges.learner_up.set(1)
            return Outcome(False, "no-policy")
        if status != 200:
            return self._failed("status", f"status {status}")
        self.core.gauges.learner_up.set(1)
        try:
            policy = await asyncio.to_thread(self._adopt, body)
        except PolicyError as exc:
            self.core.gauges.reloaded("learner", "invalid")
            self._etag = etag
            return self._failed("invalid-policy", exc)
        self._etag = etag
        self.policies += 1
        self.core.log.event("policy-received", version=policy.version, routes=len(policy.routes))
        return Outcome(True)

    def _adopt(self, body: bytes) -> Policy:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise PolicyError(f"learner policy: not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise PolicyError("learner policy: expected a JSON object")
        policy = parse_policy(data, "learner policy")
        self.core.adopt(policy, "learner")
        return policy


def read_token(path: os.PathLike[str] | str | None) -> str | None:
    """The bearer token in a file (surrounding whitespace removed), or None without a file."""
    if path is None:
        return None
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip() or None
