"""Detectors alone, the learned model alone, and both: per attack class, on the same requests.

Three configurations judge every request in enforce mode: ``model`` (the learned policy alone),
``signatures`` (the built-in attack detectors alone, which need no learning) and ``both`` (the
inspector with the detectors before the learned model, as the gate runs). A request counts as
flagged when its configuration blocks it. Requests come in labelled sets (an attack set with a
class per request, or a benign set), and every count is kept per set and class, so a table can
show where each configuration wins and what it costs in false positives. Response cases (the
CRS leak tests) are judged by the leak detectors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.policy import Policy
from vigil.behavior.profile import profile_request
from vigil.http.model import Request, Response
from vigil.inspection.observation import Observation
from vigil.inspection.phases import REQUEST_PHASES, Context, Phase
from vigil.signatures.detectors import AttackDetector, LeakDetector

CONFIGS = ("model", "signatures", "both")
"""The configurations compared, in the order tables show them."""

PAYLOAD_FAMILIES = (
    "sqli",
    "xss",
    "lfi",
    "rfi",
    "rce",
    "php",
    "java",
    "generic",
    "session-fixation",
    "protocol-attack",
    "multipart",
)
"""CRS rule families whose tests carry attack payloads (the others test protocol details,
scanners or score bookkeeping); headline rates are over these."""

Progress = Callable[[str, int], None]


@dataclass(slots=True)
class Tally:
    """Requests of one class in one set, and how many each configuration flagged."""

    total: int = 0
    flagged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CONFIGS, 0))

    def rate(self, config: str) -> float:
        """Flagged share (0 when the class is empty)."""
        return self.flagged[config] / self.total if self.total else 0.0


@dataclass(slots=True)
class LabelledSet:
    """One set of labelled requests: attacks (with a class each) or benign requests."""

    name: str
    attack: bool
    classes: dict[str, Tally] = field(default_factory=dict)
    configs: tuple[str, ...] = CONFIGS
    examples: dict[str, list[str]] = field(default_factory=dict)
    """A few requests per configuration that went the wrong way (misses or false positives)."""

    def add(
        self, klass: str, verdicts: dict[str, bool], describe: Callable[[], str], keep: int = 5
    ) -> None:
        """Count one request of ``klass`` with the verdict of each configuration."""
        tally = self.classes.setdefault(klass, Tally())
        tally.total += 1
        for config, flagged in verdicts.items():
            tally.flagged[config] += flagged
            wrong = flagged != self.attack
            if wrong:
                kept = self.examples.setdefault(config, [])
                if len(kept) < keep:
                    kept.append(f"[{klass}] {describe()}")

    def overall(self, classes: Iterable[str] | None = None) -> Tally:
        """All requests of the set (or of ``classes``) as one tally."""
        total = Tally()
        for name, tally in self.classes.items():
            if classes is not None and name not in classes:
                continue
            total.total += tally.total
            for config in CONFIGS:
                total.flagged[config] += tally.flagged[config]
        return total

    def mean_rate(self, config: str, classes: Iterable[str] | None = None) -> float:
        """The mean of the per-class rates (every class weighs the same, however many tests)."""
        rates = [
            t.rate(config)
            for name, t in self.classes.items()
            if t.total and (classes is None or name in classes)
        ]
        return sum(rates) / len(rates) if rates else 0.0


def describe(request: Request) -> str:
    """One short line naming a request."""
    target = request.path + ("?" + request.query if request.query else "")
    return f"{request.method} {target[:140]}"


class Judges:
    """The three configurations over one learned policy."""

    def __init__(self, policy: Policy) -> None:
        enforcing = policy.model_copy(update={"mode": Mode.ENFORCE})
        self.model = Engine(enforcing)
        self.both = Engine(enforcing, detectors=[AttackDetector()])
        self.signatures = AttackDetector()
        self.leaks = LeakDetector()

    def request(self, request: Request, learned: bool = True) -> dict[str, bool]:
        """Whether each configuration blocks ``request`` (``learned``: the model applies)."""
        observation = profile_request(request, self.model.limits)
        context = Context(f"{request.method} {request.path}", request, observation)
        signature = any(self.signatures.inspect(phase, context) for phase in REQUEST_PHASES)
        if not learned:
            return {"signatures": signature}
        return {
            "model": self.model.inspect_request(request).blocked,
            "signatures": signature,
            "both": self.both.inspect_request(request).blocked,
        }

    def response(self, response: Response) -> bool:
        """Whether the leak detectors find anything in ``response``."""
        context = Context("GET /", Request("GET", "/"), Observation("GET", "/", [], 0, ""))
        context.response = response
        return any(
            self.leaks.inspect(phase, context)
            for phase in (Phase.RESPONSE_HEADERS, Phase.RESPONSE_BODY)
        )


def judge(
    judges: Judges,
    target: LabelledSet,
    items: Iterable[tuple[str, Request]],
    progress: Progress | None = None,
    learned: bool = True,
) -> LabelledSet:
    """Judge ``(class, request)`` items into ``target``; returns it."""
    for count, (klass, request) in enumerate(items, 1):
        target.add(klass, judges.request(request, learned), partial(describe, request))
        if progress is not None and count % 5000 == 0:
            progress(target.name, count)
    return target
