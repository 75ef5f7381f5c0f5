"""The learning worker: results, failures and timeouts, in a process and in a thread."""

from __future__ import annotations

import os
import threading
import time

import pytest

from vigil.learner.worker import JobFailed, JobTimeout, JobWorker


def double(x: int) -> int:
    return 2 * x


def pid(_: object) -> int:
    return os.getpid()


def boom(_: object) -> None:
    raise ValueError("bad statistics")


def sleepy(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def crash(_: object) -> None:
    os._exit(3)


@pytest.mark.parametrize("kind", ["process", "thread"])
async def test_results_and_failures(kind: str) -> None:
    worker = JobWorker(kind)  # type: ignore[arg-type]
    try:
        assert await worker.run(double, 21, 60) == 42
        with pytest.raises(JobFailed, match="ValueError: bad statistics"):
            await worker.run(boom, None, 60)
        assert await worker.run(double, 1, 60) == 2
    finally:
        await worker.close()


async def test_the_process_is_reused_and_replaced_after_a_timeout() -> None:
    worker = JobWorker("process")
    try:
        first = await worker.run(pid, None, 60)
        assert first != os.getpid()
        assert await worker.run(pid, None, 60) == first
        with pytest.raises(JobTimeout, match="worker replaced"):
            await worker.run(sleepy, 60.0, 0.5)
        assert worker.restarts == 1
        second = await worker.run(pid, None, 60)
        assert second != first
    finally:
        await worker.close()
    assert worker.pid is None


async def test_a_dying_worker_is_a_failure_and_is_replaced() -> None:
    worker = JobWorker("process")
    try:
        with pytest.raises(JobFailed, match="died"):
            await worker.run(crash, None, 60)
        assert await worker.run(double, 2, 60) == 4
    finally:
        await worker.close()


async def test_a_timed_out_thread_blocks_the_next_run_until_it_ends() -> None:
    worker = JobWorker("thread")
    release = threading.Event()

    def wait(_: object) -> str:
        release.wait(30)
        return "done"

    with pytest.raises(JobTimeout):
        await worker.run(wait, None, 0.05)
    with pytest.raises(JobFailed, match="not finished"):
        await worker.run(double, 1, 60)
    release.set()
    for _ in range(200):
        if not worker._thread_busy.is_set():
            break
        await __import__("asyncio").sleep(0.01)
    assert await worker.run(double, 1, 60) == 2


def raises_problem(_: object) -> None:
    from vigil.learner.problems import Kind, ProblemError

    raise ProblemError(Kind.INVALID, "exchanges.0.client: bad", headers={"X": "1"})


async def test_a_job_s_own_exception_crosses_back_when_asked() -> None:
    from vigil.learner.problems import Kind, ProblemError

    worker = JobWorker("process", reraise=True)
    try:
        with pytest.raises(ProblemError) as caught:
            await worker.run(raises_problem, None, 60)
        assert caught.value.kind is Kind.INVALID
        assert caught.value.headers == {"X": "1"}
    finally:
        await worker.close()
