"""JSON log lines through a structlog logger bound to a stream, for every vigil service.

The gate and the learner each log through their own logger instead of configuring structlog
globally, so an application embedding the gate's middleware keeps its own logging untouched.
Both write the same lines: the level, an ISO UTC timestamp and the event's fields as one JSON
object (orjson; values it cannot encode, such as integers past 64 bits, through ``json``).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, TextIO

import orjson
import structlog

LEVELS = ("debug", "info", "warning", "error")
"""Log levels a service accepts, least severe first."""


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
