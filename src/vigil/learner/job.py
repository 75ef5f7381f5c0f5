"""One learning run of one service, in the worker: fold new batches, learn, publish, atomically.

The run reads without holding the write lock: the service's statistics (from the worker's
memory when they are the ones it wrote last, else from the store), then the batches stored
since (at most ``per_run`` observations), each added sample by sample
(:meth:`~vigil.behavior.statistics.Statistics.add`). It learns the next learned layer with the
pure :func:`~vigil.behavior.learn.learn_policy`, promotes and applies the operator's decisions on
top (:mod:`vigil.learner.compose`), and then, in one short write transaction: saves the statistics with the last batch folded, empties
the folded batches' bodies (their ids stay a while, for idempotency), lowers the pending count,
and inserts the new published version when it differs from the newest one. A crash anywhere
before the commit leaves everything as it was, and the next run folds the same batches again.
"""

from __future__ import annotations

import sqlite3
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from vigil.behavior.learn import LearnSettings, learn_policy
from vigil.behavior.policy import Policy, parse_policy
from vigil.behavior.promotion import PromotionSettings
from vigil.behavior.statistics import Statistics
from vigil.behavior.wire import WireError, decode_statistics, encode_statistics
from vigil.learner import store
from vigil.learner.batch_decoder import decode_batch_fast
from vigil.learner.compose import Composed, compose, stored_decision
from vigil.learner.ingest import stored_json
from vigil.learner.publish import etag_of, policy_json

_CACHE: dict[tuple[str, str], tuple[int, Statistics]] = {}
"""Statistics the worker wrote last, per (database, service), with their cursor."""


@dataclass(frozen=True, slots=True)
class LearnJob:
    """What one run needs (picklable: it crosses to the worker process)."""

    database: str
    service: str
    relearn: bool
    """Fold new batches and learn; False only recomposes the published policy (a decision)."""
    settings: LearnSettings = field(default_factory=LearnSettings)
    sync: str = "full"
    per_run: int = 200_000
    policies_kept: int = 100
    forget_before: float = 0.0
    """Ids of learned batches received before this time are forgotten."""
    reason: str = ""
    promotion: PromotionSettings = field(default_factory=PromotionSettings)


@dataclass(frozen=True, slots=True)
class JobResult:
    """What a run did, for the scheduler, the metrics and the log."""

    service: str
    published: bool
    """A new version was published."""
    version: int | None
    """The newest published version after the run."""
    folded: int
    """Observations added to the statistics."""
    pending: int
    """Observations still waiting."""
    seconds: float
    routes: int = 0
    unpublished: tuple[str, ...] = ()
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Learning progress of the published routes (samples, clients, windows, ready)."""
    promoted: tuple[str, ...] = ()
    reason: str = ""


def _load_statistics(connection: sqlite3.Connection, job: LearnJob) -> tuple[int, Statistics]:
    settings = job.settings
    row = connection.execute(
        "SELECT cursor, data FROM statistics WHERE service = ?", (job.service,)
    ).fetchone()
    cursor = int(row[0]) if row is not None else 0
    cached = _CACHE.get((job.database, job.service))
    if cached is not None and cached[0] == cursor:
        return cursor, cached[1]
    if row is None:
        return 0, settings.statistics()
    statistics = decode_statistics(bytes(row[1]), settings.thresholds, settings.bounds)
    statistics.window_seconds = settings.window_seconds
    return cursor, statistics


def _fold(
    connection: sqlite3.Connection, job: LearnJob, statistics: Statistics, cursor: int
) -> tuple[int, int]:
    """Add the batches after ``cursor``; returns (observations folded, last batch folded)."""
    folded, last = 0, cursor
    rows = connection.execute(
        "SELECT seq, count, body FROM batches WHERE service = ? AND seq > ? AND body IS NOT NULL "
        "ORDER BY seq",
        (job.service, cursor),
    )
    for seq, count, body in rows:
        if folded and folded + count > job.per_run:
            break
        folded += int(count)
        last = int(seq)
        try:
            batch = decode_batch_fast(stored_json(bytes(body)))
        except (WireError, OSError, EOFError, zlib.error):
            continue
        for exchange in batch.exchanges:
            statistics.add(exchange.counted())
    return folded, last


def _last_would_block(connection: sqlite3.Connection, service: str) -> dict[str, float]:
    rows = connection.execute(
        "SELECT route, MAX(time) FROM alerts WHERE service = ? AND verdict = 'would-block' "
        "GROUP BY route",
        (service,),
    )
    return {str(route): float(at) for route, at in rows}


def run_learn_job(job: LearnJob) -> JobResult:
    """Run one learning (or recomposing) run of ``job.service``; see the module docstring."""
    started = time.perf_counter()
    connection = store.connect(Path(job.database), job.sync)
    key = (job.database, job.service)
    now = store.now()
    try:
        cursor, statistics = _load_statistics(connection, job)
        folded, last = _fold(connection, job, statistics, cursor) if job.relearn else (0, cursor)
        latest = store.latest_policy(connection, job.service)
        previous = (
            parse_policy(orjson.loads(latest.learned), "stored learned layer")
            if latest is not None
            else Policy(service=job.service)
        )
        decisions = [
            stored_decision(i, data) for i, _, _, data in store.decisions(connection, job.service)
        ]
        unpublished: tuple[str, ...] = ()
        if job.relearn:
            learned = learn_policy(statistics, job.settings, previous, now)
            layer, statistics, unpublished = learned.policy, learned.statistics, learned.unpublished
        else:
            layer = previous
        composed = compose(
            layer,
            decisions,
            service=job.service,
            statistics=statistics,
            settings=job.settings,
            promotion=job.promotion,
            now=now,
            last_would_block=_last_would_block(connection, job.service),
        )
        outcome = _commit(
            connection,
            job,
            statistics=statistics,
            composed=composed,
            decided=[d.id for d in decisions],
            folded=folded,
            cursor=cursor,
            last=last,
        )
    except BaseException:
        _CACHE.pop(key, None)
        raise
    finally:
        connection.close()
    if outcome is None:
        _CACHE.pop(key, None)
        return JobResult(
            job.service, False, None, 0, 0, time.perf_counter() - started, reason="raced"
        )
    version, is_new, pending = outcome
    _CACHE[key] = (last, statistics)
    return JobResult(
        service=job.service,
        published=is_new,
        version=version,
        folded=folded,
        pending=pending,
        seconds=time.perf_counter() - started,
        routes=len(composed.published.routes),
        unpublished=unpublished,
        progress=composed.progress.get("routes", {}),
        promoted=tuple(
            f"{p.route}: {p.before.value} -> {p.after.value}" for p in composed.promoted
        ),
        reason=job.reason,
    )


def _commit(
    connection: sqlite3.Connection,
    job: LearnJob,
    *,
    statistics: Statistics,
    composed: Composed,
    decided: list[int],
    folded: int,
    cursor: int,
    last: int,
) -> tuple[int | None, bool, int] | None:
    """Write the run's results in one transaction; None when another run moved the cursor."""
    now = store.now()
    connection.execute("BEGIN IMMEDIATE")
    try:
        row = connection.execute(
            "SELECT cursor FROM statistics WHERE service = ?", (job.service,)
        ).fetchone()
        if (int(row[0]) if row is not None else 0) != cursor:
            connection.execute("ROLLBACK")
            return None
        connection.execute(
            "INSERT INTO statistics (service, cursor, updated, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (service) DO UPDATE SET cursor = excluded.cursor, "
            "updated = excluded.updated, data = excluded.data",
            (job.service, last, now, encode_statistics(statistics, job.service)),
        )
        if folded:
            connection.execute(
                "UPDATE batches SET body = NULL WHERE service = ? AND seq <= ? "
                "AND body IS NOT NULL",
                (job.service, last),
            )
        store.ensure_service(connection, job.service, now)
        current = [d[0] for d in store.decisions(connection, job.service)]
        connection.execute(
            "UPDATE services SET pending = MAX(0, pending - ?), dirty = ? WHERE name = ?",
            (folded, int(current != decided), job.service),
        )
        version, is_new = _publish(connection, job, composed, now)
        store.forget_old_batches(connection, job.forget_before)
        pending = connection.execute(
            "SELECT pending FROM services WHERE name = ?", (job.service,)
        ).fetchone()[0]
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return version, is_new, int(pending)


def _publish(
    connection: sqlite3.Connection, job: LearnJob, composed: Composed, now: float
) -> tuple[int | None, bool]:
    published = composed.published
    latest = store.latest_policy(connection, job.service)
    if latest is not None:
        same = published.model_copy(update={"version": latest.version})
        if policy_json(same) == bytes(latest.policy):
            connection.execute(
                "UPDATE policies SET progress = ? WHERE service = ? AND version = ?",
                (orjson.dumps(composed.progress), job.service, latest.version),
            )
            return latest.version, False
    if not published.routes and not published.operator and latest is None:
        return None, False
    version = (latest.version if latest is not None else 0) + 1
    final = published.model_copy(update={"version": version})
    body = policy_json(final)
    reason = job.reason or "learned"
    if composed.promoted:
        reason += "; promoted " + ", ".join(
            f"{p.route} to {p.after.value}" for p in composed.promoted
        )
    connection.execute(
        "INSERT INTO policies (service, version, created, etag, reason, policy, learned, "
        "progress) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job.service,
            version,
            now,
            etag_of(version, body),
            reason[:1000],
            body,
            policy_json(composed.learned),
            orjson.dumps(composed.progress),
        ),
    )
    connection.execute(
        "DELETE FROM policies WHERE service = ? AND version <= ?",
        (job.service, version - job.policies_kept),
    )
    return version, True
