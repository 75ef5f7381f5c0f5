"""The series touched by every inspection, as plain integers exported by custom collectors.

prometheus-client's ``inc``/``observe`` take a lock per value and walk the buckets in Python,
which cost more than a whole request's profiling. Here the per-route verdict counters and the
inspection histogram are integers under one lock, turned into metric families only when
scraped, with the same names, labels and values as prometheus-client's own Counter and
Histogram (``_created`` samples included, and dropped when prometheus-client drops them). The
listener's connection figures are read from it at scrape time too. Every label is capped
(:class:`LabelCap`) so attacker-chosen routes or codes cannot grow memory.
"""

from __future__ import annotations

import math
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast

from prometheus_client import metrics as prometheus_metrics
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

from vigil.behavior.decision import Decision

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


class HotSeries:
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


class TotalsCollector:
    """Collector of ``vigil_requests_inspected`` and ``vigil_responses_inspected``."""

    def __init__(self, hot: HotSeries) -> None:
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


class TimingCollector:
    """Collector of the ``vigil_inspection_seconds`` histogram, by phase."""

    def __init__(self, hot: HotSeries) -> None:
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


@dataclass(frozen=True, slots=True)
class ListenerSnapshot:
    """The listener's figures at one moment (read at scrape time)."""

    open_connections: int = 0
    clients: int = 0
    """Distinct clients (peer addresses, IPv6 by /64) with a connection open."""
    in_flight: int = 0
    receiving: int = 0
    """Requests in progress whose body is still arriving."""
    refused_connections: int = 0
    evicted_connections: int = 0
    refusals: Mapping[str, int] = field(default_factory=dict)
    """Refusals by reason (:class:`vigil.gate.refusals.Refusal` values)."""


class ListenerFigures:
    """Collector of the listener's connection figures, read from it at scrape time."""

    def __init__(self) -> None:
        self.read: Callable[[], ListenerSnapshot] = ListenerSnapshot

    def describe(self) -> list[Metric]:
        return list(self.collect())

    def collect(self) -> Iterator[Metric]:
        now = self.read()
        yield GaugeMetricFamily(
            "vigil_open_connections", "Client connections open.", value=now.open_connections
        )
        yield GaugeMetricFamily(
            "vigil_open_clients",
            "Distinct clients (peer addresses, IPv6 by /64) with a connection open.",
            value=now.clients,
        )
        yield GaugeMetricFamily(
            "vigil_requests_in_progress", "Requests being handled.", value=now.in_flight
        )
        yield GaugeMetricFamily(
            "vigil_requests_receiving",
            "Requests being handled whose body is still arriving.",
            value=now.receiving,
        )
        yield CounterMetricFamily(
            "vigil_connections_refused",
            "Client connections closed at once because a connection bound left no room.",
            value=now.refused_connections,
        )
        yield CounterMetricFamily(
            "vigil_connections_evicted",
            "Idle client connections closed to make room for new ones.",
            value=now.evicted_connections,
        )
        refusals = CounterMetricFamily(
            "vigil_refusals",
            "Connections and requests refused or cut to keep the gate available, by reason.",
            labels=["reason"],
        )
        for reason, count in sorted(now.refusals.items()):
            refusals.add_metric([reason], count)
        yield refusals
