"""The inspection core that every gate adapter drives: one transaction per exchange.

The reverse proxy, the ASGI middleware and the WSGI middleware differ only in how they read
bytes; what happens to a request is decided here, once, like a Coraza transaction or a
mitmproxy addon hook. The core assigns the request id, times each inspection, turns decisions
into log lines and metrics, builds the blocking answer (:mod:`vigil.gate.answers`), and hands
clean exchanges of learning routes to the observation buffer, the only learning work done on
the request path. Local learning runs on a thread of its own (:mod:`vigil.gate.learning`) and
saves to the policy file without ever writing over an operator's edit
(:mod:`vigil.gate.policy_file`); a learner client (:mod:`vigil.gate.sync`) takes the buffer
instead when the gate follows a learner.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from vigil.behavior.decision import Decision, Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.behavior.exchange import Exchange
from vigil.behavior.identity import IdentitySource, Source, client_identity
from vigil.behavior.policy import Policy, PolicyError, save_policy
from vigil.behavior.progress import learning_progress
from vigil.behavior.promotion import Promotion, PromotionSettings
from vigil.behavior.routes import OTHER_ROUTE
from vigil.behavior.wire import WireError
from vigil.gate.answers import REQUEST_ID_HEADER, Problem, problem, request_id_of
from vigil.gate.learning import LearnEvery, LearningThread
from vigil.gate.learning_metrics import LearningMetrics
from vigil.gate.logging import GateLog
from vigil.gate.metrics import GateMetrics
from vigil.gate.observations import ObservationBuffer
from vigil.gate.pod import pod_context
from vigil.gate.policy_file import PolicyFile, Reloaded, ReloadOutcome, statistics_path_for
from vigil.http.ambiguity import Ambiguity, find_ambiguity
from vigil.http.model import BodyState, Request, Response

__all__ = [
    "GateCore",
    "LearnEvery",
    "Transaction",
    "bounded_state",
    "requote",
    "statistics_path_for",
]


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


class GateCore:
    """Drives an :class:`Engine` for an adapter; safe to share between threads and tasks.

    An engine failure never crashes an adapter: it is logged (``inspection-error``), counted,
    and fails closed on enforcing routes (the exchange is refused) and open elsewhere.

    An adapter calls :meth:`inspect_request`, refuses with :meth:`blocked` when the transaction
    is blocked, otherwise forwards, calls :meth:`inspect_response` (refusing with
    ``problem("response-blocked", ...)`` when that decision blocks) and finally :meth:`finish`.
    :meth:`finish` only appends a learnable exchange to :attr:`observations`; learning happens
    on the core's learning thread (:mod:`vigil.gate.learning`), or at the learner when
    ``learn_locally`` is off and a learner client (:mod:`vigil.gate.sync`) takes the buffer.
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
        observations: ObservationBuffer | None = None,
        learn_locally: bool = True,
        wall_clock: Callable[[], float] = time.time,
        mode_override: Mode | None = None,
        saves_policy: bool = True,
        identity: IdentitySource | None = None,
        promotion: PromotionSettings | None = None,
    ) -> None:
        self.engine = engine
        self.mode_override = mode_override
        """A default mode fixed by the command line: it stays in force across reloads."""
        self.metrics = metrics if metrics is not None else GateMetrics(clock=clock)
        self.log = log if log is not None else GateLog(None, "info", **pod_context())
        self.policy_file = PolicyFile(policy_path) if policy_path is not None else None
        self.saves_policy = saves_policy
        """False in the workers after the first: they read and reload the file, never write it."""
        self.identity = identity if identity is not None else IdentitySource()
        """Where a request's client identity is read (learning counts distinct clients)."""
        self.learn_every = learn_every if learn_every is not None else LearnEvery()
        self.observations = observations if observations is not None else ObservationBuffer()
        self.learning: LearningThread | None = (
            LearningThread(
                engine,
                self.observations,
                self.learn_every,
                on_learned=self._learned,
                promotion=promotion,
                would_block=lambda: self.last_would_block,
                on_promoted=self._promoted,
                clock=clock,
                wall_clock=wall_clock,
            )
            if learn_locally
            else None
        )
        self.gauges = LearningMetrics(self.metrics.registry, self.observations)
        self.last_would_block: dict[str, float] = {}
        """When each route of the policy last had a would-be block (detect mode): promotion to
        enforce waits for a quiet period after it. Bounded by the policy's routes."""
        self._wall = wall_clock
        self.report_alerts: Callable[[Decision, str, float], None] | None = None
        """Where alerting decisions go besides the log (the learner client sets it)."""
        self._file_lock = threading.RLock()
        self._unsaved = False
        self.metrics.policy_loaded(engine.policy.version)
        self.restore_statistics()

    @property
    def policy_path(self) -> Path | None:
        """The policy file this core reads and saves (None: no file)."""
        return self.policy_file.path if self.policy_file is not None else None

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
            request.received_at = self._wall()
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
            if self.report_alerts is not None:
                self.report_alerts(decision, request.request_id, self._wall())
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
            if self.report_alerts is not None:
                self.report_alerts(decision, tx.request_id, self._wall())
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
        """Close ``tx``; returns whether it was handed on to be learned.

        Only exchanges of learning routes, not blocked and judged learnable, are appended to
        :attr:`observations` (in O(1); a full buffer drops and counts them). ``learn`` is kept
        for adapters written before learning moved off the request path; it changes nothing.
        """
        if tx.finished:
            return False
        tx.finished = True
        final = tx.response_decision or tx.decision
        if (
            Verdict.WOULD_BLOCK in (tx.decision.verdict, final.verdict)
            and final.route in self.engine.policy.routes
        ):
            self.last_would_block[final.route] = self._wall()
        if tx.decision.mode is not Mode.LEARN or final.blocked:
            return False
        exchange = final.observation
        if not isinstance(exchange, Exchange) or not exchange.learnable:
            return False
        kept, size = _kept(exchange)
        slim = Decision(final.route, final.mode, (), 0, Verdict.ALLOW, kept)
        if not self.observations.offer(slim, tx.request.received_at or self._wall(), size):
            return False
        if self.learning is not None:
            self.learning.ensure_running()
        return True

    def learning_due(self) -> bool:
        """True when local learning has something to learn and :class:`LearnEvery` asks for it."""
        learning = self.learning
        return learning is not None and (learning.due() or len(self.observations) > 0)

    def learn_if_due(self) -> Policy | None:
        """Add what is buffered and run a local learning run when due (in the caller's thread)."""
        return self.learning.flush() if self.learning is not None else None

    def flush(self) -> Policy | None:
        """Same as :meth:`learn_if_due`: tests and shutdown call it to settle what is buffered."""
        return self.learn_if_due()

    def learn_now(self) -> Policy:
        """Learn a new policy version from what was observed, and save it when configured."""
        if self.learning is None:
            raise RuntimeError("this gate does not learn locally (its learner does)")
        return self.learning.learn_now()

    def _learned(self, policy: Policy) -> None:
        engine = self.engine
        try:
            progress = learning_progress(engine.collector.statistics, policy, engine.settings)
        except RuntimeError:
            progress = None
        if progress is not None:
            self.gauges.progressed(progress)
        self.metrics.policy_loaded(policy.version)
        self.log.event("policy-learned", version=policy.version, routes=len(policy.routes))
        self._unsaved = True
        if self.policy_file is not None:
            self.save()

    def _promoted(self, due: list[Promotion]) -> None:
        for promotion in due:
            self.log.event(
                "route-promoted",
                route=promotion.route,
                before=promotion.before.value,
                after=promotion.after.value,
                reason=promotion.reason,
            )

    def with_mode_override(self, policy: Policy) -> Policy:
        """``policy`` with the command line's default mode, when one was given."""
        if self.mode_override is None:
            return policy
        return policy.model_copy(update={"mode": self.mode_override})

    def load(self, policy: Policy) -> None:
        """Swap in a new policy (e.g. from the learner) and reset the policy-age gauge."""
        self.engine.load(policy)
        self.metrics.policy_loaded(policy.version)

    def adopt(self, policy: Policy, source: str) -> None:
        """Use a policy received from elsewhere (the learner): swap it in and keep it.

        The command line's mode still applies. The policy is written to the policy file, when
        there is one, as the last known policy a restart begins with; never over an edit.
        """
        policy = self.with_mode_override(policy)
        self.load(policy)
        self.gauges.reloaded(source, ReloadOutcome.LOADED)
        file = self.policy_file
        if file is None or not self.saves_policy:
            return
        with self._file_lock:
            saved = file.save(policy)
        if not saved.saved:
            self.log.event("policy-not-saved", level="warning", reason=saved.reason)

    def reload_policy(self, source: str = "file") -> Reloaded:
        """Read the policy file again; the last good policy stays in use when it is invalid.

        Called when the file changed (:mod:`vigil.gate.reload`) or on SIGHUP. What was learned
        and not yet saved is kept in the statistics, so the next learning run applies it on
        top of the file's policy: an operator's edit is never lost, nor is learning.
        """
        file = self.policy_file
        if file is None:
            return Reloaded(ReloadOutcome.NO_FILE, "no policy file is configured")
        with self._file_lock:
            try:
                policy = file.load()
            except PolicyError as exc:
                result = Reloaded(ReloadOutcome.INVALID, str(exc))
            else:
                if policy is None:
                    result = Reloaded(
                        ReloadOutcome.MISSING, f"{file.path} is gone; the last good policy stays"
                    )
                else:
                    result = self._use_file_policy(file.path, policy)
        self.gauges.reloaded(source, result.outcome)
        self.log.event(
            "policy-reloaded" if result.loaded else "policy-reload-failed",
            level="info" if result.loaded else "warning",
            source=source,
            outcome=result.outcome.value,
            reason=result.reason,
            version=self.engine.policy.version,
        )
        return result

    def _use_file_policy(self, path: Path, policy: Policy) -> Reloaded:
        policy = self.with_mode_override(policy)
        if policy == self.engine.policy:
            return Reloaded(
                ReloadOutcome.UNCHANGED, f"{path}: version {policy.version} already in use"
            )
        self.load(policy)
        if self._unsaved and self.learning is not None:
            self.learning.request_run()
        return Reloaded(ReloadOutcome.LOADED, f"{path}: version {policy.version} in use")

    def restore_statistics(self) -> bool:
        """Continue local learning from the statistics saved beside the policy file.

        Called when the core is built. A missing file is a fresh start; an unreadable or
        invalid one is logged (``statistics-unreadable``) and learning starts afresh: it never
        stops the gate.
        """
        file = self.policy_file
        if file is None or self.learning is None:
            return False
        try:
            data = file.load_statistics()
            if data is None:
                return False
            self.engine.import_statistics(data)
        except (OSError, WireError) as exc:
            self.log.event(
                "statistics-unreadable",
                level="error",
                path=str(file.statistics_path),
                error=str(exc)[:300],
            )
            return False
        self.log.event(
            "statistics-restored", path=str(file.statistics_path), routes=len(self.engine.stats)
        )
        return True

    def check_policy_file(self) -> Reloaded | None:
        """Reload the policy file when it changed since the gate read or wrote it."""
        file = self.policy_file
        if file is None:
            return None
        with self._file_lock:
            if not file.changed():
                return None
            return self.reload_policy("file")

    def save(self, path: str | Path | None = None) -> Path | None:
        """Write the current policy atomically to ``path`` (default: the policy file).

        The policy file is never written over an operator's edit: when it changed since the
        gate read it, it is read again (:meth:`reload_policy`) and nothing is written; what was
        learned is written by the next save, on top of the edit.
        """
        if path is not None:
            save_policy(self.engine.policy, Path(path))
            return Path(path)
        file = self.policy_file
        if file is None or not self.saves_policy:
            return None
        with self._file_lock:
            saved = file.save(self.engine.policy)
            if saved.saved:
                self._unsaved = False
                if self.learning is not None:
                    file.save_statistics(self.engine.export_statistics())
        if not saved.saved:
            self.log.event("policy-not-saved", level="warning", reason=saved.reason)
            self.reload_policy("edit")
            return None
        return file.path

    def close(self) -> None:
        """Shutdown hook: stop the learning thread, learn what is pending, save what was learned."""
        learning = self.learning
        if learning is None:
            return
        learning.stop()
        learning.drain()
        if learning.due() or learning.observed:
            learning.learn_now()
            if learning.due():
                learning.learn_now()
        elif self._unsaved and self.policy_file is not None:
            self.save()


FIELD_BYTES = 160
"""Estimated bytes of one profiled field held in the observation buffer (text aside)."""


def _kept(exchange: Exchange) -> tuple[Exchange, int]:
    """What learning needs of a finished exchange, and about how many bytes it holds.

    The detectors' context (the raw request, its headers and body) and the decoded bodies are
    let go: only the profiled fields stay, so a buffer of observations waiting for the learner
    holds a fraction of the traffic it saw.
    """
    size = 512
    for observation in (exchange.request, exchange.response):
        if observation is None:
            continue
        observation.body = b""
        size += observation.body_size + FIELD_BYTES * len(observation.fields)
    return Exchange(exchange.key, exchange.request, exchange.response, True), size


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
