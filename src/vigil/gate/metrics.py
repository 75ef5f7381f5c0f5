"""Prometheus metrics of a gate, on their own registry and their own listener.

Guard printed its counters only at shutdown; a gate must be watchable while it runs. Metrics
live on a private :class:`CollectorRegistry` (several gates or tests in one process never
collide) and are served by a separate aiohttp listener, so scraping never competes with the
protected port. Every label set is bounded: routes come from the engine's bounded route set,
and any label is capped at ``max_label_values`` distinct values, beyond which it reads
``other``, so attacker-chosen paths or methods cannot grow memory.

The two series touched by every inspection (the per-route verdict counters and the inspection
histogram) are plain integers under one lock, exported by a custom collector at scrape time:
prometheus-client's ``inc``/``observe`` take a lock per value and walk the buckets in Python,
which cost more than a whole request's profiling. Names, labels and values are the same as
with prometheus-client's own Counter and Histogram.
"""

from __future__ import annotations

import math
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import cast

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)
from prometheus_client import metrics as prometheus_metrics
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

from vigil.behavior.decision import Decision, Verdict

MAX_LABEL_VALUES = 512
"""Default cap on distinct values of one label (routes, codes); beyond it the value is ``other``."""

OTHER = "other"

INSPECTION_BUCKETS = (
    0.00001,
    0.000025,
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
)
"""Histogram buckets of one inspection, from 10 µs to 25 ms."""


class LabelCap:
    """Admits at most ``limit`` distinct values; later new values become ``other``."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if not value.isascii():
            value = value.encode("utf-8", "backslashreplace").decode("utf-8")
        if value in self._seen:
            return value
        with self._lock:
            if len(self._seen) >= self._limit:
                return OTHER
            self._seen.add(value)
        return value


CHILD_CACHE = 4096
"""Bound on cached (phase, route, verdict) cells (label lookups skipped on the hot path)."""

PHASES = ("request", "response")

_LE = tuple(
    cast(Callable[[float], str], floatToGoString)(bound)
    for bound in (*INSPECTION_BUCKETS, math.inf)
)


def _created_enabled() -> bool:
    return bool(getattr(prometheus_metrics, "_use_created", True))


class _Timing:
    """One phase's inspection histogram: per-bucket counts (the last is ``+Inf``) and the sum."""

    __slots__ = ("buckets", "created", "total")

    def __init__(self) -> None:
        self.buckets = [0] * (len(INSPECTION_BUCKETS) + 1)
        self.total = 0.0
        self.created = time.time()


class _Cell:
    """One ``(route, verdict)`` series of one phase, and that phase's histogram."""

    __slots__ = ("count", "created", "labels", "timing")

    def __init__(self, labels: tuple[str, str], timing: _Timing) -> None:
        self.labels = labels
        self.timing = timing
        self.count = 0
        self.created = time.time()


class _HotSeries:
    """The per-inspection series as plain integers under one lock."""

    def __init__(self, route_label: LabelCap) -> None:
        self.lock = threading.Lock()
        self._route = route_label
        self._cells: dict[tuple[str, str, str], _Cell] = {}
        self.series: dict[str, dict[tuple[str, str], _Cell]] = {phase: {} for phase in PHASES}
        self.timings: dict[str, _Timing] = {}

    def _cell(self, key: tuple[str, str, str]) -> _Cell:
        phase, route, verdict = key
        labels = (self._route(route), verdict)
        with self.lock:
            timing = self.timings.get(phase)
            if timing is None:
                timing = self.timings[phase] = _Timing()
            series = self.series[phase]
            cell = series.get(labels)
            if cell is None:
                cell = series[labels] = _Cell(labels, timing)
            if len(self._cells) < CHILD_CACHE:
                self._cells[key] = cell
        return cell

    def count(self, phase: str, decision: Decision, seconds: float) -> None:
        """Add one inspection of ``phase`` to its verdict counter and the histogram."""
        key = (phase, decision.route, decision.verdict._value_)
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cell(key)
        index = bisect_left(INSPECTION_BUCKETS, seconds)
        timing = cell.timing
        with self.lock:
            cell.count += 1
            timing.total += seconds
            if not math.isnan(seconds):
                timing.buckets[index] += 1


class _Totals:
    """Collector of ``vigil_requests_inspected`` and ``vigil_responses_inspected``."""

    def __init__(self, hot: _HotSeries) -> None:
        self._hot = hot

    def describe(self) -> list[CounterMetricFamily]:
        return [
            CounterMetricFamily(
                f"vigil_{phase}s_inspected",
                f"{phase.title()}s inspected.",
                labels=["route", "verdict"],
            )
            for phase in PHASES
        ]

    def collect(self) -> Iterator[Metric]:
        created = _created_enabled()
        families = self.describe()
        with self._hot.lock:
            for family, phase in zip(families, PHASES, strict=True):
                for cell in self._hot.series[phase].values():
                    family.add_metric(
                        cell.labels, cell.count, created=cell.created if created else None
                    )
        yield from families


class _Timings:
    """Collector of the ``vigil_inspection_seconds`` histogram, by phase."""

    def __init__(self, hot: _HotSeries) -> None:
        self._hot = hot

    def describe(self) -> list[HistogramMetricFamily]:
        return [
            HistogramMetricFamily(
                "vigil_inspection_seconds", "Time spent in one inspection.", labels=["phase"]
            )
        ]

    def collect(self) -> Iterator[Metric]:
        family = self.describe()[0]
        created = _created_enabled()
        with self._hot.lock:
            for phase, timing in self._hot.timings.items():
                acc = 0
                buckets: list[tuple[str, float]] = []
                for le, count in zip(_LE, timing.buckets, strict=True):
                    acc += count
                    buckets.append((le, acc))
                family.add_metric([phase], buckets, timing.total)
                if created:
                    family.samples.append(
                        Sample(f"{family.name}_created", {"phase": phase}, timing.created)
                    )
        yield family


class _Listener:
    """Collector of the listener's connection figures, read from it at scrape time."""

    def __init__(self) -> None:
        self.read: Callable[[], tuple[int, int, int]] = lambda: (0, 0, 0)

    def describe(self) -> list[Metric]:
        return list(self.collect())

    def collect(self) -> Iterator[Metric]:
        open_connections, in_flight, refused = self.read()
        yield GaugeMetricFamily(
            "vigil_open_connections", "Client connections open.", value=open_connections
        )
        yield GaugeMetricFamily(
            "vigil_requests_in_progress", "Requests being handled.", value=in_flight
        )
        yield CounterMetricFamily(
            "vigil_connections_refused",
            "Client connections closed at once because the connection bound was reached.",
            value=refused,
        )


class GateMetrics:
    """The gate's counters, histogram and gauges."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        max_label_values: int = MAX_LABEL_VALUES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._clock = clock
        self._route = LabelCap(max_label_values)
        self._code = LabelCap(max_label_values)
        self._loaded_at = clock()
        self._hot = _HotSeries(self._route)
        r = self.registry
        r.register(_Totals(self._hot))
        self.alerts = Counter(
            "vigil_alerts", "Alerts raised.", ["route", "code", "severity"], registry=r
        )
        self.blocks = Counter(
            "vigil_blocks", "Exchanges blocked (requests and responses).", ["route"], registry=r
        )
        r.register(_Timings(self._hot))
        self.policy_age = Gauge(
            "vigil_policy_age_seconds",
            "Seconds since the policy was loaded or learned.",
            registry=r,
        )
        self.policy_age.set_function(lambda: self._clock() - self._loaded_at)
        self.policy_version = Gauge(
            "vigil_policy_version", "Version of the policy in use.", registry=r
        )
        self.upstream_errors = Counter(
            "vigil_upstream_errors", "Upstream failures by kind.", ["kind"], registry=r
        )
        self.inspection_errors = Counter(
            "vigil_inspection_errors", "Inspections that raised instead of deciding.", registry=r
        )
        self._listener = _Listener()
        r.register(self._listener)

    def watch_listener(self, read: Callable[[], tuple[int, int, int]]) -> None:
        """Expose a listener's (open connections, requests in progress, refused connections)."""
        self._listener.read = read

    def request_inspected(self, decision: Decision, seconds: float) -> None:
        """Count one request decision."""
        self._hot.count("request", decision, seconds)
        if decision.alerts or decision.verdict is Verdict.BLOCK:
            self._alerted(decision)

    def response_inspected(self, decision: Decision, seconds: float) -> None:
        """Count one response decision."""
        self._hot.count("response", decision, seconds)
        if decision.alerts or decision.verdict is Verdict.BLOCK:
            self._alerted(decision)

    def _alerted(self, decision: Decision) -> None:
        route = self._route(decision.route)
        for alert in decision.alerts:
            self.alerts.labels(route, self._code(alert.code), alert.severity.label).inc()
        if decision.verdict is Verdict.BLOCK:
            self.blocks.labels(route).inc()

    def upstream_error(self, kind: str) -> None:
        """Count an upstream failure (``connect``, ``timeout``, ``protocol``)."""
        self.upstream_errors.labels(self._code(kind)).inc()

    def inspection_error(self) -> None:
        """Count an inspection that failed inside the engine."""
        self.inspection_errors.inc()

    def policy_loaded(self, version: int) -> None:
        """A new policy is in use: set its version, restart its age."""
        self._loaded_at = self._clock()
        self.policy_version.set(version)

    def exposition(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)


def metrics_app(metrics: GateMetrics) -> web.Application:
    """An aiohttp application serving ``/metrics`` (and ``/healthz``)."""

    async def serve_metrics(_: web.Request) -> web.Response:
        return web.Response(
            body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    app = web.Application(client_max_size=1024)
    app.router.add_get("/metrics", serve_metrics)
    app.router.add_get("/healthz", healthz)
    return app


async def start_metrics_server(
    metrics: GateMetrics, host: str, port: int, *, reuse_port: bool = False
) -> tuple[web.AppRunner, int]:
    """Serve ``metrics`` on ``host:port``; returns the runner and the bound port."""
    runner = web.AppRunner(metrics_app(metrics), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
    await site.start()
    return runner, bound_port(runner)


def bound_port(runner: web.BaseRunner) -> int:
    """The TCP port of the runner's first listening socket."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise RuntimeError("runner has no listening TCP socket")
