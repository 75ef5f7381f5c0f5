"""The learner's log: one JSON object per event on stdout, through its own structlog logger.

Events: ``learner-started``, ``learner-stopped``, ``policy-published``, ``learning-failed``,
``handler-error``. The logger is bound to a stream instead of configuring structlog globally.
Never logged: tokens, observation values, request bodies.
"""

from __future__ import annotations

import logging
from typing import Any, TextIO

from vigil.jsonlog import make_logger


class LearnerLog:
    """Structured JSON events at ``level`` or above."""

    def __init__(self, stream: TextIO | None = None, level: str = "info") -> None:
        self._logger = make_logger(stream, level).bind(logger="vigil.learner")

    def event(self, name: str, level: str = "info", **fields: Any) -> None:
        """Log one event."""
        self._logger.log(getattr(logging, level.upper()), name, **fields)
