"""The inspector: every detector of a service, phase by phase, and one verdict per exchange.

It profiles a request once, resolves its route through the compiled policy, runs the detectors
of the request phases in order (operator rules and signatures first, the learned model last) and
turns all their alerts into one :class:`~vigil.behavior.decision.Decision` under the route's mode
and block score; then the same for the response. It judges and never learns: what it hands on
for learning is the :class:`~vigil.behavior.exchange.Exchange` inside the decision, with its
learnability already settled (see :func:`is_learnable`). Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from vigil.behavior.alerts import Alert, Severity
from vigil.behavior.compiled import CompiledRoute
from vigil.behavior.compiled_policy import CompiledPolicy, compile_policy
from vigil.behavior.decision import Decision, Mode, decide
from vigil.behavior.exchange import Exchange
from vigil.behavior.model import LearnedModel
from vigil.behavior.policy import Policy
from vigil.behavior.profile import profile_request, profile_response
from vigil.http.model import Request, Response
from vigil.inspection.observation import Limits, Observation
from vigil.inspection.phases import REQUEST_PHASES, RESPONSE_PHASES, Context, Detector, Phase


def unlearnable_severity(mode: Mode) -> Severity:
    """The alert severity from which an exchange is not learned.

    While a route learns, novelty (a new field, route or enum value) is what learning is for,
    so only high-severity evidence (dangerous structure, comment or traversal sequences, encoding
    tricks) keeps an exchange out. Once a route detects or enforces, anything medium or worse is
    kept out.
    """
    return Severity.HIGH if mode is Mode.LEARN else Severity.MEDIUM


SUPPORT_GATED = frozenset({"V101"})
"""Alerts that, while learning, never keep an exchange out on their own, however severe: a new
special character (an apostrophe in an address, a dollar sign in a password) is novelty that
learning admits only once K clients in W windows showed it (:mod:`vigil.behavior.support`), and
a value that uses it in an attack also carries dangerous structure (V109), which does."""


def is_learnable(alerts: list[Alert], mode: Mode) -> bool:
    """True when an exchange with ``alerts``, judged under ``mode``, may be learned."""
    threshold = unlearnable_severity(mode)
    if mode is Mode.LEARN:
        return all(a.severity < threshold or a.code in SUPPORT_GATED for a in alerts)
    return all(a.severity < threshold for a in alerts)


@dataclass(frozen=True, slots=True)
class _Chain:
    """A compiled policy and the detectors of each phase, swapped in as one value."""

    compiled: CompiledPolicy
    model: LearnedModel
    request: tuple[tuple[Phase, Detector], ...]
    """The detectors of the request phases, in the order they run."""
    response: tuple[tuple[Phase, Detector], ...]


class Inspector:
    """Judges one service's exchanges with its policy and detectors; safe to share."""

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        limits: Limits | None = None,
        mature_samples: int = 20,
        detectors: Sequence[Detector] = (),
    ) -> None:
        self.limits = limits if limits is not None else Limits()
        self.mature_samples = mature_samples
        self._detectors = tuple(detectors)
        self._chain = self._build(policy if policy is not None else Policy())

    @property
    def policy(self) -> Policy:
        """The policy currently judged against."""
        return self._chain.compiled.policy

    @property
    def compiled(self) -> CompiledPolicy:
        """The compiled form of :attr:`policy` (routes and route table)."""
        return self._chain.compiled

    @property
    def detectors(self) -> tuple[Detector, ...]:
        """Every detector in the order they run, the learned model last."""
        return (*self._detectors, self._chain.model)

    def load(self, policy: Policy) -> None:
        """Swap in a new policy (atomic for concurrent readers)."""
        self._chain = self._build(policy)

    def use(self, detectors: Sequence[Detector]) -> None:
        """Replace the detectors that run before the learned model (e.g. reloaded rules)."""
        self._detectors = tuple(detectors)
        self._chain = self._build(self.policy)

    def _build(self, policy: Policy) -> _Chain:
        compiled = compile_policy(policy, self.mature_samples)
        self.limits = replace(self.limits, body_bytes=policy.body.limit_bytes)
        model = LearnedModel(compiled)
        chain = (*self._detectors, model)
        return _Chain(
            compiled,
            model,
            tuple((p, d) for p in REQUEST_PHASES for d in chain if p in d.phases),
            tuple((p, d) for p in RESPONSE_PHASES for d in chain if p in d.phases),
        )

    def inspect_request(self, request: Request) -> Decision:
        """Profile and judge one request under its route's mode."""
        chain = self._chain
        obs = profile_request(request, self.limits, defer_json=True)
        resolution = chain.compiled.resolve(obs)
        route = resolution.route
        layouts = route.layouts if route is not None else None
        if obs.unread is not None:
            layout = layouts.match(obs.body) if layouts is not None else None
            if layout is None:
                obs.read()
            else:
                obs.layout_paths = layout.paths
        key = resolution.key
        context = Context(key, request, obs, resolution.template)
        alerts = _run(chain.request, context)
        if obs.json is not None and layouts is not None and _json_learnable(obs, alerts, context):
            layouts.learn(obs.json.doc, self.limits.max_body_fields)
        mode, block_score, counted = _settings(chain.compiled, route)
        learnable = not alerts or is_learnable(alerts, mode)
        exchange = Exchange(key, obs, learnable=learnable, context=context)
        return decide(key, alerts, mode, block_score, exchange, counted=counted)

    def inspect_response(self, request_decision: Decision, response: Response) -> Decision:
        """Judge a response against what its route normally answers."""
        chain = self._chain
        key = request_decision.route
        exchange = request_decision.observation
        obs = profile_response(response, self.limits)
        if isinstance(exchange, Exchange) and exchange.context is not None:
            context = exchange.context
        else:
            context = Context(key, Request("", ""), Observation("", "", [], 0, ""))
        context.response, context.response_observation = response, obs
        alerts = _run(chain.response, context)
        mode, block_score, counted = _settings(chain.compiled, chain.compiled.routes.get(key))
        if isinstance(exchange, Exchange):
            exchange.response = obs
            if alerts and not is_learnable(alerts, mode):
                exchange.learnable = False
        return decide(key, alerts, mode, block_score, exchange, counted=counted)


def _settings(compiled: CompiledPolicy, route: CompiledRoute | None) -> tuple[Mode, int, Severity]:
    """A route's mode, block score and counted severity (the policy's defaults off-route)."""
    if route is None:
        policy = compiled.policy
        return policy.mode, policy.block_score, Severity.LOW
    return route.mode, route.block_score, route.counted


def _json_learnable(obs: Observation, alerts: list[Alert], context: Context) -> bool:
    """Whether a JSON body read field by field may teach its route a layout: no detector
    alerted on one of its fields or claimed one."""
    return (
        obs.layout_paths is None
        and not context.claimed
        and not any(a.field.startswith("json") for a in alerts)
    )


def _run(steps: tuple[tuple[Phase, Detector], ...], context: Context) -> list[Alert]:
    if len(steps) == 1:
        phase, detector = steps[0]
        return detector.inspect(phase, context)
    alerts: list[Alert] = []
    for phase, detector in steps:
        found = detector.inspect(phase, context)
        if found:
            alerts.extend(found)
    return alerts
