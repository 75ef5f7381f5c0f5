"""Metrics of a gate's learning path: buffered and dropped observations, reloads, the learner.

Registered on the gate's own registry (:class:`~vigil.gate.metrics.GateMetrics.registry`) next
to the inspection metrics. The buffer figures are read from the buffer at scrape time, so the
request path pays nothing for them. Labels are closed sets (reload sources and outcomes, error
kinds), never attacker-chosen text.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

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


class LearningMetrics:
    """The learning path's series on ``registry``."""

    def __init__(self, registry: CollectorRegistry, buffer: ObservationBuffer) -> None:
        registry.register(_BufferFigures(buffer))
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
