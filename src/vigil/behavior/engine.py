"""The engine: one service's inspector and its local learning path, behind one object.

Adapters (proxy, ASGI, WSGI, data-set replay) and the CLI drive this: :meth:`Engine.inspect_request`
and :meth:`Engine.inspect_response` judge (:class:`~vigil.behavior.inspector.Inspector`, every
detector phase by phase), :meth:`Engine.observe` hands a judged exchange to the bounded
:class:`~vigil.behavior.collector.Collector`, and :meth:`Engine.learn` runs the pure
:func:`~vigil.behavior.learn.learn_policy` and swaps the result in. Judging never learns, and
what may be learned is settled by the inspector (see
:func:`~vigil.behavior.inspector.unlearnable_severity`). Pure (no clock, no I/O) and safe to
share between threads.
"""

from __future__ import annotations

from collections.abc import Sequence

from vigil.behavior.collector import MAX_TRACKED_ROUTES, Collector
from vigil.behavior.decision import Decision, Mode
from vigil.behavior.inspector import Inspector, unlearnable_severity
from vigil.behavior.learn import LearnSettings, learn_policy
from vigil.behavior.policy import Policy
from vigil.behavior.snapshot import decode_statistics
from vigil.behavior.stats import RouteStats
from vigil.http.model import Request, Response
from vigil.inspection.observation import Limits
from vigil.inspection.phases import Detector

__all__ = ["MAX_TRACKED_ROUTES", "Engine", "unlearnable_severity"]


class Engine:
    """Judges and learns for one protected service."""

    def __init__(
        self,
        policy: Policy | None = None,
        limits: Limits | None = None,
        settings: LearnSettings | None = None,
        *,
        detectors: Sequence[Detector] = (),
        client_key: bytes = b"",
    ) -> None:
        self.settings = settings if settings is not None else LearnSettings()
        self.inspector = Inspector(
            policy,
            limits=limits,
            mature_samples=self.settings.min_route_samples,
            detectors=detectors,
        )
        self.unpublished: tuple[str, ...] = ()
        """Routes the last learning run saw but did not publish (too little support)."""
        self.collector = Collector(self.settings.statistics(), client_key=client_key)

    @property
    def policy(self) -> Policy:
        """The policy currently judged against."""
        return self.inspector.policy

    @property
    def limits(self) -> Limits:
        """The profiling bounds (the body bound follows the policy)."""
        return self.inspector.limits

    def load(self, policy: Policy) -> None:
        """Swap in a new policy (atomic for concurrent readers)."""
        self.inspector.load(policy)

    def set_mode(self, mode: Mode, route: str | None = None) -> None:
        """Change the default mode, or one route's mode."""
        policy = self.policy
        if route is None:
            self.load(policy.model_copy(update={"mode": mode}))
            return
        if route not in policy.routes:
            raise KeyError(f"unknown route {route!r}")
        routes = dict(policy.routes)
        routes[route] = routes[route].model_copy(update={"mode": mode})
        self.load(policy.model_copy(update={"routes": routes}))

    def inspect_request(self, request: Request) -> Decision:
        """Profile and judge one request under its route's mode."""
        return self.inspector.inspect_request(request)

    def inspect_response(self, request_decision: Decision, response: Response) -> Decision:
        """Judge a response against what its route normally answers."""
        return self.inspector.inspect_response(request_decision, response)

    def observe(self, decision: Decision) -> bool:
        """Add a judged exchange to the learning statistics; returns whether it was learned."""
        return self.collector.observe(decision)

    def learn(self, now: float | None = None) -> Policy:
        """Learn the next policy version from the collected statistics and judge with it.

        ``now`` (seconds since the epoch) stamps routes whose criteria changed.

        The statistics are taken out and learned outside the collector's lock, so inspections and
        observations keep flowing; what was observed meanwhile is merged back afterwards.
        """
        learned = learn_policy(self.collector.take(), self.settings, self.policy, now)
        self.collector.restore(learned.statistics, learned.table)
        self.load(learned.policy)
        self.unpublished = learned.unpublished
        return learned.policy

    def export_statistics(self, service: str | None = None) -> bytes:
        """The learning statistics as a versioned snapshot (JSON), to survive a restart."""
        return self.collector.export(service or self.policy.service)

    def import_statistics(self, data: bytes | str) -> None:
        """Continue from a snapshot of :meth:`export_statistics` (merged with what is pending).

        Raises :class:`~vigil.behavior.documents.WireError` naming the bad field.
        """
        restored = decode_statistics(data, self.settings.thresholds, self.settings.bounds)
        restored.window_seconds = self.settings.window_seconds
        self.collector.replace(restored)

    def decay(self, factor: float) -> None:
        """Age all learning statistics so criteria can tighten and expire on the next learn."""
        self.collector.decay(factor)

    @property
    def stats(self) -> dict[str, RouteStats]:
        """The current learning statistics, keyed ``METHOD /template`` (read-only use)."""
        return self.collector.stats
