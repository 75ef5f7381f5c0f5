"""Running the learner: open the store, load what was published, serve, learn, stop cleanly.

``vigil learner serve`` ends here. At start the store is opened (created, switched to WAL,
schema checked), every service's counters and newest published policy are loaded, and services
with observations waiting are scheduled to learn. SIGTERM or SIGINT stops accepting, lets
requests in progress finish, commits what the writer holds and stops the worker. A port
already in use is one line (:class:`ListenError`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from aiohttp import web

from vigil.behavior.learn import LearnSettings
from vigil.behavior.statistics import Bounds as StatisticsBounds
from vigil.configfile import split_host_port
from vigil.learner import store
from vigil.learner.api import LearnerState, build_app
from vigil.learner.auth import Tokens, check_insecure
from vigil.learner.checkers import BatchCheckers
from vigil.learner.config import LearnerConfig
from vigil.learner.decisions_api import DECISION_ROUTES
from vigil.learner.job import JobResult, LearnJob, run_learn_job
from vigil.learner.log import LearnerLog
from vigil.learner.metrics import LearnerMetrics
from vigil.learner.operator_api import OPERATOR_ROUTES
from vigil.learner.publish import Publications, Published
from vigil.learner.scheduler import LearningScheduler
from vigil.learner.worker import JobFailed, JobTimeout, JobWorker
from vigil.learner.writer import Writer

KEEPALIVE_SECONDS = 30.0
"""Idle keep-alive connections (and connections that never send a request) are closed then."""
SHUTDOWN_SECONDS = 10.0


class ListenError(RuntimeError):
    """The learner cannot listen on its address; the message is one line naming it and why."""


def learn_settings(config: LearnerConfig) -> LearnSettings:
    """The learning settings of a configuration: K, W, window length and statistics bounds."""
    t, b = config.thresholds, config.bounds
    return LearnSettings(
        min_clients=t.clients,
        min_windows=t.windows,
        window_seconds=t.window_seconds,
        bounds=StatisticsBounds(
            max_routes=b.routes_per_service,
            max_fields=b.fields_per_service,
            fields_per_route=b.keys_per_route,
        ),
    )


@dataclass(slots=True)
class RunningLearner:
    """A started learner: its state, listener, scheduler and worker."""

    state: LearnerState
    runner: web.AppRunner
    scheduler: LearningScheduler
    worker: JobWorker
    host: str
    port: int
    log: LearnerLog
    results: list[JobResult] = field(default_factory=list)
    """The last learning results (at most 100), newest last."""

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:7070``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        """Stop learning, let requests finish, commit what is queued, stop the worker."""
        await self.scheduler.stop()
        await self.runner.cleanup()
        await self.worker.close()
        await self.state.checkers.close()
        await asyncio.to_thread(self.state.writer.close)
        self.state.readers.close()
        self.log.event("learner-stopped", url=self.url)


def _load(state: LearnerState) -> None:
    with state.readers.read() as connection:
        for row in store.services(connection):
            state.known.add(row.name)
            state.pending[row.name] = row.pending
            if row.dirty:
                state.dirty.add(row.name)
            state.metrics.pending.labels(row.name).set(row.pending)
            latest = store.latest_policy(connection, row.name)
            if latest is not None:
                _publish_row(state, latest)


def _publish_row(state: LearnerState, row: store.PolicyRow) -> None:
    entry = Published(row.service, row.version, row.etag, bytes(row.policy))
    if state.publications.publish(entry):
        state.metrics.policy_version.labels(row.service).set(row.version)
    progress = orjson.loads(row.progress)
    state.progress[row.service] = progress.get("routes", {})
    state.gathering[row.service] = int(progress.get("gathering", 0))


async def start_learner(
    config: LearnerConfig,
    tokens: Tokens | None,
    *,
    log: LearnerLog | None = None,
) -> RunningLearner:
    """Open the store and start serving and learning on the running loop."""
    log = log if log is not None else LearnerLog(level=config.log_level)
    host, port = split_host_port(config.listen)
    if tokens is None:
        if not config.insecure_dev:
            raise ValueError("a tokens file is required (or --insecure-dev on loopback)")
        check_insecure(host)
    database = Path(config.database)
    store.open_store(database, config.sync)
    writer = Writer(
        lambda: store.connect(database, config.sync), queued_bytes=config.bounds.queued_bytes
    )
    writer.start()
    state = LearnerState(
        config=config,
        tokens=tokens,
        writer=writer,
        readers=store.Readers(database),
        publications=Publications(config.bounds.waiters),
        metrics=LearnerMetrics(),
        checkers=BatchCheckers(config.check_processes, config.bounds.handler_seconds),
        on_error=lambda exc: log.event(
            "handler-error", level="error", error=f"{type(exc).__name__}: {exc}"
        ),
    )
    await asyncio.to_thread(_load, state)
    worker = JobWorker(config.learn.worker)
    settings = learn_settings(config)
    results: list[JobResult] = []

    async def run(service: str, relearn: bool) -> None:
        job = LearnJob(
            database=str(database),
            service=service,
            relearn=relearn,
            settings=settings,
            sync=config.sync,
            per_run=config.learn.per_run,
            policies_kept=config.bounds.policies_kept,
            forget_before=store.now() - config.bounds.batch_ids_kept_seconds,
            reason="learned" if relearn else "decisions changed",
            promotion=config.promotion.settings(),
        )
        await _run_job(
            state, worker, job, timeout=config.learn.timeout_seconds, log=log, results=results
        )

    scheduler = LearningScheduler(config.learn, run, lambda s: state.pending.get(s, 0))
    state.stored = scheduler.stored
    state.decided = scheduler.decided
    state.learn_now = scheduler.learn_now
    state.metrics.figures.progress = lambda: state.progress
    state.metrics.figures.unpublished = lambda: state.gathering
    state.metrics.figures.read = lambda: (
        writer.queued,
        state.publications.waiting,
        len(state.known),
    )
    runner = web.AppRunner(
        build_app(state, OPERATOR_ROUTES + DECISION_ROUTES),
        access_log=None,
        auto_decompress=False,
        keepalive_timeout=KEEPALIVE_SECONDS,
        shutdown_timeout=SHUTDOWN_SECONDS,
        handle_signals=False,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        await state.checkers.close()
        await asyncio.to_thread(writer.close)
        state.readers.close()
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise ListenError(f"--listen {config.listen}: {reason.lower()}") from None
    bound = _bound_port(runner)
    for service, waiting in state.pending.items():
        if waiting:
            scheduler.stored(service)
    for service in state.dirty:
        scheduler.decided(service)
    scheduler.start()
    running = RunningLearner(state, runner, scheduler, worker, host, bound, log, results)
    log.event(
        "learner-started",
        url=running.url,
        database=str(database),
        services=len(state.known),
        auth="insecure-dev" if tokens is None else "tokens",
    )
    return running


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise RuntimeError("the learner has no listening TCP socket")


async def _run_job(
    state: LearnerState,
    worker: JobWorker,
    job: LearnJob,
    *,
    timeout: float,
    log: LearnerLog,
    results: list[JobResult],
) -> None:
    metrics = state.metrics
    service = job.service
    try:
        result = await worker.run(run_learn_job, job, timeout)
    except (JobTimeout, JobFailed) as exc:
        kind = "timeout" if isinstance(exc, JobTimeout) else "failed"
        metrics.learning_runs.labels(service, kind).inc()
        log.event("learning-failed", level="error", service=service, kind=kind, error=str(exc))
        return
    results.append(result)
    del results[:-100]
    metrics.learning_seconds.observe(result.seconds)
    metrics.learned_observations.labels(service).inc(result.folded)
    metrics.learning_runs.labels(service, "published" if result.published else "unchanged").inc()
    state.pending[service] = result.pending
    metrics.pending.labels(service).set(result.pending)
    state.known.add(service)
    state.progress[service] = result.progress
    state.gathering[service] = len(result.unpublished)
    if not result.published:
        return

    row = await asyncio.to_thread(state.readers.query, store.latest_policy, service)
    if row is not None:
        _publish_row(state, row)
        log.event(
            "policy-published",
            service=service,
            version=row.version,
            routes=result.routes,
            folded=result.folded,
            unpublished=len(result.unpublished),
            seconds=round(result.seconds, 3),
        )


async def serve_forever(config: LearnerConfig, tokens: Tokens | None) -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly."""
    running = await start_learner(config, tokens)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await running.close()


def run(config: LearnerConfig, tokens: Tokens | None) -> None:
    """Run the learner in the foreground (ListenError, StoreError and ValueError propagate)."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(config, tokens))
