"""Where learning runs: a worker process of its own (or a thread), never a request handler.

A learning run folds up to hundreds of thousands of observations and derives a policy: seconds
of CPU. In the handlers' process it would hold the interpreter lock and stall every gate's post
and long poll, so by default it runs in one long-lived worker process that takes jobs over a
pipe (it keeps each service's statistics in memory between runs, so a run reads only the new
batches). A run that outlives its timeout is abandoned: the process is terminated and a fresh
one is started for the next job. A worker whose parent dies (even by SIGKILL) sees its pipe
close and exits. The ``thread`` variant serves tests and small deployments; a thread cannot be
terminated, so a timed-out run there only stops the scheduler from starting another meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import pickle
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Literal, TypeVar

J = TypeVar("J")
R = TypeVar("R")

JOIN_SECONDS = 5.0
"""How long a stopped worker process is given to exit before it is killed."""


class JobFailed(RuntimeError):
    """A job raised, or its worker died; the message says which and why."""


class JobTimeout(RuntimeError):
    """A job did not finish within its timeout; its worker was replaced."""


def _child_main(connection: Connection) -> None:
    """The worker process: run every job received, answer ("ok", result) or ("error", text)."""
    while True:
        try:
            function, job = connection.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            result = function(job)
        except Exception as exc:
            answer: tuple[str, Any] = ("raise", exc)
        else:
            answer = ("ok", result)
        try:
            connection.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError):
            connection.send(("error", f"{type(answer[1]).__name__}: {answer[1]}"))
        except (BrokenPipeError, OSError):
            return


class JobWorker:
    """Runs one job at a time in a worker process (``process``) or a thread (``thread``)."""

    def __init__(
        self, kind: Literal["process", "thread"] = "process", *, reraise: bool = False
    ) -> None:
        self.kind = kind
        self.reraise = reraise
        """Raise a job's own exception (else JobFailed naming it)."""
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        self._lock = asyncio.Lock()
        self._thread_busy = threading.Event()
        self.restarts = 0
        """Worker processes replaced after a timeout or a crash."""

    @property
    def pid(self) -> int | None:
        """The worker process's id, when one runs."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def _spawn(self) -> Connection:
        if self._connection is not None and self._process is not None and self._process.is_alive():
            return self._connection
        self._stop_process()
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_child_main, args=(child,), name="vigil-learner-worker", daemon=True
        )
        process.start()
        child.close()
        self._process, self._connection = process, parent
        return parent

    async def run(self, function: Callable[[J], R], job: J, timeout: float) -> R:
        """Run ``function(job)`` in the worker; JobTimeout or JobFailed when it does not finish."""
        async with self._lock:
            if self.kind == "thread":
                return await self._run_thread(function, job, timeout)
            return await self._run_process(function, job, timeout)

    async def _run_thread(self, function: Callable[[J], R], job: J, timeout: float) -> R:
        if self._thread_busy.is_set():
            raise JobFailed("the previous run has not finished yet")
        self._thread_busy.set()

        def call() -> R:
            try:
                return function(job)
            finally:
                self._thread_busy.clear()

        task = asyncio.ensure_future(asyncio.to_thread(call))
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            raise JobTimeout(f"the run did not finish within {timeout:g} s") from None
        except Exception as exc:
            if self.reraise:
                raise
            raise JobFailed(f"{type(exc).__name__}: {exc}") from exc

    async def _run_process(self, function: Callable[[J], R], job: J, timeout: float) -> R:
        connection = await asyncio.to_thread(self._spawn)
        try:
            connection.send((function, job))
            ready = await asyncio.to_thread(connection.poll, timeout)
        except (BrokenPipeError, OSError) as exc:
            self._replace()
            raise JobFailed(f"the worker process is gone: {exc}") from None
        if not ready:
            self._replace()
            raise JobTimeout(f"the run did not finish within {timeout:g} s; worker replaced")
        try:
            status, value = connection.recv()
        except (EOFError, OSError):
            self._replace()
            raise JobFailed("the worker process died during the run") from None
        if status == "raise" and isinstance(value, Exception):
            if self.reraise:
                raise value
            raise JobFailed(f"{type(value).__name__}: {value}")
        if status != "ok":
            raise JobFailed(str(value))
        return value  # type: ignore[no-any-return]

    def _replace(self) -> None:
        self.restarts += 1
        self._stop_process()

    def _stop_process(self) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()
        if process is not None and process.is_alive():
            process.terminate()
            process.join(JOIN_SECONDS)
            if process.is_alive():
                process.kill()
                process.join(JOIN_SECONDS)

    async def close(self) -> None:
        """Stop the worker process (a run in progress is abandoned and fails)."""
        await asyncio.to_thread(self._stop_process)
