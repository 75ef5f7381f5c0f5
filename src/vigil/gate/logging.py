"""Alert log lines: one JSON object per decision with alerts, for log pipelines and people.

Each gate logs through its own structlog logger bound to a stream (stdout by default) instead
of reconfiguring structlog globally, so an application embedding the middleware keeps its own
logging untouched. A line carries the request id, route, phase, verdict, score and the alerts as
:meth:`Alert.as_dict` gives them; observed values are already redacted and truncated by the
engine, so attacker bytes never reach the log verbatim.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, TextIO

import orjson
import structlog

from vigil.behavior.decision import Decision, Verdict

LEVELS = ("debug", "info", "warning", "error")

_VERDICT_LEVEL = {
    Verdict.ALLOW: logging.DEBUG,
    Verdict.ALERT: logging.INFO,
    Verdict.WOULD_BLOCK: logging.WARNING,
    Verdict.BLOCK: logging.WARNING,
}


def _dumps(obj: Any, **kwargs: Any) -> str:
    try:
        return orjson.dumps(obj, default=kwargs.get("default")).decode()
    except orjson.JSONEncodeError:
        text = json.dumps(obj, default=str, ensure_ascii=False)
        return text.encode("utf-8", "replace").decode("utf-8")


def make_logger(stream: TextIO | None = None, level: str = "info") -> Any:
    """A structlog logger writing JSON lines at ``level`` or above to ``stream`` (stdout)."""
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}, got {level!r}")
    return structlog.wrap_logger(
        structlog.PrintLogger(stream if stream is not None else sys.stdout),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(serializer=_dumps),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        cache_logger_on_first_use=True,
    )


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
