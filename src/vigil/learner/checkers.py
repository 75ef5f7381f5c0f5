"""Checking posted batches beside the event loop, in processes that use every core.

Inflating and validating a batch of 500 observations costs about 20 ms of CPU (measured on the
2-core machine, most of it decoding); in the server's own process that work, done in a thread,
shares one interpreter lock with the event loop, and ingestion stopped at about 17,500
observations/s. So batches are checked by a few worker processes (``check_processes``, two by
default) that receive the body as posted and return the checked batch, or the problem that
refuses it; the event loop only reads bodies and answers. A checking process that dies is
replaced (:class:`~vigil.learner.worker.JobWorker`); with ``check_processes: 0`` batches are
checked in threads of the server process.
"""

from __future__ import annotations

import asyncio

from vigil.learner.config import Bounds
from vigil.learner.ingest import Body, CheckedBatch, check_batch, check_posted
from vigil.learner.worker import JobWorker


class BatchCheckers:
    """A small pool of checking processes (or threads with ``processes=0``)."""

    def __init__(self, processes: int, timeout: float) -> None:
        self.timeout = timeout
        self._workers = [JobWorker("process", reraise=True) for _ in range(processes)]
        self._free: asyncio.Queue[JobWorker] | None = None

    def _queue(self) -> asyncio.Queue[JobWorker]:
        if self._free is None:
            self._free = asyncio.Queue()
            for worker in self._workers:
                self._free.put_nowait(worker)
        return self._free

    async def check(
        self, body: Body, service: str, bounds: Bounds, key: str | None
    ) -> CheckedBatch:
        """The checked batch, or the ProblemError (413, 422) that refuses it."""
        if not self._workers:
            return await asyncio.to_thread(check_batch, body, service, bounds, key)
        free = self._queue()
        worker = await free.get()
        try:
            return await worker.run(check_posted, (body, service, bounds, key), self.timeout)
        finally:
            free.put_nowait(worker)

    async def close(self) -> None:
        """Stop the checking processes."""
        for worker in self._workers:
            await worker.close()
