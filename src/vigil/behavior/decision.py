"""Decisions: how a list of alerts becomes a verdict under a route's mode.

The verdict is a function of the alerts' summed severity and the route's mode, so a slightly
longer value (low) is logged while a new quote character (high) blocks in ``enforce`` mode, and
``detect`` mode reports exactly what ``enforce`` would have blocked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from vigil.behavior.alerts import Alert, Severity


class Mode(Enum):
    """What a gate does with a route's irregular traffic."""

    LEARN = "learn"
    """Profile and learn; alerts are computed for visibility but nothing is blocked."""
    DETECT = "detect"
    """Alert and count would-be blocks; nothing is blocked."""
    ENFORCE = "enforce"
    """Block requests whose score reaches the block threshold."""


class Verdict(Enum):
    """The outcome for one request or response."""

    ALLOW = "allow"
    ALERT = "alert"
    WOULD_BLOCK = "would-block"
    BLOCK = "block"

    @property
    def blocks(self) -> bool:
        """True only when the gate must stop the exchange."""
        return self is Verdict.BLOCK


DEFAULT_BLOCK_SCORE = int(Severity.MEDIUM)
"""Default score at which a request is irregular enough to block: one medium alert, or three low."""


@dataclass(frozen=True, slots=True, init=False)
class Decision:
    """The result of inspecting one request or response.

    ``observation`` carries what was profiled, so a learning gate can feed it to the learner
    when (and only when) the decision raised no alert.
    """

    route: str
    mode: Mode
    alerts: tuple[Alert, ...]
    score: int
    verdict: Verdict
    observation: object | None = field(default=None, compare=False)
    counted: Severity = Severity.LOW
    """Alerts below this severity were reported but not added to ``score``."""

    def __init__(  # noqa: PLR0917 - the generated __init__ takes every field positionally
        self,
        route: str,
        mode: Mode,
        alerts: tuple[Alert, ...],
        score: int,
        verdict: Verdict,
        observation: object | None = None,
        counted: Severity = Severity.LOW,
    ) -> None:
        """Set every field, as the generated frozen ``__init__`` would, a third faster.

        Two decisions are built per exchange; the generated ``__init__`` sets each field through
        ``object.__setattr__``, the slots' own setters are cheaper. The instance stays frozen.
        """
        _set_route(self, route)
        _set_mode(self, mode)
        _set_alerts(self, alerts)
        _set_score(self, score)
        _set_verdict(self, verdict)
        _set_observation(self, observation)
        _set_counted(self, counted)

    @property
    def blocked(self) -> bool:
        """True when the gate must answer 403 instead of forwarding."""
        return self.verdict.blocks

    @property
    def reason(self) -> str:
        """The most severe alert's reason, or an empty string when nothing was found."""
        if not self.alerts:
            return ""
        worst = max(self.alerts, key=lambda a: a.severity)
        return worst.reason


_Setter = Callable[[Decision, Any], None]
_SLOTS: dict[str, Any] = dict(vars(Decision))
_set_route: _Setter = _SLOTS["route"].__set__
_set_mode: _Setter = _SLOTS["mode"].__set__
_set_alerts: _Setter = _SLOTS["alerts"].__set__
_set_score: _Setter = _SLOTS["score"].__set__
_set_verdict: _Setter = _SLOTS["verdict"].__set__
_set_observation: _Setter = _SLOTS["observation"].__set__
_set_counted: _Setter = _SLOTS["counted"].__set__


def score_of(alerts: tuple[Alert, ...] | list[Alert]) -> int:
    """The summed severity weight of ``alerts``."""
    return sum(int(a.severity) for a in alerts)


def verdict_for(score: int, alert_count: int, mode: Mode, block_score: int) -> Verdict:
    """Combine a score with a mode: the single rule every adapter relies on."""
    if alert_count == 0:
        return Verdict.ALLOW
    if score < block_score or mode is Mode.LEARN:
        return Verdict.ALERT
    if mode is Mode.DETECT:
        return Verdict.WOULD_BLOCK
    return Verdict.BLOCK


def decide(
    route: str,
    alerts: list[Alert],
    mode: Mode,
    block_score: int = DEFAULT_BLOCK_SCORE,
    observation: object | None = None,
    *,
    counted: Severity = Severity.LOW,
) -> Decision:
    """Build a Decision from alerts under ``mode``.

    Only alerts of severity ``counted`` or worse add to the score (a route learned from too few
    requests counts only high-severity evidence); every alert is still reported. An enforced
    alert (an operator rule whose action is ``block``) blocks whatever the score, in ``learn`` as
    in ``enforce`` mode, and is reported as a would-be block in ``detect`` mode.
    """
    if not alerts:
        return Decision(route, mode, (), 0, Verdict.ALLOW, observation, counted)
    frozen = tuple(alerts)
    score = score_of([a for a in frozen if a.severity >= counted])
    verdict = verdict_for(score, len(frozen), mode, block_score)
    if verdict is Verdict.ALERT and any(a.enforced for a in frozen):
        verdict = Verdict.WOULD_BLOCK if mode is Mode.DETECT else Verdict.BLOCK
    return Decision(
        route=route,
        mode=mode,
        alerts=frozen,
        score=score,
        verdict=verdict,
        observation=observation,
        counted=counted,
    )
