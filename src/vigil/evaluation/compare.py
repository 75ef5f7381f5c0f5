"""Detectors alone, the learned model alone, and both: per set and class, on the same bytes.

Three configurations of vigil judge every request in enforce mode: ``model`` (the learned policy
alone), ``signatures`` (the built-in attack detectors alone, which need no learning) and
``both`` (the inspector with the detectors before the learned model, as the gate runs). Other
systems (ModSecurity + CRS in ``benchmarks/crs_compare.py``) are counted beside them.

Each system's :class:`Outcome` for a request is ``passed``, ``blocked`` or ``refused`` (turned
away with a 400 before any inspection: bytes the gate's parser or Apache refuses, or, as the
gate does, a request that mainstream stacks read in more than one way). A request is
*stopped* when it is blocked or refused. Requests come in labelled sets of one :class:`SetKind`;
what a stopped request means depends on it: a detection on an attack set, a false positive on a
set whose benignity is known, and only a flagged share on the CRS near-misses (tests that one
rule must not flag, mixing benign look-alikes with attacks of other rules). Response cases (the
CRS leak tests) are judged by the leak detectors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.policy import Policy
from vigil.behavior.profile import profile_request
from vigil.evaluation.wire import from_wire
from vigil.http.ambiguity import find_ambiguity
from vigil.http.model import Request, Response
from vigil.inspection.alerts import Alert
from vigil.inspection.observation import Observation
from vigil.inspection.phases import REQUEST_PHASES, Context, Phase
from vigil.signatures.detectors import AttackDetector, LeakDetector

CONFIGS = ("model", "signatures", "both")
"""vigil's configurations, in the order tables show them."""
UNLEARNED_CONFIGS = ("signatures",)
"""vigil's configurations on routes no model learned (the detectors need no learning)."""

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
EXAMPLES_KEPT = 20
"""Requests kept per set and system that went the wrong way (the bound of ``examples``)."""

Progress = Callable[[str, int], None]


class SetKind(Enum):
    """What the stopped share of a set measures."""

    DETECTION = "detection"
    """Attacks: the stopped share is the detection rate."""
    BENIGN = "benign"
    """Requests whose benignity is known: the stopped share is the false-positive rate."""
    NEAR_MISS = "near-miss"
    """Mixed (one CRS rule must not fire): the stopped share is neither of those."""


class Outcome(Enum):
    """What one system did with one request."""

    PASSED = "passed"
    BLOCKED = "blocked"
    REFUSED = "refused"
    """Turned away with a 400 before any inspection (unparseable or ambiguous)."""

    @property
    def stopped(self) -> bool:
        """True when the request did not reach the service."""
        return self is not Outcome.PASSED


@dataclass(frozen=True, slots=True)
class Verdict:
    """One system's outcome for one request and, when stopped, why."""

    outcome: Outcome
    reason: str = ""


@dataclass(slots=True)
class Tally:
    """Requests of one class in one set, and how many each system stopped (and refused)."""

    total: int = 0
    flagged: Counter[str] = field(default_factory=Counter)
    """Stopped requests per system: blocked or refused."""
    refused: Counter[str] = field(default_factory=Counter)
    """Of those, refused before any inspection."""

    def rate(self, system: str) -> float:
        """Stopped share (0 when the class is empty)."""
        return self.flagged[system] / self.total if self.total else 0.0

    def merge(self, other: Tally) -> None:
        """Add ``other``'s counts to this tally."""
        self.total += other.total
        self.flagged.update(other.flagged)
        self.refused.update(other.refused)


@dataclass(slots=True)
class LabelledSet:
    """One set of labelled requests and what each system did with them, per class."""

    name: str
    kind: SetKind
    title: str = ""
    """Exactly what the requests are."""
    label: str = ""
    """The set's row label in tables (its name when empty)."""
    systems: tuple[str, ...] = CONFIGS
    """The systems that judged the set (others show ``n/a``)."""
    classes: dict[str, Tally] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    """The first requests per system that went the wrong way: missed attacks, stopped benign
    requests, stopped near-misses (at most :data:`EXAMPLES_KEPT` each)."""

    def wrong(self, verdict: Verdict) -> bool:
        """True when ``verdict`` is a miss (attack sets) or a stop (the other kinds)."""
        stopped = verdict.outcome.stopped
        return not stopped if self.kind is SetKind.DETECTION else stopped

    def add(self, klass: str, verdicts: Mapping[str, Verdict], describe: Callable[[], str]) -> None:
        """Count one request of ``klass`` with the verdict of each system."""
        tally = self.classes.setdefault(klass, Tally())
        tally.total += 1
        for system, verdict in verdicts.items():
            tally.flagged[system] += verdict.outcome.stopped
            tally.refused[system] += verdict.outcome is Outcome.REFUSED
            kept = self.examples.setdefault(system, [])
            if self.wrong(verdict) and len(kept) < EXAMPLES_KEPT:
                why = f" -- {verdict.reason}" if verdict.reason else ""
                kept.append(f"[{klass}] {describe()}{why}")

    def overall(self, classes: Iterable[str] | None = None) -> Tally:
        """All requests of the set (or of ``classes``) as one tally."""
        chosen = None if classes is None else set(classes)
        total = Tally()
        for name, tally in self.classes.items():
            if chosen is None or name in chosen:
                total.merge(tally)
        return total

    def mean_rate(self, system: str, classes: Iterable[str] | None = None) -> float:
        """The mean of the per-class rates (every class weighs the same, however many tests)."""
        chosen = None if classes is None else set(classes)
        rates = [
            t.rate(system)
            for name, t in self.classes.items()
            if t.total and (chosen is None or name in chosen)
        ]
        return sum(rates) / len(rates) if rates else 0.0


def describe(request: Request) -> str:
    """One short line naming a request."""
    target = request.path + ("?" + request.query if request.query else "")
    return f"{request.method} {target[:160]}"


def _reason(alerts: Iterable[Alert]) -> str:
    return "; ".join(f"{a.code} {a.reason}" for a in list(alerts)[:2])[:240]


class Judges:
    """vigil's three configurations over one learned policy."""

    def __init__(self, policy: Policy) -> None:
        enforcing = policy.model_copy(update={"mode": Mode.ENFORCE})
        self.model = Engine(enforcing)
        self.both = Engine(enforcing, detectors=[AttackDetector()])
        self.signatures = AttackDetector()
        self.leaks = LeakDetector()

    def _signatures(self, request: Request) -> Verdict:
        observation = profile_request(request, self.model.limits)
        context = Context(f"{request.method} {request.path}", request, observation)
        alerts = [a for phase in REQUEST_PHASES for a in self.signatures.inspect(phase, context)]
        return Verdict(Outcome.BLOCKED, _reason(alerts)) if alerts else Verdict(Outcome.PASSED)

    @staticmethod
    def _engine(engine: Engine, request: Request) -> Verdict:
        decision = engine.inspect_request(request)
        if decision.blocked:
            return Verdict(Outcome.BLOCKED, _reason(decision.alerts))
        return Verdict(Outcome.PASSED)

    def request(self, request: Request, learned: bool = True) -> dict[str, Verdict]:
        """Each configuration's verdict on ``request`` (``learned``: the model applies)."""
        signatures = self._signatures(request)
        if not learned:
            return {"signatures": signatures}
        return {
            "model": self._engine(self.model, request),
            "signatures": signatures,
            "both": self._engine(self.both, request),
        }

    def wire(self, raw: bytes, learned: bool = True) -> tuple[dict[str, Verdict], Request | None]:
        """Each configuration's verdict on the bytes ``raw`` as the gate reaches it, and the
        request read (None when the gate's parser refuses the bytes). Like the gate, every
        configuration refuses, before inspecting, bytes its HTTP parser refuses and requests
        that mainstream stacks read in more than one way (:mod:`vigil.http.ambiguity`)."""
        configs = CONFIGS if learned else UNLEARNED_CONFIGS
        request = from_wire(raw)
        if request is None:
            refused = Verdict(Outcome.REFUSED, "the gate's HTTP parser refuses the bytes")
            return dict.fromkeys(configs, refused), None
        limits = self.model.limits
        ambiguity = find_ambiguity(request, limits.max_body_fields, limits.body_bytes)
        if ambiguity is not None:
            return dict.fromkeys(
                configs, Verdict(Outcome.REFUSED, f"ambiguous: {ambiguity}")
            ), request
        return self.request(request, learned), request

    def response(self, response: Response) -> bool:
        """Whether the leak detectors find anything in ``response``."""
        context = Context("GET /", Request("GET", "/"), Observation("GET", "/", [], 0, ""))
        context.response = response
        return any(
            self.leaks.inspect(phase, context)
            for phase in (Phase.RESPONSE_HEADERS, Phase.RESPONSE_BODY)
        )
