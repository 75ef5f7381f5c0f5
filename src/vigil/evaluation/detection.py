"""Detection metrics: learn on normal traffic only, then count what is flagged.

A request counts as *flagged* when the engine would block it in ``enforce`` mode. The result
is a confusion matrix at request level with the detection rate (recall on the anomalous set) and
the false-positive rate (on the normal test set), plus the alert codes behind each outcome so a
person can see *why* the numbers are what they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.http.model import Request

Progress = Callable[[str, int], None]


@dataclass(slots=True)
class Confusion:
    """A request-level confusion matrix with the alert codes that drove it."""

    true_positives: int = 0
    false_negatives: int = 0
    false_positives: int = 0
    true_negatives: int = 0
    codes_on_anomalous: Counter[str] = field(default_factory=Counter)
    codes_on_normal: Counter[str] = field(default_factory=Counter)
    missed_examples: list[str] = field(default_factory=list)
    false_positive_examples: list[str] = field(default_factory=list)

    @property
    def detection_rate(self) -> float:
        """Flagged share of the anomalous requests."""
        total = self.true_positives + self.false_negatives
        return self.true_positives / total if total else 0.0

    @property
    def false_positive_rate(self) -> float:
        """Flagged share of the normal requests."""
        total = self.false_positives + self.true_negatives
        return self.false_positives / total if total else 0.0

    @property
    def precision(self) -> float:
        """Share of flagged requests that were anomalous."""
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 0.0


EVAL_START = 1_262_304_000.0
"""When replayed training traffic starts (2010-01-01, seconds since the epoch)."""
SPREAD_CLIENTS = 64
"""Clients that requests without a session cookie are spread over, round robin."""


def stamp(request: Request, index: int, seconds_per_request: float = 1.0) -> Request:
    """Give the ``index``-th replayed request a client and a time, as a gate would.

    Data sets like CSIC 2010 carry neither: the client is the request's ``JSESSIONID`` cookie
    (CSIC gives every request its own session, so each request counts as a distinct client),
    else one of :data:`SPREAD_CLIENTS` clients in turn; requests arrive ``seconds_per_request``
    apart (one per second: the 36,000 CSIC training requests span ten hours, sixty windows).
    """
    if not request.client:
        session = _session_of(request)
        request.client = f"session:{session}" if session else f"client-{index % SPREAD_CLIENTS}"
    if not request.received_at:
        request.received_at = EVAL_START + index * seconds_per_request
    return request


def _session_of(request: Request) -> str:
    for name, value in request.headers:
        if name == "cookie":
            for part in value.split(";"):
                key, _, session = part.strip().partition("=")
                if key.lower() == "jsessionid":
                    return session
    return ""


def train(
    engine: Engine,
    requests: Iterable[Request],
    progress: Progress | None = None,
    seconds_per_request: float = 1.0,
) -> int:
    """Feed normal requests (stamped, see :func:`stamp`) to a learning engine, then learn."""
    engine.set_mode(Mode.LEARN)
    count = 0
    for count, request in enumerate(requests, 1):
        engine.observe(engine.inspect_request(stamp(request, count - 1, seconds_per_request)))
        if progress is not None and count % 5000 == 0:
            progress("learn", count)
    engine.learn()
    return count


def _describe(request: Request, codes: list[str]) -> str:
    target = request.path + ("?" + request.query if request.query else "")
    return f"{request.method} {target[:120]} -> {','.join(codes) or 'no alert'}"


def evaluate(
    engine: Engine,
    normal: Iterable[Request],
    anomalous: Iterable[Request],
    progress: Progress | None = None,
    examples: int = 10,
) -> Confusion:
    """Judge both test sets in enforce mode and count the outcomes."""
    engine.set_mode(Mode.ENFORCE)
    result = Confusion()
    for label, requests in (("normal", normal), ("anomalous", anomalous)):
        for count, request in enumerate(requests, 1):
            decision = engine.inspect_request(request)
            flagged = decision.verdict.blocks
            codes = sorted({a.code for a in decision.alerts})
            if label == "anomalous":
                result.codes_on_anomalous.update(codes)
                if flagged:
                    result.true_positives += 1
                else:
                    result.false_negatives += 1
                    if len(result.missed_examples) < examples:
                        result.missed_examples.append(_describe(request, codes))
            elif flagged:
                result.codes_on_normal.update(codes)
                result.false_positives += 1
                if len(result.false_positive_examples) < examples:
                    reasons = [a.reason for a in decision.alerts][:3]
                    result.false_positive_examples.append(_describe(request, codes) + f" {reasons}")
            else:
                result.true_negatives += 1
            if progress is not None and count % 5000 == 0:
                progress(label, count)
    return result
