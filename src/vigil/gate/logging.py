"""Alert log lines: one JSON object per decision with alerts, for log pipelines and people.

Each gate logs through its own structlog logger bound to a stream (stdout by default) instead
of reconfiguring structlog globally, so an application embedding the middleware keeps its own
logging untouched. A line carries the request id, route, phase, verdict, score and the alerts as
:meth:`Alert.as_dict` gives them; observed values are already redacted and truncated by the
engine, so attacker bytes never reach the log verbatim.
"""

from __future__ import annotations

import logging
from typing import Any, TextIO

from vigil.behavior.decision import Decision, Verdict
from vigil.jsonlog import make_logger

__all__ = ["GateLog", "make_logger"]

_VERDICT_LEVEL = {
    Verdict.ALLOW: logging.DEBUG,
    Verdict.ALERT: logging.INFO,
    Verdict.WOULD_BLOCK: logging.WARNING,
    Verdict.BLOCK: logging.WARNING,
}


class GateLog:
    """The gate's event log: ``alert`` lines for decisions, plain events for lifecycle."""

    def __init__(self, stream: TextIO | None = None, level: str = "info", **context: Any) -> None:
        self._logger = make_logger(stream, level).bind(logger="vigil.gate", **context)

    def decision(self, decision: Decision, request_id: str, phase: str) -> None:
        """Log one ``alert`` line for a decision that raised alerts.

        Blocks and would-blocks are warnings, other alerts info, so ``--log-level warning``
        keeps only what enforce mode acts on.
        """
        self._logger.log(
            _VERDICT_LEVEL[decision.verdict],
            "alert",
            request_id=request_id,
            phase=phase,
            route=decision.route,
            mode=decision.mode.value,
            verdict=decision.verdict.value,
            score=decision.score,
            alerts=[alert.as_dict() for alert in decision.alerts],
        )

    def event(self, name: str, level: str = "info", **fields: Any) -> None:
        """Log a lifecycle event (``gate-started``, ``policy-learned``, ``upstream-error``)."""
        self._logger.log(getattr(logging, level.upper()), name, **fields)
