"""The learner's store: WAL, schema checks, idempotent batches, bounded alerts and decisions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from vigil.learner import store


def opened(tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "learner.db"
    store.open_store(path)
    return store.connect(path)


def test_open_creates_a_wal_database_and_checks_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "learner.db"
    store.open_store(path)
    store.open_store(path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(store.StoreError, match="schema version 99"):
        store.open_store(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"not a database at all, just text\n" * 100)
    with pytest.raises(store.StoreError, match=r"not a learner database|cannot"):
        store.open_store(path)


def test_a_batch_is_stored_once(tmp_path: Path) -> None:
    connection = opened(tmp_path)
    args = {"gate": "g", "count": 3, "dropped": 0, "body": b"x", "now": 10.0}
    first = store.store_batch(connection, "users", batch_id="b1", **args)  # type: ignore[arg-type]
    again = store.store_batch(connection, "users", batch_id="b1", **args)  # type: ignore[arg-type]
    other = store.store_batch(connection, "users", batch_id="b2", **args)  # type: ignore[arg-type]
    assert (first.duplicate, first.pending) == (False, 3)
    assert (again.duplicate, again.pending) == (True, 3)
    assert other.pending == 6
    row = store.service(connection, "users")
    assert row is not None
    assert (row.observations, row.batches, row.pending) == (6, 2, 6)


def test_alerts_keep_only_the_newest(tmp_path: Path) -> None:
    connection = opened(tmp_path)
    for i in range(7):
        rows = [store.AlertRow(f"r{i}", float(i), "GET /a", "block", b'{"code":"V101"}')]
        store.store_alerts(connection, "users", rows, kept=5, now=float(i))
    kept = store.alerts(connection, "users", limit=100)
    assert [row.request_id for _, row in kept] == ["r6", "r5", "r4", "r3", "r2"]
    assert [row.request_id for _, row in store.alerts(connection, "users", request_id="r4")] == [
        "r4"
    ]
    assert store.alerts(connection, "users", request_id="r0") == []
    newest_id = kept[0][0]
    assert len(store.alerts(connection, "users", before=newest_id, limit=2)) == 2
    row = store.service(connection, "users")
    assert row is not None
    assert row.alerts == 7


def test_decisions_are_bounded_and_mark_the_service(tmp_path: Path) -> None:
    connection = opened(tmp_path)
    first = store.add_decision(connection, "users", author="alice", data={"a": 1}, bound=2, now=1)
    store.add_decision(connection, "users", author="alice", data={"a": 2}, bound=2, now=2)
    assert store.add_decision(connection, "users", author="bob", data={}, bound=2, now=3) is None
    assert [d[3] for d in store.decisions(connection, "users")] == [b'{"a":1}', b'{"a":2}']
    row = store.service(connection, "users")
    assert row is not None
    assert row.dirty
    assert first is not None
    assert store.remove_decision(connection, "users", first)
    assert not store.remove_decision(connection, "users", first)
    assert len(store.decisions(connection, "users")) == 1


def test_old_learned_batch_ids_are_forgotten(tmp_path: Path) -> None:
    connection = opened(tmp_path)
    for i, received in enumerate((1.0, 2.0, 50.0)):
        store.store_batch(
            connection, "users", batch_id=f"b{i}", gate="g", count=1, dropped=0, body=b"x",
            now=received,
        )  # fmt: skip
    connection.execute("UPDATE batches SET body = NULL WHERE batch_id IN ('b0', 'b2')")
    assert store.forget_old_batches(connection, older_than=10.0) == 1
    ids = [r[0] for r in connection.execute("SELECT batch_id FROM batches ORDER BY seq")]
    assert ids == ["b1", "b2"]


def test_readers_see_a_consistent_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "learner.db"
    store.open_store(path)
    readers = store.Readers(path)
    writer = store.connect(path)
    with readers.read() as connection:
        before = store.services(connection)
        store.ensure_service(writer, "users", 1.0)
        assert store.services(connection) == before
    with readers.read() as connection:
        assert [row.name for row in store.services(connection)] == ["users"]
    readers.close()


def test_readers_query_runs_a_read_with_its_arguments(tmp_path: Path) -> None:
    path = tmp_path / "learner.db"
    store.open_store(path)
    store.ensure_service(store.connect(path), "users", 1.0)
    readers = store.Readers(path)
    assert [row.name for row in readers.query(store.services)] == ["users"]
    row = readers.query(store.service, "users")
    assert row is not None
    assert row.name == "users"
    assert readers.query(store.service, "orders") is None
    readers.close()
