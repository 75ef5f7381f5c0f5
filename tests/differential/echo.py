"""What the echo applications answer: everything their framework parsed, as JSON.

Each echo application (Starlette on uvicorn, Flask on gunicorn, aiohttp) answers every request
with one JSON document in the shape built here, under the ``x-echo: 1`` header, so the test can
tell an application's answer from a refusal by the gate or by the server. Values the framework
handed over as bytes travel as ``{"$bytes": base64}``; everything else is plain JSON
(``json.dumps`` keeps NaN, infinities and big integers that the framework parsed).
"""

from __future__ import annotations

import base64
import json
from typing import Any

ECHO_HEADER = "x-echo"
ROUTES = ("/profile/{name}", "/items/{a}/{b}")
"""Parameter routes of every echo app; anything else lands in a catch-all route."""


def text_or_bytes(value: str | bytes | bytearray) -> Any:
    """A parsed value as JSON: text as is, bytes as ``{"$bytes": base64}``."""
    if isinstance(value, bytes | bytearray):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def echo_document(
    framework: str,
    *,
    params: dict[str, str],
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    cookies: list[tuple[str, str]],
) -> dict[str, Any]:
    """The common part of an echo answer; the body readings are added by the app."""
    return {
        "framework": framework,
        "params": params,
        "path": path,
        "query": [list(pair) for pair in query],
        "headers": [[k.lower(), v] for k, v in headers],
        "cookies": [list(pair) for pair in cookies],
        "form": [],
        "files": [],
    }


def dumps(document: dict[str, Any]) -> bytes:
    """The answer body: stdlib JSON so NaN and big integers survive the round trip."""
    return json.dumps(document, allow_nan=True).encode("utf-8")


def error_text(exc: BaseException) -> str:
    """A short description of why a framework could not parse something."""
    return f"{type(exc).__name__}: {str(exc)[:200]}"
