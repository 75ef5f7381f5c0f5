"""The learner's log: one JSON object per event on stdout, through its own structlog logger.

Events: ``learner-started``, ``learner-stopped``, ``policy-published``, ``learning-failed``,
``handler-error``. The logger is bound to a stream instead of configuring structlog globally.
Never logged: tokens, observation values, request bodies.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import orjson
import structlog


def _dumps(obj: Any, **kwargs: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


class LearnerLog:
    """Structured JSON events at ``level`` or above."""

    def __init__(self, stream: TextIO | None = None, level: str = "info") -> None:
        self._logger = structlog.wrap_logger(
            structlog.PrintLogger(stream if stream is not None else sys.stdout),
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.JSONRenderer(serializer=_dumps),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
            cache_logger_on_first_use=True,
        ).bind(logger="vigil.learner")

    def event(self, name: str, level: str = "info", **fields: Any) -> None:
        """Log one event."""
        self._logger.log(getattr(logging, level.upper()), name, **fields)
