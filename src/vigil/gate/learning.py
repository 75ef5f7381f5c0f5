"""Local learning on a thread of its own, so no adapter learns on its request path.

Without a learner service a gate learns from its own traffic. Adding an exchange to the
statistics and, above all, a learning run (tens of milliseconds per thousand exchanges) must not
run on the proxy's or an ASGI application's event loop, nor on a WSGI request thread: the
adapters only append to the :class:`~vigil.gate.observations.ObservationBuffer`, and this thread
adds what waits there to the engine's collector and runs :meth:`Engine.learn` when
:class:`LearnEvery` says so. The thread starts with the first observation and ends after a few
idle seconds with nothing pending, so an idle gate holds no thread.

After each run, routes due for automatic promotion (:mod:`vigil.behavior.promotion`: learn ->
detect by default, detect -> enforce only when configured) move to their stricter mode, as a
learner promotes the routes of the gates that follow it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vigil.behavior.engine import Engine
from vigil.behavior.policy import Policy
from vigil.behavior.promotion import Promotion, PromotionSettings, promote, promotions
from vigil.gate.observations import ObservationBuffer

POLL_SECONDS = 0.25
"""How often the thread looks at the buffer when nobody woke it."""
IDLE_SECONDS = 5.0
"""The thread ends after this long with an empty buffer and nothing left to learn."""


@dataclass(frozen=True, slots=True)
class LearnEvery:
    """When local learning runs: after ``requests`` learned exchanges and/or ``seconds``.

    Either bound triggers a run; ``None`` disables it. A run happens only when something new
    was observed since the last one.
    """

    requests: int | None = 1000
    seconds: float | None = 60.0


class LearningThread:
    """Feeds buffered observations to an engine and learns on cadence, off the request path."""

    def __init__(
        self,
        engine: Engine,
        buffer: ObservationBuffer,
        every: LearnEvery,
        *,
        on_learned: Callable[[Policy], None],
        promotion: PromotionSettings | None = None,
        would_block: Callable[[], Mapping[str, float]] = dict,
        on_promoted: Callable[[list[Promotion]], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        poll: float = POLL_SECONDS,
        idle: float = IDLE_SECONDS,
    ) -> None:
        self.engine = engine
        self.buffer = buffer
        self.every = every
        self._on_learned = on_learned
        self.promotion = promotion
        """When routes are promoted after a run (None: never)."""
        self._would_block = would_block
        self._on_promoted = on_promoted
        self._clock = clock
        self._wall = wall_clock
        self._poll = poll
        self._idle = idle
        self.observed = 0
        """Exchanges added to the statistics since the last learning run."""
        self.last_run = clock()
        self._drain_lock = threading.Lock()
        self._learn_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._requested = False

    def ensure_running(self) -> None:
        """Start the thread when it is not running (cheap when it is)."""
        if self._thread is not None or self._stopping:
            return
        with self._start_lock:
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(
                    target=self._run, name="vigil-learning", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        idle_since = time.monotonic()
        while not self._stopping:
            self.buffer.ready.wait(self._poll)
            self.buffer.ready.clear()
            if self._stopping:
                return
            worked = self.drain() > 0
            self.learn_if_due()
            now = time.monotonic()
            if worked or self.observed or self._requested:
                idle_since = now
            elif now - idle_since >= self._idle and self._retire():
                return

    def _retire(self) -> bool:
        with self._start_lock:
            self._thread = None
        if len(self.buffer) == 0:
            return True
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.current_thread()
                return False
        return True

    def drain(self) -> int:
        """Add every buffered observation to the engine's statistics now; returns how many."""
        added = 0
        with self._drain_lock:
            for pending in self.buffer.take():
                if self.engine.observe(pending.decision):
                    added += 1
            self.observed += added
        return added

    def request_run(self) -> None:
        """Ask for a learning run soon whatever the cadence (e.g. after a policy file edit)."""
        self._requested = True
        self.ensure_running()
        self.buffer.wake()

    def due(self) -> bool:
        """True when a run was requested, or :class:`LearnEvery` asks for one now."""
        if self._requested:
            return True
        every = self.every
        if self.observed == 0:
            return False
        if every.requests is not None and self.observed >= every.requests:
            return True
        return every.seconds is not None and self._clock() - self.last_run >= every.seconds

    def learn_if_due(self) -> Policy | None:
        """Run :meth:`learn_now` when due and no other run is in progress."""
        if not self.due() or not self._learn_lock.acquire(blocking=False):
            return None
        try:
            return self._learn_locked() if self.due() else None
        finally:
            self._learn_lock.release()

    def learn_now(self) -> Policy:
        """Add what is buffered, then learn a new policy version at once."""
        self.drain()
        with self._learn_lock:
            return self._learn_locked()

    def _learn_locked(self) -> Policy:
        self.observed = 0
        self._requested = False
        now = self._wall()
        policy = self.engine.learn(now=now)
        if self.promotion is not None:
            due = promotions(policy, self.promotion, now, self._would_block())
            if due:
                policy = promote(policy, due, now)
                self.engine.load(policy)
                if self._on_promoted is not None:
                    self._on_promoted(due)
        self.last_run = self._clock()
        self._on_learned(policy)
        return policy

    def flush(self) -> Policy | None:
        """Add what is buffered and learn when due, in the caller's thread (tests, shutdown)."""
        self.drain()
        return self.learn_if_due()

    def stop(self, timeout: float = 10.0) -> None:
        """End the thread (what is still buffered stays there for :meth:`drain`)."""
        self._stopping = True
        self.buffer.wake()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None
