"""Prometheus metrics of the learner, on a private registry served at ``/metrics``.

Every label is a closed set or bounded: handler names, statuses, refusal reasons, service names
(bounded by ``services``) and the routes of published policies (bounded by the policy's own
size bound). Routes seen but not published (a scan's random paths) are counted per service,
never named, so an attacker cannot grow the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

LEARNING_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
"""Histogram buckets of one learning run, in seconds."""

RouteProgress = dict[str, dict[str, dict[str, object]]]
"""service -> route -> {samples, clients, windows, ready}."""


class _Figures:
    """Gauges read at scrape time from the learner's state."""

    def __init__(self) -> None:
        self.read: Callable[[], tuple[int, int, int]] = lambda: (0, 0, 0)
        self.progress: Callable[[], RouteProgress] = dict
        self.unpublished: Callable[[], dict[str, int]] = dict

    def collect(self) -> Iterator[Metric]:
        queued, waiting, services = self.read()
        yield GaugeMetricFamily(
            "vigil_learner_writer_queued_bytes",
            "Bytes of requests waiting for the store's writer.",
            value=queued,
        )
        yield GaugeMetricFamily(
            "vigil_learner_long_polls", "Policy long polls held right now.", value=waiting
        )
        yield GaugeMetricFamily("vigil_learner_services", "Services known.", value=services)
        series = {
            "samples": GaugeMetricFamily(
                "vigil_learning_route_samples",
                "Requests a published route was learned from.",
                labels=["service", "route"],
            ),
            "clients": GaugeMetricFamily(
                "vigil_learning_route_clients",
                "Distinct clients that showed a route (capped at the K threshold).",
                labels=["service", "route"],
            ),
            "windows": GaugeMetricFamily(
                "vigil_learning_route_windows",
                "Distinct time windows a route was shown in (capped at the W threshold).",
                labels=["service", "route"],
            ),
            "ready": GaugeMetricFamily(
                "vigil_learning_route_ready",
                "1 when a route has enough samples, clients and windows to be enforced.",
                labels=["service", "route"],
            ),
        }
        for service, routes in sorted(self.progress().items()):
            for route, figures in sorted(routes.items()):
                for name, family in series.items():
                    value = figures.get(name, 0)
                    family.add_metric([service, route], float(value))  # type: ignore[arg-type]
        yield from series.values()
        unpublished = GaugeMetricFamily(
            "vigil_learning_routes_unpublished",
            "Routes seen but not (yet) shown by enough clients in enough windows.",
            labels=["service"],
        )
        for service, count in sorted(self.unpublished().items()):
            unpublished.add_metric([service], float(count))
        yield unpublished


class LearnerMetrics:
    """The learner's series."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "vigil_learner_requests", "Requests handled.", ["handler", "status"], registry=r
        )
        self.auth_failures = Counter(
            "vigil_learner_auth_failures",
            "Requests refused for their credentials (missing, malformed, unknown, forbidden).",
            ["reason"],
            registry=r,
        )
        self.observations = Counter(
            "vigil_learner_observations",
            "Observations stored (acknowledged to a gate).",
            ["service"],
            registry=r,
        )
        self.batches = Counter(
            "vigil_learner_batches",
            "Observation batches by result (stored, duplicate).",
            ["service", "result"],
            registry=r,
        )
        self.refused = Counter(
            "vigil_learner_refused",
            "Posts refused by reason (too-large, invalid, bound-reached, busy).",
            ["reason"],
            registry=r,
        )
        self.alerts = Counter(
            "vigil_learner_alerts", "Alert records stored.", ["service"], registry=r
        )
        self.pending = Gauge(
            "vigil_learner_pending_observations",
            "Observations stored and not learned yet.",
            ["service"],
            registry=r,
        )
        self.policy_version = Gauge(
            "vigil_learner_policy_version", "Newest published version.", ["service"], registry=r
        )
        self.learning_runs = Counter(
            "vigil_learner_learning_runs",
            "Learning runs by result (published, unchanged, failed, timeout).",
            ["service", "result"],
            registry=r,
        )
        self.learning_seconds = Histogram(
            "vigil_learner_learning_seconds",
            "Duration of one learning run.",
            buckets=LEARNING_BUCKETS,
            registry=r,
        )
        self.learned_observations = Counter(
            "vigil_learner_learned_observations",
            "Observations folded into the statistics.",
            ["service"],
            registry=r,
        )
        self.figures = _Figures()
        r.register(self.figures)

    def exposition(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)
