"""False positives on benign traffic: how many legitimate requests an enforcing model blocks.

Benign sets are labelled streams (a request and a label such as the locale of the generated
person or the client that sent it); the result counts blocked requests overall and per label,
the alert codes behind them and the first examples, so a person sees *which* real-world input
the model refuses.
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
class BenignResult:
    """Blocked benign requests, overall and per label."""

    name: str
    total: int = 0
    flagged: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    flagged_labels: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    @property
    def false_positive_rate(self) -> float:
        """Blocked share of the set."""
        return self.flagged / self.total if self.total else 0.0


def judge_benign(
    engine: Engine,
    name: str,
    labelled: Iterable[tuple[Request, str]],
    progress: Progress | None = None,
    examples: int = 10,
) -> BenignResult:
    """Judge every request of a benign set in enforce mode and count the blocked ones."""
    engine.set_mode(Mode.ENFORCE)
    result = BenignResult(name)
    for count, (request, label) in enumerate(labelled, 1):
        result.total += 1
        result.labels[label] += 1
        decision = engine.inspect_request(request)
        if decision.verdict.blocks:
            result.flagged += 1
            result.flagged_labels[label] += 1
            result.codes.update({a.code for a in decision.alerts})
            if len(result.examples) < examples:
                reasons = "; ".join(a.reason for a in decision.alerts[:3])
                result.examples.append(f"[{label}] {request.method} {request.path}: {reasons}")
        if progress is not None and count % 5000 == 0:
            progress(name, count)
    return result
