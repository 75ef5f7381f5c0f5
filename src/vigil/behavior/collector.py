"""The collector: learnable exchanges turned into statistics between two learning runs.

Judging and learning are apart: the inspector settles whether an exchange may be learned, the
collector adds the ones that may to their route's mergeable statistics, and the pure
:func:`~vigil.behavior.learn.learn_policy` turns statistics into a policy. The collector is
bounded (:data:`MAX_TRACKED_ROUTES` routes; more fall into the ``/{other}`` bucket) and safe to
share between threads.
"""

from __future__ import annotations

import threading

from vigil.behavior.decision import Decision
from vigil.behavior.exchange import Exchange, accumulate
from vigil.behavior.routes import OTHER_ROUTE, RouteTable
from vigil.behavior.stats import RouteStats

MAX_TRACKED_ROUTES = 4096
"""Bound on distinct (method, path template) statistics kept between two learning runs."""


class Collector:
    """Route statistics of learnable exchanges, keyed ``METHOD /template``."""

    def __init__(self, max_routes: int = MAX_TRACKED_ROUTES) -> None:
        self.max_routes = max_routes
        self._stats: dict[str, RouteStats] = {}
        self._lock = threading.Lock()

    def observe(self, decision: Decision) -> bool:
        """Add a judged exchange to the statistics; returns whether it was learnable."""
        exchange = decision.observation
        if not isinstance(exchange, Exchange) or not exchange.learnable:
            return False
        with self._lock:
            key = exchange.key
            stats = self._stats.get(key)
            if stats is None:
                if len(self._stats) >= self.max_routes:
                    key = f"{exchange.request.method} {OTHER_ROUTE}"
                stats = self._stats.setdefault(key, RouteStats())
            accumulate(stats, exchange)
        return True

    def take(self) -> dict[str, RouteStats]:
        """Everything collected so far; the collector starts again empty."""
        with self._lock:
            taken, self._stats = self._stats, {}
        return taken

    def restore(self, statistics: dict[str, RouteStats], table: RouteTable) -> None:
        """Put learned ``statistics`` back, merging what was observed since :meth:`take`.

        Keys observed meanwhile are re-keyed through ``table`` (the templates just learned), so
        the next run sees one entry per route.
        """
        with self._lock:
            for key, stats in self._stats.items():
                method, typed = key.split(" ", 1)
                template = table.match(typed) or typed
                statistics.setdefault(f"{method} {template}", RouteStats()).merge(stats)
            self._stats = statistics

    def decay(self, factor: float) -> None:
        """Age all statistics so criteria can tighten and expire on the next learning run."""
        with self._lock:
            for stats in self._stats.values():
                stats.decay(factor)

    @property
    def stats(self) -> dict[str, RouteStats]:
        """The current statistics (read-only use)."""
        return self._stats
