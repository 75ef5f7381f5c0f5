"""Prometheus metrics of a gate, on their own registry and their own listener.

Guard printed its counters only at shutdown; a gate must be watchable while it runs. Metrics
live on a private :class:`CollectorRegistry` (several gates or tests in one process never
collide) and are served by a separate aiohttp listener, so scraping never competes with the
protected port. Every label set is bounded: routes come from the engine's bounded route set,
and any label is capped at ``max_label_values`` distinct values, beyond which it reads
``other``, so attacker-chosen paths or methods cannot grow memory.

The series touched by every inspection (the per-route verdict counters and the inspection
histogram) are plain integers exported by custom collectors (:mod:`vigil.gate.metric_series`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)

from vigil.behavior.decision import Decision, Verdict
from vigil.gate.metric_series import (
    INSPECTION_BUCKETS,
    MAX_LABEL_VALUES,
    HotSeries,
    LabelCap,
    ListenerFigures,
    ListenerSnapshot,
    TimingCollector,
    TotalsCollector,
)

__all__ = [
    "INSPECTION_BUCKETS",
    "GateMetrics",
    "LabelCap",
    "ListenerSnapshot",
    "start_metrics_server",
]


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
        self._hot = HotSeries(self._route)
        r = self.registry
        r.register(TotalsCollector(self._hot))
        self.alerts = Counter(
            "vigil_alerts", "Alerts raised.", ["route", "code", "severity"], registry=r
        )
        self.blocks = Counter(
            "vigil_blocks", "Exchanges blocked (requests and responses).", ["route"], registry=r
        )
        r.register(TimingCollector(self._hot))
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
        self.route_busy = Counter(
            "vigil_route_busy",
            "Requests refused because their route had its share of upstream exchanges.",
            ["route"],
            registry=r,
        )
        self.ambiguous = Counter(
            "vigil_ambiguous_requests",
            "Requests refused before inspection because stacks read them differently.",
            ["reason"],
            registry=r,
        )
        self._listener = ListenerFigures()
        r.register(self._listener)

    def watch_listener(self, read: Callable[[], ListenerSnapshot]) -> None:
        """Expose a listener's figures, read from it at every scrape."""
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

    def route_refused(self, route: str) -> None:
        """Count a request refused for its route's upstream share (the route key)."""
        self.route_busy.labels(self._route(route)).inc()

    def ambiguous_request(self, reason: str) -> None:
        """Count a request refused as ambiguous; ``reason`` is an ``AmbiguityCode`` value."""
        self.ambiguous.labels(self._code(reason)).inc()

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
