"""The collector: learnable exchanges turned into statistics between two learning runs.

Judging and learning are apart: the inspector settles whether an exchange may be learned, the
collector turns the ones that may into samples (:mod:`vigil.behavior.sample`: profiled, with the
client's digest and the time) and counts them in the service's globally bounded
:class:`~vigil.behavior.statistics.Statistics`, and the pure
:func:`~vigil.behavior.learn.learn_policy` turns statistics into a policy. A gate that syncs with
a learner sends the same samples instead of (or besides) counting them. Safe to share between
threads: profiling happens outside the lock.
"""

from __future__ import annotations

import threading

from vigil.behavior.decision import Decision
from vigil.behavior.exchange import Exchange, sample_of
from vigil.behavior.identity import client_digest
from vigil.behavior.routes import RouteTable
from vigil.behavior.sample import ExchangeSample
from vigil.behavior.snapshot import encode_statistics
from vigil.behavior.statistics import Bounds, Statistics
from vigil.behavior.stats import RouteStats

MAX_TRACKED_ROUTES = Bounds().max_routes
"""Bound on distinct (method, path template) statistics kept between two learning runs."""

DIGEST_CACHE = 4096
"""Bound on remembered client digests (emptied when full)."""


class Collector:
    """Statistics of learnable exchanges, keyed ``METHOD /template``."""

    def __init__(self, statistics: Statistics | None = None, *, client_key: bytes = b"") -> None:
        self._stats = statistics if statistics is not None else Statistics()
        self.client_key = client_key
        """Key of the client digests (shared by the gates of one service)."""
        self._digests: dict[str, int] = {}
        self._lock = threading.Lock()

    def sample(self, decision: Decision) -> ExchangeSample | None:
        """The sample of a judged exchange, or None when it may not be learned."""
        exchange = decision.observation
        if not isinstance(exchange, Exchange) or not exchange.learnable:
            return None
        request = exchange.request
        return sample_of(exchange, self.digest(request.client), request.time)

    def digest(self, identity: str) -> int:
        """The keyed digest of a client identity (cached, bounded by DIGEST_CACHE)."""
        digest = self._digests.get(identity)
        if digest is None:
            digest = client_digest(identity, self.client_key)
            if len(self._digests) >= DIGEST_CACHE:
                self._digests.clear()
            self._digests[identity] = digest
        return digest

    def observe(self, decision: Decision) -> bool:
        """Count a judged exchange; returns whether it was learnable."""
        sample = self.sample(decision)
        if sample is None:
            return False
        self.add(sample)
        return True

    def add(self, sample: ExchangeSample) -> None:
        """Count one sample (from this gate, or received from others)."""
        with self._lock:
            self._stats.add(sample)

    def take(self) -> Statistics:
        """Everything collected so far; the collector starts again empty."""
        with self._lock:
            taken, self._stats = self._stats, self._stats.empty_like()
        return taken

    def restore(self, statistics: Statistics, table: RouteTable) -> None:
        """Put learned ``statistics`` back, merging what was observed since :meth:`take`.

        Keys observed meanwhile are re-keyed through ``table`` (the templates just learned), so
        the next run sees one entry per route.
        """
        with self._lock:
            for key, stats in self._stats.routes.items():
                method, typed = key.split(" ", 1)
                template = table.match(typed) or typed
                statistics.absorb(f"{method} {template}", stats, self._stats.support.get(key))
            statistics.dropped_routes += self._stats.dropped_routes
            statistics.dropped_fields += self._stats.dropped_fields
            self._stats = statistics

    def replace(self, statistics: Statistics) -> None:
        """Start from ``statistics`` (e.g. restored after a restart), merging what is pending."""
        with self._lock:
            statistics.merge(self._stats)
            self._stats = statistics

    def export(self, service: str) -> bytes:
        """A versioned snapshot of the statistics (:class:`~vigil.behavior.snapshot.StatisticsSnapshot`)."""
        with self._lock:
            return encode_statistics(self._stats, service)

    def decay(self, factor: float) -> None:
        """Age all statistics so criteria can tighten and expire on the next learning run."""
        with self._lock:
            self._stats.decay(factor)

    @property
    def statistics(self) -> Statistics:
        """The current statistics (read-only use)."""
        return self._stats

    @property
    def stats(self) -> dict[str, RouteStats]:
        """The current counted statistics per route key (read-only use)."""
        return self._stats.routes
