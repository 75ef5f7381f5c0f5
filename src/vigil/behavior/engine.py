"""The inspection core: one object that every adapter (proxy, ASGI, WSGI, data-set replay) drives.

Like a WAF transaction it has phases: :meth:`Engine.inspect_request` profiles a request, resolves
its route and judges it; :meth:`Engine.inspect_response` judges what the upstream answered;
:meth:`Engine.observe` feeds a clean exchange to the learning statistics, and :meth:`Engine.learn`
turns the statistics into a new policy version. Poisoning resistance starts here: an exchange
that raised a high alert while learning, or a medium one while detecting or enforcing, is never
learned. The engine is pure (no clock, no I/O) and safe to share between threads.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field, replace

from vigil.behavior.alerts import Alert, Severity, redact
from vigil.behavior.check import HIGH_ENCODINGS, check_value, encoding_severity
from vigil.behavior.compiled import CompiledRoute, compile_route
from vigil.behavior.decision import Decision, Mode, decide
from vigil.behavior.exchange import Exchange, accumulate
from vigil.behavior.learn import LearnSettings, learn_route
from vigil.behavior.policy import Policy
from vigil.behavior.profile import Limits, Observation, profile_request, profile_response
from vigil.behavior.response import judge_response
from vigil.behavior.routes import OTHER_ROUTE, PARAMS, RouteLearner, RouteTable
from vigil.behavior.stats import RouteStats
from vigil.behavior.unknown import check_unknown
from vigil.http.body import BodyField
from vigil.http.model import BodyState, Request, Response
from vigil.http.urlcodec import names_of

MAX_TRACKED_ROUTES = 4096
"""Bound on distinct (method, path template) statistics kept between two learning runs."""

MAX_UNKNOWN_FIELD_ALERTS = 16
"""Unknown fields reported one by one before a single ``too-many-unknown-fields`` alert."""

BODY_PREFIXES = ("json.", "json", "form.", "multipart.", "body")
"""Field prefixes that come from a body: not reported missing when the body was unreadable."""

FINDING_SEVERITY = {"V121": Severity.MEDIUM, "V122": Severity.HIGH}


def unlearnable_severity(mode: Mode) -> Severity:
    """The alert severity from which an exchange is not learned.

    While a route learns, novelty (a new field, route or enum value) is what learning is for,
    so only high-severity evidence (quotes, comment or traversal sequences, encoding tricks)
    keeps an exchange out. Once a route detects or enforces, anything medium or worse is kept out.
    """
    return Severity.HIGH if mode is Mode.LEARN else Severity.MEDIUM


@dataclass
class Engine:
    """Profiles, judges and learns; one per protected service."""

    policy: Policy = field(default_factory=Policy)
    limits: Limits = field(default_factory=Limits)
    settings: LearnSettings = field(default_factory=LearnSettings)
    _routes: dict[str, CompiledRoute] = field(default_factory=dict, init=False)
    _table: RouteTable = field(default_factory=RouteTable, init=False)
    _stats: dict[str, RouteStats] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.load(self.policy)

    def load(self, policy: Policy) -> None:
        """Swap in a new policy (atomic for concurrent readers)."""
        mature = self.settings.min_route_samples
        routes = {
            key: compile_route(key, spec, policy, mature) for key, spec in policy.routes.items()
        }
        table = RouteTable(frozenset(key.split(" ", 1)[1] for key in routes))
        self._routes, self._table, self.policy = routes, table, policy
        self.limits = replace(self.limits, body_bytes=policy.body.limit_bytes)

    def set_mode(self, mode: Mode, route: str | None = None) -> None:
        """Change the default mode, or one route's mode."""
        if route is None:
            self.load(self.policy.model_copy(update={"mode": mode}))
            return
        if route not in self.policy.routes:
            raise KeyError(f"unknown route {route!r}")
        routes = dict(self.policy.routes)
        routes[route] = routes[route].model_copy(update={"mode": mode})
        self.load(self.policy.model_copy(update={"routes": routes}))

    def _resolve(self, obs: Observation) -> tuple[str, CompiledRoute | None, str | None]:
        template = self._table.match(obs.typed_path)
        if template is None:
            return f"{obs.method} {obs.typed_path}", None, None
        key = f"{obs.method} {template}"
        return key, self._routes.get(key), template

    def inspect_request(self, request: Request) -> Decision:
        """Profile and judge one request under its route's mode."""
        obs = profile_request(request, self.limits)
        key, route, template = self._resolve(obs)
        shape = template if template is not None else obs.typed_path
        if "{" in shape:
            for i, tok in enumerate(shape.split("/")[1:]):
                if tok in PARAMS and i < len(obs.segments):
                    obs.fields.append(BodyField(f"path.{i}", obs.segments[i]))
        alerts: list[Alert] = []
        counted = Severity.LOW
        if route is None:
            mode = self.policy.mode
            if mode is not Mode.LEARN or self.policy.routes:
                alerts = self._judge_unknown_route(key, obs, template is not None)
            block_score = self.policy.block_score
        else:
            mode, block_score, counted = route.mode, route.block_score, route.counted
            alerts = self._judge(route, obs)
        if obs.body_state is not BodyState.COMPLETE:
            alerts.extend(self._judge_body_state(key, obs))
        unlearnable = unlearnable_severity(mode)
        learnable = not alerts or all(a.severity < unlearnable for a in alerts)
        exchange = Exchange(key, obs, learnable=learnable)
        return decide(key, alerts, mode, block_score, exchange, counted=counted)

    def _judge_unknown_route(self, key: str, obs: Observation, path_known: bool) -> list[Alert]:
        code, expected = ("V113", "a known method") if path_known else ("V100", "a known route")
        alerts = [Alert(code, key, "route", expected, redact(key, 64), Severity.MEDIUM)]
        for value in obs.fields:
            alerts.extend(a for a in check_unknown(key, value) if a.code != "V110")
        alerts.extend(self._judge_path(key, obs))
        alerts.extend(self._findings(key, obs))
        return alerts

    def _judge_path(self, key: str, obs: Observation) -> list[Alert]:
        if not obs.path_flags or not obs.path_flags & HIGH_ENCODINGS:
            return []
        flags = obs.path_flags & HIGH_ENCODINGS
        return [
            Alert(
                "V107",
                key,
                "path",
                "encodings none",
                ",".join(names_of(flags)),
                encoding_severity(flags),
            )
        ]

    def _findings(self, key: str, obs: Observation) -> list[Alert]:
        return [
            Alert(
                f.code,
                key,
                f.field,
                f.expected,
                f.seen,
                FINDING_SEVERITY.get(f.code, Severity.MEDIUM),
            )
            for f in obs.findings
        ]

    def _judge_body_state(self, key: str, obs: Observation) -> list[Alert]:
        if obs.body_state is BodyState.COMPLETE:
            return []
        body = self.policy.body
        if obs.body_state is BodyState.UNDECODABLE:
            code, rule = "V126", body.undecodable
            expected = f"a body in no coding, gzip or deflate ({rule})"
            seen = redact(obs.body_error or "undecodable")
        else:
            code, expected = "V120", f"at most {body.limit_bytes} bytes"
            if obs.body_state is BodyState.TRUNCATED:
                rule, seen = body.oversize, f"more than {body.limit_bytes} bytes"
            else:
                rule, seen = body.unknown_length, "a body of unannounced length"
            expected = f"{expected} ({rule})"
        severity = Severity.CRITICAL if rule == "fail-closed" else Severity.LOW
        return [Alert(code, key, "body", expected, seen, severity)]

    def _judge(self, route: CompiledRoute, obs: Observation) -> list[Alert]:
        key = route.key
        alerts = self._judge_path(key, obs) if obs.path_flags & HIGH_ENCODINGS else []
        paths = [f.path for f in obs.fields]
        present = set(paths)
        repeats = Counter(paths) if len(present) < len(paths) else None
        unknown = 0
        checks = route.checks
        for value in obs.fields:
            check = checks.get(value.path)
            if check is None:
                if value.path.startswith("path."):
                    alerts.extend(a for a in check_unknown(key, value) if a.code != "V110")
                    continue
                found = check_unknown(key, value)
                if found and found[0].code == "V110":
                    unknown += 1
                    if unknown > MAX_UNKNOWN_FIELD_ALERTS:
                        found = [a for a in found if a.code == "V109"]
                alerts.extend(found)
                continue
            repeat = repeats[value.path] if repeats is not None else 1
            alerts.extend(check_value(key, value, check, repeat))
        if unknown > MAX_UNKNOWN_FIELD_ALERTS:
            alerts.append(
                Alert(
                    "V114",
                    key,
                    "fields",
                    f"at most {MAX_UNKNOWN_FIELD_ALERTS} unknown fields",
                    str(unknown),
                    Severity.HIGH,
                )
            )
        missing = route.required - present
        if missing:
            if obs.findings or obs.body_state is not BodyState.COMPLETE:
                missing = frozenset(n for n in missing if not n.startswith(BODY_PREFIXES))
            for name in sorted(missing):
                alerts.append(Alert("V111", key, name, "present", "absent", Severity.LOW))
        if route.content_types and obs.content_type and obs.content_type not in route.content_types:
            alerts.append(
                Alert(
                    "V123",
                    key,
                    "header.content-type",
                    "|".join(sorted(route.content_types)),
                    redact(obs.content_type),
                    Severity.MEDIUM,
                )
            )
        if obs.findings:
            alerts.extend(self._findings(key, obs))
        return _dedupe(alerts) if len(alerts) > 1 else alerts

    def inspect_response(self, request_decision: Decision, response: Response) -> Decision:
        """Judge a response against what its route normally answers."""
        exchange = request_decision.observation
        obs = profile_response(response, self.limits)
        key = request_decision.route
        route = self._routes.get(key)
        alerts: list[Alert] = []
        if route is not None and route.has_response:
            alerts = judge_response(route, obs)
        mode = route.mode if route is not None else self.policy.mode
        block_score = route.block_score if route is not None else self.policy.block_score
        if isinstance(exchange, Exchange):
            exchange.response = obs
            if alerts and any(a.severity >= unlearnable_severity(mode) for a in alerts):
                exchange.learnable = False
        counted = route.counted if route is not None else Severity.LOW
        return decide(key, alerts, mode, block_score, exchange, counted=counted)

    def observe(self, decision: Decision) -> bool:
        """Add a judged exchange to the learning statistics; returns whether it was learned.

        See :func:`unlearnable_severity` for which alerted exchanges are refused.
        """
        exchange = decision.observation
        if not isinstance(exchange, Exchange) or not exchange.learnable:
            return False
        with self._lock:
            key = exchange.key
            stats = self._stats.get(key)
            if stats is None:
                if len(self._stats) >= MAX_TRACKED_ROUTES:
                    key = f"{exchange.request.method} {OTHER_ROUTE}"
                stats = self._stats.setdefault(key, RouteStats())
            accumulate(stats, exchange)
        return True

    def learn(self) -> Policy:
        """Generalise routes, merge their statistics and publish the next policy version.

        The statistics are taken out under the lock and learned outside it, so inspections and
        observations keep flowing; what was observed meanwhile is merged back afterwards.
        """
        with self._lock:
            current, self._stats = self._stats, {}
        learner = RouteLearner()
        for key, stats in current.items():
            learner.add(key.split(" ", 1)[1], max(1, int(stats.n)))
        table = RouteTable(frozenset(learner.templates()))
        merged: dict[str, RouteStats] = {}
        for key, stats in current.items():
            method, typed = key.split(" ", 1)
            template = table.match(typed) or OTHER_ROUTE
            merged.setdefault(f"{method} {template}", RouteStats()).merge(stats)
        routes = dict(self.policy.routes)
        for key, stats in merged.items():
            routes[key] = learn_route(stats, self.settings, routes.get(key))
        policy = self.policy.model_copy(
            update={"routes": routes, "version": self.policy.version + 1}
        )
        if self.settings.decay_per_learn < 1.0:
            for stats in merged.values():
                stats.decay(self.settings.decay_per_learn)
        with self._lock:
            for key, stats in self._stats.items():
                method, typed = key.split(" ", 1)
                template = table.match(typed) or typed
                merged.setdefault(f"{method} {template}", RouteStats()).merge(stats)
            self._stats = merged
        self.load(policy)
        return policy

    def decay(self, factor: float) -> None:
        """Age all learning statistics so criteria can tighten and expire on the next learn."""
        with self._lock:
            for stats in self._stats.values():
                stats.decay(factor)

    @property
    def stats(self) -> dict[str, RouteStats]:
        """The current learning statistics, keyed ``METHOD /template`` (read-only use)."""
        return self._stats


def _dedupe(alerts: list[Alert]) -> list[Alert]:
    seen: set[tuple[str, str]] = set()
    out: list[Alert] = []
    for alert in alerts:
        marker = (alert.code, alert.field)
        if marker in seen and alert.code in {"V112", "V110"}:
            continue
        seen.add(marker)
        out.append(alert)
    return out
