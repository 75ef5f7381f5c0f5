"""The learner's store: SQLite in WAL mode, one file, everything a restart must find again.

Tables (``SCHEMA``): ``services`` (counters), ``batches`` (observation batches as the gates sent
them, compressed, until learning folds them into the statistics; their ids stay a day longer so
a gate's retry is not counted twice), ``statistics`` (each service's serialised learning
statistics and the last batch folded into them), ``policies`` (every published version, the
learned layer and the progress per route beside it), ``decisions`` (the operator layer) and
``alerts`` (what gates reported, the newest ``alerts_kept`` per service).

Writes go through the single :class:`~vigil.learner.writer.Writer` thread (group commit);
reads use short-lived connections of their own, which WAL lets run beside the writer. Every
function here that takes a connection runs inside the writer's transaction.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import orjson

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS services (
    name TEXT PRIMARY KEY,
    created REAL NOT NULL,
    last_seen REAL NOT NULL DEFAULT 0,
    observations INTEGER NOT NULL DEFAULT 0,
    batches INTEGER NOT NULL DEFAULT 0,
    dropped INTEGER NOT NULL DEFAULT 0,
    alerts INTEGER NOT NULL DEFAULT 0,
    pending INTEGER NOT NULL DEFAULT 0,
    dirty INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    gate TEXT NOT NULL,
    received REAL NOT NULL,
    count INTEGER NOT NULL,
    body BLOB,
    UNIQUE (service, batch_id)
);
CREATE INDEX IF NOT EXISTS batches_pending ON batches (service, seq) WHERE body IS NOT NULL;
CREATE INDEX IF NOT EXISTS batches_received ON batches (received);
CREATE TABLE IF NOT EXISTS statistics (
    service TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL,
    updated REAL NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS policies (
    service TEXT NOT NULL,
    version INTEGER NOT NULL,
    created REAL NOT NULL,
    etag TEXT NOT NULL,
    reason TEXT NOT NULL,
    policy BLOB NOT NULL,
    learned BLOB NOT NULL,
    progress BLOB NOT NULL,
    PRIMARY KEY (service, version)
);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL,
    created REAL NOT NULL,
    author TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_service ON decisions (service, id);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL,
    request_id TEXT NOT NULL,
    time REAL NOT NULL,
    route TEXT NOT NULL,
    verdict TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_service ON alerts (service, id);
CREATE INDEX IF NOT EXISTS alerts_request ON alerts (service, request_id);
"""

BUSY_MS = 10_000
"""How long a connection waits for another's write lock before giving up."""


class StoreError(RuntimeError):
    """The database cannot be used (another schema version, not a database, no access)."""


def connect(path: Path, sync: str = "full", *, readonly: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with the store's pragmas."""
    uri = f"file:{path}?mode=ro" if readonly else str(path)
    connection = sqlite3.connect(
        uri, uri=readonly, isolation_level=None, check_same_thread=False, timeout=BUSY_MS / 1000
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
    if not readonly:
        connection.execute(f"PRAGMA synchronous = {'FULL' if sync == 'full' else 'NORMAL'}")
    connection.execute("PRAGMA foreign_keys = OFF")
    return connection


def open_store(path: Path, sync: str = "full") -> None:
    """Create (or check) the schema and switch the file to WAL; StoreError says what is wrong."""
    try:
        connection = connect(path, sync)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open: {exc}") from None
    try:
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"{path}: cannot switch to WAL mode (got {mode})")
        connection.executescript(SCHEMA)
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            connection.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )
        elif int(row[0]) != SCHEMA_VERSION:
            raise StoreError(
                f"{path}: schema version {row[0]}, this learner reads {SCHEMA_VERSION}"
            )
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a learner database: {exc}") from None
    finally:
        connection.close()


_P = ParamSpec("_P")
_T = TypeVar("_T")


class Readers:
    """Read connections, one per thread that asks (reads run in ``asyncio.to_thread``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection of this thread, inside one read transaction (a consistent snapshot)."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = connect(self.path)
            self._local.connection = connection
            with self._lock:
                self._all.append(connection)
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            connection.execute("COMMIT")

    def query(
        self,
        read: Callable[Concatenate[sqlite3.Connection, _P], _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """``read(connection, *args, **kwargs)`` in one read transaction of this thread's
        connection (handlers run it with ``asyncio.to_thread``)."""
        with self.read() as connection:
            return read(connection, *args, **kwargs)

    def close(self) -> None:
        """Close every read connection."""
        with self._lock:
            for connection in self._all:
                connection.close()
            self._all.clear()


# --------------------------------------------------------------------------------------------
# Write jobs (run in the writer thread, inside its transaction)


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing one batch did."""

    duplicate: bool
    """The batch id was stored before (a gate's retry): nothing was added."""
    pending: int
    """Observations of the service stored and not learned yet."""


def ensure_service(connection: sqlite3.Connection, service: str, now: float) -> None:
    """Create the service's row when it is new."""
    connection.execute(
        "INSERT OR IGNORE INTO services (name, created) VALUES (?, ?)", (service, now)
    )


def store_batch(
    connection: sqlite3.Connection,
    service: str,
    *,
    batch_id: str,
    gate: str,
    count: int,
    dropped: int,
    body: bytes,
    now: float,
) -> Stored:
    """Insert one batch of ``count`` observations unless its id is known."""
    ensure_service(connection, service, now)
    cursor = connection.execute(
        "INSERT OR IGNORE INTO batches (service, batch_id, gate, received, count, body) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (service, batch_id, gate, now, count, body),
    )
    duplicate = cursor.rowcount == 0
    if not duplicate:
        connection.execute(
            "UPDATE services SET observations = observations + ?, batches = batches + 1, "
            "pending = pending + ?, dropped = dropped + ?, last_seen = ? WHERE name = ?",
            (count, count, dropped, now, service),
        )
    row = connection.execute("SELECT pending FROM services WHERE name = ?", (service,)).fetchone()
    return Stored(duplicate, int(row[0]))


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert record as stored: the request it belongs to and the alert documents."""

    request_id: str
    time: float
    route: str
    verdict: str
    data: bytes


def store_alerts(
    connection: sqlite3.Connection,
    service: str,
    rows: list[AlertRow],
    kept: int,
    now: float,
) -> int:
    """Insert alert records and delete the service's oldest beyond ``kept``; returns inserted."""
    ensure_service(connection, service, now)
    connection.executemany(
        "INSERT INTO alerts (service, request_id, time, route, verdict, data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(service, r.request_id, r.time, r.route, r.verdict, r.data) for r in rows],
    )
    connection.execute(
        "UPDATE services SET alerts = alerts + ?, last_seen = ? WHERE name = ?",
        (len(rows), now, service),
    )
    newest = connection.execute(
        "SELECT id FROM alerts WHERE service = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
        (service, kept),
    ).fetchone()
    if newest is not None:
        connection.execute("DELETE FROM alerts WHERE service = ? AND id <= ?", (service, newest[0]))
    return len(rows)


def add_decision(
    connection: sqlite3.Connection,
    service: str,
    *,
    author: str,
    data: dict[str, Any],
    bound: int,
    now: float,
) -> int | None:
    """Record an operator decision; None when the service has ``bound`` decisions already."""
    ensure_service(connection, service, now)
    count = connection.execute(
        "SELECT COUNT(*) FROM decisions WHERE service = ?", (service,)
    ).fetchone()[0]
    if count >= bound:
        return None
    cursor = connection.execute(
        "INSERT INTO decisions (service, created, author, data) VALUES (?, ?, ?, ?)",
        (service, now, author, orjson.dumps(data)),
    )
    connection.execute("UPDATE services SET dirty = 1 WHERE name = ?", (service,))
    return int(cursor.lastrowid or 0)


def remove_decision(connection: sqlite3.Connection, service: str, decision_id: int) -> bool:
    """Delete one decision; returns whether it existed."""
    cursor = connection.execute(
        "DELETE FROM decisions WHERE service = ? AND id = ?", (service, decision_id)
    )
    if cursor.rowcount:
        connection.execute("UPDATE services SET dirty = 1 WHERE name = ?", (service,))
    return cursor.rowcount > 0


def forget_old_batches(connection: sqlite3.Connection, older_than: float) -> int:
    """Delete the ids of learned batches received before ``older_than``; returns how many."""
    cursor = connection.execute(
        "DELETE FROM batches WHERE body IS NULL AND received < ?", (older_than,)
    )
    return cursor.rowcount


# --------------------------------------------------------------------------------------------
# Reads


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """A service's counters."""

    name: str
    created: float
    last_seen: float
    observations: int
    batches: int
    dropped: int
    alerts: int
    pending: int
    dirty: bool


def _service_row(row: Any) -> ServiceRow:
    name, created, last_seen, observations, batches, dropped, alerts_, pending, dirty = row
    return ServiceRow(
        name=str(name),
        created=float(created),
        last_seen=float(last_seen),
        observations=int(observations),
        batches=int(batches),
        dropped=int(dropped),
        alerts=int(alerts_),
        pending=int(pending),
        dirty=bool(dirty),
    )


def services(connection: sqlite3.Connection) -> list[ServiceRow]:
    """Every service, by name."""
    rows = connection.execute(
        "SELECT name, created, last_seen, observations, batches, dropped, alerts, pending, dirty "
        "FROM services ORDER BY name"
    ).fetchall()
    return [_service_row(row) for row in rows]


def service(connection: sqlite3.Connection, name: str) -> ServiceRow | None:
    """One service's counters, or None."""
    row = connection.execute(
        "SELECT name, created, last_seen, observations, batches, dropped, alerts, pending, dirty "
        "FROM services WHERE name = ?",
        (name,),
    ).fetchone()
    return _service_row(row) if row is not None else None


@dataclass(frozen=True, slots=True)
class PolicyRow:
    """One published policy version."""

    service: str
    version: int
    created: float
    etag: str
    reason: str
    policy: bytes
    """The published policy (learned layer with the operator's decisions applied), JSON."""
    learned: bytes
    """The learned layer alone, JSON."""
    progress: bytes
    """Learning progress per route, JSON."""


def latest_policy(connection: sqlite3.Connection, name: str) -> PolicyRow | None:
    """The newest published policy of a service."""
    row = connection.execute(
        "SELECT service, version, created, etag, reason, policy, learned, progress FROM policies "
        "WHERE service = ? ORDER BY version DESC LIMIT 1",
        (name,),
    ).fetchone()
    return PolicyRow(*row) if row is not None else None


def policy_version(connection: sqlite3.Connection, name: str, version: int) -> PolicyRow | None:
    """One published version of a service's policy."""
    row = connection.execute(
        "SELECT service, version, created, etag, reason, policy, learned, progress FROM policies "
        "WHERE service = ? AND version = ?",
        (name, version),
    ).fetchone()
    return PolicyRow(*row) if row is not None else None


def policy_versions(connection: sqlite3.Connection, name: str) -> list[tuple[int, float, str, str]]:
    """(version, created, etag, reason) of every kept version, newest first."""
    return [
        (int(v), float(c), str(e), str(r))
        for v, c, e, r in connection.execute(
            "SELECT version, created, etag, reason FROM policies WHERE service = ? "
            "ORDER BY version DESC",
            (name,),
        )
    ]


def alerts(
    connection: sqlite3.Connection,
    name: str,
    *,
    request_id: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list[tuple[int, AlertRow]]:
    """A service's newest alert records (optionally of one request), newest first."""
    query = "SELECT id, request_id, time, route, verdict, data FROM alerts WHERE service = ?"
    args: list[Any] = [name]
    if request_id is not None:
        query += " AND request_id = ?"
        args.append(request_id)
    if before is not None:
        query += " AND id < ?"
        args.append(before)
    query += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    return [(int(row[0]), AlertRow(*row[1:])) for row in connection.execute(query, args)]


def decisions(connection: sqlite3.Connection, name: str) -> list[tuple[int, float, str, bytes]]:
    """(id, created, author, data) of a service's decisions, oldest first."""
    return [
        (int(i), float(c), str(a), bytes(d))
        for i, c, a, d in connection.execute(
            "SELECT id, created, author, data FROM decisions WHERE service = ? ORDER BY id",
            (name,),
        )
    ]


def now() -> float:
    """Seconds since the epoch (the store's timestamps)."""
    return time.time()
