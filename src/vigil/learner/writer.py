"""One writer thread for the learner's SQLite store, committing many requests at once.

An accepted POST must be durable when the learner answers 2xx, and with ``synchronous=FULL``
every commit syncs the write-ahead log to disk: one commit per request would cap ingestion at
the disk's sync rate. So handlers submit write jobs to this thread and wait; the thread takes
every job waiting (up to :data:`MAX_JOBS_PER_COMMIT`), runs them in one transaction, each in a
savepoint of its own (a job that fails is rolled back alone), commits once, and only then
answers every waiting handler. A burst of 8 gates posting is 1 sync, not 8.

The queue is bounded in bytes (``queued_bytes``): a job that does not fit is refused at once
(:class:`WriterBusy`, answered 429), so a store that falls behind never turns into memory growth.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

MAX_JOBS_PER_COMMIT = 512
"""Most jobs committed in one transaction."""


class WriterBusy(RuntimeError):
    """The writer's queue is full (its byte bound is reached); retry later."""


class WriterClosed(RuntimeError):
    """The writer is stopped and takes no more jobs."""


@dataclass(slots=True)
class _Job(Generic[T]):
    run: Callable[[sqlite3.Connection], T]
    size: int
    loop: asyncio.AbstractEventLoop | None
    future: asyncio.Future[T] | None
    done: threading.Event | None = None
    outcome: list[Any] = field(default_factory=list)


_STOP = object()


class Writer:
    """The store's single writer: ``await writer.submit(job, size)`` runs ``job(connection)``.

    ``connect`` opens the writer's own connection (in the writer thread). ``on_commit`` is called
    in the writer thread after each successful commit with the number of jobs committed.
    """

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        *,
        queued_bytes: int,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self._connect = connect
        self.queued_bytes = queued_bytes
        self._on_commit = on_commit
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._queued = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self.commits = 0
        """Transactions committed since the start."""
        self.jobs = 0
        """Jobs committed since the start."""

    @property
    def queued(self) -> int:
        """Bytes of jobs waiting for the writer."""
        return self._queued

    def start(self) -> None:
        """Start the writer thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="vigil-store-writer", daemon=True
            )
            self._thread.start()

    def _reserve(self, size: int) -> None:
        with self._lock:
            if self._closed:
                raise WriterClosed("the store is closing")
            if self._queued and self._queued + size > self.queued_bytes:
                raise WriterBusy(
                    f"{self._queued} bytes are waiting to be stored (bound {self.queued_bytes})"
                )
            self._queued += size

    def submit(self, run: Callable[[sqlite3.Connection], T], size: int = 0) -> asyncio.Future[T]:
        """Queue ``run`` (``size`` bytes of the bound); the future resolves after the commit."""
        self._reserve(size)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(run, size, loop, future))
        return future

    def call(self, run: Callable[[sqlite3.Connection], T], size: int = 0) -> T:
        """Run ``run`` in the writer and wait, from a thread without an event loop."""
        self._reserve(size)
        job: _Job[T] = _Job(run, size, None, None, threading.Event())
        self._queue.put(job)
        assert job.done is not None
        job.done.wait()
        result = job.outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result  # type: ignore[no-any-return]

    def _run(self) -> None:
        connection = self._connect()
        try:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                jobs: list[_Job[Any]] = [first]  # type: ignore[list-item]
                stop = False
                while len(jobs) < MAX_JOBS_PER_COMMIT:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stop = True
                        break
                    jobs.append(item)  # type: ignore[arg-type]
                self._commit(connection, jobs)
                if stop:
                    return
        finally:
            connection.close()

    def _commit(self, connection: sqlite3.Connection, jobs: list[_Job[Any]]) -> None:
        results: list[Any] = []
        try:
            connection.execute("BEGIN IMMEDIATE")
            for i, job in enumerate(jobs):
                connection.execute(f"SAVEPOINT job{i}")
                try:
                    results.append(job.run(connection))
                except Exception as exc:
                    connection.execute(f"ROLLBACK TO job{i}")
                    results.append(exc)
                connection.execute(f"RELEASE job{i}")
            connection.execute("COMMIT")
        except Exception as exc:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            results = [exc] * len(jobs)
        else:
            self.commits += 1
            self.jobs += len(jobs)
            if self._on_commit is not None:
                self._on_commit(len(jobs))
        with self._lock:
            self._queued -= sum(job.size for job in jobs)
        for job, result in zip(jobs, results, strict=True):
            _resolve(job, result)

    def close(self, timeout: float = 30.0) -> None:
        """Commit what is queued, then stop the thread; later submissions are refused."""
        with self._lock:
            self._closed = True
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None


def _resolve(job: _Job[Any], result: Any) -> None:
    if job.done is not None:
        job.outcome.append(result)
        job.done.set()
        return
    assert job.loop is not None
    assert job.future is not None
    future = job.future

    def settle() -> None:
        if future.done():
            return
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)

    try:
        job.loop.call_soon_threadsafe(settle)
    except RuntimeError:
        return
