"""The store's writer: group commit, a failing job rolled back alone, byte bound, close."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from vigil.learner.writer import Writer, WriterBusy, WriterClosed


def make(tmp_path: Path, queued_bytes: int = 1 << 20) -> tuple[Writer, Path, list[int]]:
    path = tmp_path / "w.db"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode = WAL")
    setup.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
    setup.commit()
    setup.close()
    commits: list[int] = []
    writer = Writer(
        lambda: sqlite3.connect(path, isolation_level=None, check_same_thread=False),
        queued_bytes=queued_bytes,
        on_commit=commits.append,
    )
    return writer, path, commits


def rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return dict(connection.execute("SELECT k, v FROM t").fetchall())


def insert(key: str, value: int):  # type: ignore[no-untyped-def]
    def run(connection: sqlite3.Connection) -> str:
        connection.execute("INSERT INTO t (k, v) VALUES (?, ?)", (key, value))
        return key

    return run


async def test_jobs_waiting_together_are_committed_together(tmp_path: Path) -> None:
    writer, path, commits = make(tmp_path)
    blocker = threading.Event()

    def hold(connection: sqlite3.Connection) -> None:
        blocker.wait(10)

    writer.start()
    first = writer.submit(hold)
    futures = [writer.submit(insert(f"k{i}", i), 10) for i in range(50)]
    blocker.set()
    await first
    assert await asyncio.gather(*futures) == [f"k{i}" for i in range(50)]
    assert len(rows(path)) == 50
    assert sum(commits) == 51
    assert len(commits) <= 3
    assert writer.queued == 0
    writer.close()


async def test_a_failing_job_is_rolled_back_alone(tmp_path: Path) -> None:
    writer, path, _ = make(tmp_path)
    blocker = threading.Event()
    writer.start()
    held = writer.submit(lambda connection: blocker.wait(10))

    def fails(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO t (k, v) VALUES ('bad', 1)")
        raise ValueError("refused")

    good = writer.submit(insert("good", 1))
    bad = writer.submit(fails)
    duplicate = writer.submit(insert("good", 2))
    blocker.set()
    await held
    assert await good == "good"
    with pytest.raises(ValueError, match="refused"):
        await bad
    with pytest.raises(sqlite3.IntegrityError):
        await duplicate
    assert rows(path) == {"good": 1}
    writer.close()


async def test_the_byte_bound_refuses_at_once(tmp_path: Path) -> None:
    writer, _, _ = make(tmp_path, queued_bytes=100)
    blocker = threading.Event()
    writer.start()
    held = writer.submit(lambda connection: blocker.wait(10), 60)
    with pytest.raises(WriterBusy, match="60 bytes are waiting"):
        writer.submit(insert("x", 1), 60)
    blocker.set()
    await held
    assert await writer.submit(insert("x", 1), 60) == "x"
    writer.close()
    with pytest.raises(WriterClosed):
        writer.submit(insert("y", 1))


async def test_close_commits_what_is_queued(tmp_path: Path) -> None:
    writer, path, _ = make(tmp_path)
    writer.start()
    futures = [writer.submit(insert(f"k{i}", i)) for i in range(20)]
    await asyncio.to_thread(writer.close)
    await asyncio.gather(*futures)
    assert len(rows(path)) == 20


def test_call_from_a_thread_without_a_loop(tmp_path: Path) -> None:
    writer, path, _ = make(tmp_path)
    writer.start()
    assert writer.call(insert("a", 1)) == "a"
    with pytest.raises(sqlite3.IntegrityError):
        writer.call(insert("a", 2))
    writer.close()
    assert rows(path) == {"a": 1}
