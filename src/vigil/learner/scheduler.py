"""When each service learns: on cadence, on volume, on an operator's decision or request.

The scheduler runs on the server's event loop and decides; the work runs in the
:class:`~vigil.learner.worker.JobWorker`. A service is due when observations arrived and
``learn.seconds`` passed since its last run, when ``learn.observations`` are waiting, when an
operator changed a decision (the policy is recomposed, nothing relearned) or asked for a run.
One run at a time, services in turn, each run bounded by ``learn.timeout_seconds``; a failed
run is logged and counted, and the service is tried again on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from vigil.learner.config import LearnCadence

TICK_SECONDS = 1.0
"""How often the scheduler looks for due services when nobody woke it."""


@dataclass(slots=True)
class _Due:
    new: bool = False
    """Observations arrived since the last run."""
    recompose: bool = False
    """An operator decision changed: publish again even with nothing new."""
    asked: bool = False
    """An operator asked for a run now."""
    last_run: float = field(default_factory=time.monotonic)


Run = Callable[[str, bool], Awaitable[None]]
"""``run(service, relearn)``: one learning run (``relearn`` False: recompose only)."""


class LearningScheduler:
    """Decides which service learns next; ``run`` does the work."""

    def __init__(
        self,
        cadence: LearnCadence,
        run: Run,
        pending: Callable[[str], int],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cadence = cadence
        self._run = run
        self._pending = pending
        self._clock = clock
        self._due: dict[str, _Due] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.running: str | None = None
        """The service learning right now."""
        self.runs = 0

    def _entry(self, service: str) -> _Due:
        entry = self._due.get(service)
        if entry is None:
            entry = self._due[service] = _Due(last_run=self._clock())
        return entry

    def stored(self, service: str) -> None:
        """Observations of ``service`` were stored."""
        entry = self._entry(service)
        entry.new = True
        if self._pending(service) >= self.cadence.observations:
            self._wake.set()

    def decided(self, service: str) -> None:
        """An operator decision of ``service`` changed."""
        self._entry(service).recompose = True
        self._wake.set()

    def learn_now(self, service: str) -> bool:
        """Run ``service`` as soon as possible; False when a run of it is in progress."""
        self._entry(service).asked = True
        self._wake.set()
        return self.running != service

    def due(self) -> list[tuple[str, bool]]:
        """The services to run now and whether each must relearn, most urgent first."""
        now = self._clock()
        found: list[tuple[float, str, bool]] = []
        for service, entry in self._due.items():
            waiting = self._pending(service)
            relearn = entry.asked or (
                entry.new
                and (
                    waiting >= self.cadence.observations
                    or now - entry.last_run >= self.cadence.seconds
                )
            )
            if relearn or entry.recompose:
                found.append((entry.last_run, service, relearn))
        return [(service, relearn) for _, service, relearn in sorted(found)]

    async def run_due(self) -> int:
        """Run every due service once; returns how many ran."""
        ran = 0
        for service, relearn in self.due():
            entry = self._entry(service)
            entry.asked = entry.recompose = False
            if relearn:
                entry.new = False
            entry.last_run = self._clock()
            self.running = service
            try:
                await self._run(service, relearn)
            finally:
                self.running = None
                self.runs += 1
            if relearn and self._pending(service) > 0:
                entry.new = True
            ran += 1
        return ran

    async def _loop(self) -> None:
        while True:
            try:
                async with asyncio.timeout(TICK_SECONDS):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            await self.run_due()

    def start(self) -> None:
        """Start deciding on the running loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stop deciding (a run in progress is cancelled on this side)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
