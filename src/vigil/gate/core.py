"""The inspection core that every gate adapter drives: one transaction per exchange.

The reverse proxy, the ASGI middleware and the WSGI middleware differ only in how they read
bytes; what happens to a request is decided here, once, like a Coraza transaction or a
mitmproxy addon hook. The core assigns the request id, times each inspection, turns decisions
into log lines and metrics, builds the blocking answer (:mod:`vigil.gate.answers`), feeds
clean exchanges of learning routes to the engine and runs periodic local learning, saving the
learned policy as YAML when asked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from vigil.behavior.decision import Decision, Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.behavior.identity import IdentitySource, Source, client_identity
from vigil.behavior.policy import Policy, save_policy
from vigil.behavior.routes import OTHER_ROUTE
from vigil.gate.answers import REQUEST_ID_HEADER, Problem, problem, request_id_of
from vigil.gate.logging import GateLog
from vigil.gate.metrics import GateMetrics
from vigil.http.ambiguity import Ambiguity, find_ambiguity
from vigil.http.model import BodyState, Request, Response


@dataclass(frozen=True, slots=True)
class LearnEvery:
    """When local learning runs: after ``requests`` learned exchanges and/or ``seconds``.

    Either bound triggers a run; ``None`` disables it. A run happens only when something new
    was observed since the last one.
    """

    requests: int | None = 1000
    seconds: float | None = 60.0


@dataclass(slots=True)
class Transaction:
    """One exchange going through the gate: the request, its id and both decisions."""

    request: Request
    request_id: str
    decision: Decision
    response_decision: Decision | None = None
    finished: bool = False
    refusal: Ambiguity | None = None
    """Why the request was refused before inspection: stacks would read it differently."""

    @property
    def blocked(self) -> bool:
        """True when the request must be refused with :meth:`GateCore.blocked`."""
        return self.refusal is not None or self.decision.blocked


@dataclass(slots=True)
class _LearnState:
    observed: int = 0
    last_run: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    count_lock: threading.Lock = field(default_factory=threading.Lock)


class GateCore:
    """Drives an :class:`Engine` for an adapter; safe to share between threads and tasks.

    An engine failure never crashes an adapter: it is logged (``inspection-error``), counted,
    and fails closed on enforcing routes (the exchange is refused) and open elsewhere.

    An adapter calls :meth:`inspect_request`, refuses with :meth:`blocked` when the transaction
    is blocked, otherwise forwards, calls :meth:`inspect_response` (refusing with
    ``problem("response-blocked", ...)`` when that decision blocks) and finally :meth:`finish`.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        metrics: GateMetrics | None = None,
        log: GateLog | None = None,
        policy_path: str | Path | None = None,
        learn_every: LearnEvery | None = None,
        clock: Callable[[], float] = time.monotonic,
        identity: IdentitySource | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.identity = identity if identity is not None else IdentitySource()
        """Where a request's client identity is read (learning counts distinct clients)."""
        self._wall_clock = wall_clock
        self.metrics = metrics if metrics is not None else GateMetrics(clock=clock)
        self.log = log if log is not None else GateLog()
        self.policy_path = Path(policy_path) if policy_path is not None else None
        self.learn_every = learn_every if learn_every is not None else LearnEvery()
        self._clock = clock
        self._learn = _LearnState(last_run=clock())
        self.metrics.policy_loaded(engine.policy.version)

    @property
    def body_limit(self) -> int:
        """Bytes of a body read for inspection: the policy's ``body.limit_bytes``."""
        return self.engine.policy.body.limit_bytes

    def inspect_request(self, request: Request) -> Transaction:
        """Assign the request id, judge the request, log and count; returns the transaction.

        A request that mainstream stacks read in more than one way
        (:func:`~vigil.http.ambiguity.find_ambiguity`) is refused in every mode, before the
        engine sees it: its transaction is blocked and :meth:`blocked` answers 400.
        """
        request.request_id = request_id_of(request.header(REQUEST_ID_HEADER))
        if not request.received_at:
            request.received_at = self._wall_clock()
        if self.identity.source is not Source.PEER:
            request.client = client_identity(self.identity, request.client, request.headers)
        limits = self.engine.limits
        ambiguity = find_ambiguity(request, limits.max_body_fields, limits.body_bytes)
        if ambiguity is not None:
            return self._refuse(request, ambiguity)
        started = time.perf_counter()
        try:
            decision = self.engine.inspect_request(request)
        except Exception as exc:
            decision = self._failed(f"{request.method} {OTHER_ROUTE}", request.request_id, exc)
        elapsed = time.perf_counter() - started
        self.metrics.request_inspected(decision, elapsed)
        if decision.alerts:
            self.log.decision(decision, request.request_id, "request")
        return Transaction(request, request.request_id, decision)

    def inspect_response(self, tx: Transaction, response: Response) -> Decision:
        """Judge the upstream's response to ``tx``; log and count it."""
        started = time.perf_counter()
        try:
            decision = self.engine.inspect_response(tx.decision, response)
        except Exception as exc:
            decision = self._failed(tx.decision.route, tx.request_id, exc)
        elapsed = time.perf_counter() - started
        self.metrics.response_inspected(decision, elapsed)
        if decision.alerts:
            self.log.decision(decision, tx.request_id, "response")
        tx.response_decision = decision
        return decision

    def _refuse(self, request: Request, ambiguity: Ambiguity) -> Transaction:
        self.metrics.ambiguous_request(ambiguity.code.value)
        self.log.event(
            "request-refused",
            level="warning",
            request_id=request.request_id,
            code=ambiguity.code.value,
            part=ambiguity.part,
            reason=ambiguity.reason,
        )
        route = f"{request.method if request.method.isalpha() else 'OTHER'} {OTHER_ROUTE}"
        mode = self.engine.policy.mode
        decision = Decision(route=route, mode=mode, alerts=(), score=0, verdict=Verdict.BLOCK)
        return Transaction(request, request.request_id, decision, refusal=ambiguity)

    def _failed(self, route: str, request_id: str, exc: Exception) -> Decision:
        mode = self.engine.policy.mode_of(route)
        verdict = Verdict.BLOCK if mode is Mode.ENFORCE else Verdict.ALLOW
        self.metrics.inspection_error()
        self.log.event(
            "inspection-error",
            level="error",
            request_id=request_id,
            route=route,
            error=type(exc).__name__,
            verdict=verdict.value,
        )
        return Decision(route=route, mode=mode, alerts=(), score=0, verdict=verdict)

    def blocked(self, tx: Transaction) -> Problem:
        """The answer to a blocked request: 400 when it was refused as ambiguous, else 403."""
        kind = "ambiguous-request" if tx.refusal is not None else "request-blocked"
        return problem(kind, tx.request_id)

    def finish(self, tx: Transaction, *, learn: bool = True) -> bool:
        """Close ``tx``: learn from it when its route is learning; returns whether it was learned.

        With ``learn`` (the default) a due learning run happens inline; adapters that must not
        block call :meth:`learn_if_due` elsewhere (the proxy runs it in a thread).
        """
        if tx.finished:
            return False
        tx.finished = True
        final = tx.response_decision or tx.decision
        if tx.decision.mode is not Mode.LEARN or final.blocked:
            return False
        if not self.engine.observe(final):
            return False
        with self._learn.count_lock:
            self._learn.observed += 1
        if learn:
            self.learn_if_due()
        return True

    def learning_due(self) -> bool:
        """True when :class:`LearnEvery` asks for a learning run now."""
        state, every = self._learn, self.learn_every
        if state.observed == 0:
            return False
        if every.requests is not None and state.observed >= every.requests:
            return True
        return every.seconds is not None and self._clock() - state.last_run >= every.seconds

    def learn_if_due(self) -> Policy | None:
        """Run :meth:`learn_now` when due and no other run is in progress."""
        if not self.learning_due():
            return None
        if not self._learn.lock.acquire(blocking=False):
            return None
        try:
            if not self.learning_due():
                return None
            return self._learn_locked()
        finally:
            self._learn.lock.release()

    def learn_now(self) -> Policy:
        """Learn a new policy version from what was observed, and save it when configured."""
        with self._learn.lock:
            return self._learn_locked()

    def _learn_locked(self) -> Policy:
        with self._learn.count_lock:
            self._learn.observed = 0
        policy = self.engine.learn(now=self._wall_clock())
        self._learn.last_run = self._clock()
        self.metrics.policy_loaded(policy.version)
        self.log.event("policy-learned", version=policy.version, routes=len(policy.routes))
        if self.policy_path is not None:
            self.save()
        return policy

    def load(self, policy: Policy) -> None:
        """Swap in a new policy (e.g. from the learner) and reset the policy-age gauge."""
        self.engine.load(policy)
        self.metrics.policy_loaded(policy.version)

    def save(self, path: str | Path | None = None) -> Path | None:
        """Write the current policy atomically to ``path`` (default: ``policy_path``)."""
        target = Path(path) if path is not None else self.policy_path
        if target is None:
            return None
        save_policy(self.engine.policy, target)
        return target

    def close(self) -> None:
        """Shutdown hook: learn what is pending (if anything) and save the policy."""
        if self._learn.observed:
            self.learn_now()
        elif self.policy_path is not None:
            self.save()


def bounded_state(size: int, limit: int, ended: bool, announced: bool) -> BodyState:
    """The BodyState of a body of which ``size`` bytes were read under ``limit``.

    ``ended`` says the stream finished within the bound; ``announced`` says a Content-Length was
    given. Over the bound, an announced body is TRUNCATED and an unannounced one UNKNOWN_LENGTH.
    """
    if ended and size <= limit:
        return BodyState.COMPLETE
    return BodyState.TRUNCATED if announced else BodyState.UNKNOWN_LENGTH


PATH_SAFE = "/:@!$&'()*+,;=~%"
"""Characters left as they are when a decoded path is quoted back (RFC 3986 pchar and ``%``)."""


def requote(path: str) -> str:
    """A decoded path (ASGI ``path``, WSGI ``PATH_INFO``) percent-encoded back into a raw one."""
    return quote(path.encode("utf-8", "surrogateescape"), safe=PATH_SAFE) or "/"
