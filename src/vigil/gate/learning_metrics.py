"""Metrics of a gate's learning path: buffered and dropped observations, reloads, the learner.

Registered on the gate's own registry (:class:`~vigil.gate.metrics.GateMetrics.registry`) next
to the inspection metrics. The buffer figures are read from the buffer at scrape time, so the
request path pays nothing for them; learning progress per route is computed after each local
learning run (published routes are named, routes still gathering support only counted). Labels are closed sets (reload sources and outcomes, error
kinds), never attacker-chosen text.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from vigil.behavior.progress import Readiness, RouteProgress
from vigil.gate.observations import ObservationBuffer


class _BufferFigures:
    """Exports the observation buffer's length, bound and drop counter when scraped."""

    def __init__(self, buffer: ObservationBuffer) -> None:
        self.buffer = buffer

    def collect(self) -> Iterator[Metric]:
        buffer = self.buffer
        yield GaugeMetricFamily(
            "vigil_observations_buffered",
            "Learnable exchanges waiting to be learned or sent to the learner.",
            value=len(buffer),
        )
        yield GaugeMetricFamily(
            "vigil_observations_buffer_bound",
            "Observations the buffer holds before it drops new ones.",
            value=buffer.bound,
        )
        yield GaugeMetricFamily(
            "vigil_observations_buffered_bytes",
            "Estimated bytes the buffered observations hold (bounded, default 64 MiB).",
            value=buffer.held_bytes,
        )
        yield CounterMetricFamily(
            "vigil_observations_dropped",
            "Observations dropped because the buffer was full (learner away or too slow).",
            value=buffer.dropped,
        )
        yield CounterMetricFamily(
            "vigil_observations_accepted",
            "Observations appended to the buffer.",
            value=buffer.accepted,
        )


class _ProgressFigures:
    """Learning progress of the published routes, as computed after the last learning run."""

    def __init__(self) -> None:
        self.routes: list[RouteProgress] = []

    def collect(self) -> Iterator[Metric]:
        names = {
            "samples": "Requests a published route was learned from.",
            "clients": "Distinct clients that showed a route (capped at the K threshold).",
            "windows": "Distinct time windows a route was shown in (capped at the W threshold).",
            "ready": "1 when a route has enough samples, clients and windows to be enforced.",
        }
        families = {
            key: GaugeMetricFamily(f"vigil_learning_route_{key}", text, labels=["route"])
            for key, text in names.items()
        }
        gathering = 0
        for progress in self.routes:
            if progress.state is Readiness.GATHERING:
                gathering += 1
                continue
            families["samples"].add_metric([progress.route], progress.samples)
            families["clients"].add_metric([progress.route], progress.clients)
            families["windows"].add_metric([progress.route], progress.windows)
            families["ready"].add_metric([progress.route], float(progress.ready))
        yield from families.values()
        yield GaugeMetricFamily(
            "vigil_learning_routes_gathering",
            "Routes seen but not (yet) shown by enough clients in enough windows.",
            value=gathering,
        )


class LearningMetrics:
    """The learning path's series on ``registry``."""

    def __init__(self, registry: CollectorRegistry, buffer: ObservationBuffer) -> None:
        registry.register(_BufferFigures(buffer))
        self._progress = _ProgressFigures()
        registry.register(self._progress)
        self.reloads = Counter(
            "vigil_policy_reloads",
            "Policy reloads by source (file, sighup, edit, learner) and result.",
            ["source", "result"],
            registry=registry,
        )
        self.sent = Counter(
            "vigil_observations_sent",
            "Observations the learner acknowledged.",
            registry=registry,
        )
        self.learner_errors = Counter(
            "vigil_learner_errors",
            "Failed calls to the learner by kind (connect, timeout, status, invalid-policy).",
            ["kind"],
            registry=registry,
        )
        self.learner_up = Gauge(
            "vigil_learner_up",
            "1 when the last call to the learner succeeded, else 0.",
            registry=registry,
        )

    def reloaded(self, source: str, result: str) -> None:
        """Count one reload."""
        self.reloads.labels(source, result).inc()

    def progressed(self, routes: list[RouteProgress]) -> None:
        """Keep the learning progress computed after a learning run, for the next scrapes."""
        self._progress.routes = routes
