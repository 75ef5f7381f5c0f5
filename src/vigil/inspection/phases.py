"""Phases and detectors: how the inspector asks every detector about one exchange.

Like a WAF transaction (Coraza's phases) or a proxy's hooks named by the moment they fire
(mitmproxy), an exchange passes four moments: the request head is known, the request body is
read, the response head arrives, the response body is read. A detector declares the phases it
works in and answers with alerts; the inspector runs the detectors of each phase in order and
turns every alert into one verdict. Adding a detector touches no adapter: the gate builds the
list from its policy and rule files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from vigil.http.model import Request, Response
from vigil.inspection.alerts import Alert
from vigil.inspection.observation import Observation


class Phase(StrEnum):
    """The moments of an exchange at which detectors run, in order."""

    REQUEST_HEADERS = "request-headers"
    """The request line and headers are known (path, query, headers and cookies are profiled)."""
    REQUEST_BODY = "request-body"
    """The request body was read (bounded) and profiled."""
    RESPONSE_HEADERS = "response-headers"
    """The upstream's status and headers are known."""
    RESPONSE_BODY = "response-body"
    """The response body was read (bounded) and profiled."""

    @property
    def is_request(self) -> bool:
        """True for the two request phases."""
        return self in (Phase.REQUEST_HEADERS, Phase.REQUEST_BODY)


REQUEST_PHASES = (Phase.REQUEST_HEADERS, Phase.REQUEST_BODY)
RESPONSE_PHASES = (Phase.RESPONSE_HEADERS, Phase.RESPONSE_BODY)


@dataclass(slots=True)
class Context:
    """One exchange as the detectors see it; like a WAF transaction, shared by its phases.

    ``route`` is the resolved route key (``POST /login``, ``GET /users/{int}``). Detectors read the
    raw request and response and their profiled observations. ``claimed`` holds the field paths
    that an earlier detector took over: an operator's targeted constraint on a field replaces the
    learned criteria for it, so the learned model, which runs last, skips claimed fields.
    """

    route: str
    request: Request
    observation: Observation
    template: str | None = None
    """The policy's route template the path matched; None when no learned route has this path."""
    response: Response | None = None
    response_observation: Observation | None = None
    claimed: set[str] = field(default_factory=set)


class Detector(Protocol):
    """Anything that judges exchanges: the learned model, virtual patches, attack signatures."""

    @property
    def name(self) -> str:
        """A short stable name, carried by every alert the detector raises."""
        ...

    @property
    def phases(self) -> frozenset[Phase]:
        """The phases in which :meth:`inspect` is called."""
        ...

    def inspect(self, phase: Phase, context: Context) -> list[Alert]:
        """The alerts this detector raises on ``context`` in ``phase`` (empty when it is clean).

        A detector must not raise on any input; it may add field paths to ``context.claimed``.
        """
        ...
