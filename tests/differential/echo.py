"""What the echo applications answer: everything their framework parsed, as JSON.

Each echo application (Starlette on uvicorn, Flask on gunicorn, aiohttp) answers every request
with one JSON document in the shape built here, under the ``x-echo: 1`` header, so the test can
tell an application's answer from a refusal by the gate or by the server. Values the framework
handed over as bytes travel as ``{"$bytes": base64}``; everything else is plain JSON
(``json.dumps`` keeps NaN, infinities and big integers that the framework parsed). An XML body
is read as applications read it with ``xml.etree.ElementTree`` (:func:`xml_reading`).
"""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
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


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def xml_fields(root: Any) -> list[tuple[str, str]]:
    """The values an application reads from an ElementTree or lxml ``root``, as sorted
    ``(path, text)`` pairs: each element's text with the text after its children (when it has
    no child element or the text is not only whitespace), each attribute value."""
    out: list[tuple[str, str]] = []
    stack = [(root, "xml")]
    while stack:
        element, base = stack.pop()
        path = f"{base}.{_local(element.tag)}"
        out.extend((f"{path}@{_local(k)}", v) for k, v in element.attrib.items())
        children = list(element)
        text = (element.text or "") + "".join(child.tail or "" for child in children)
        elements = [c for c in children if isinstance(c.tag, str)]
        if not elements or text.strip():
            out.append((path, text))
        stack.extend((c, path) for c in elements)
    return sorted(out)


def xml_reading(content_type: str, body: bytes) -> dict[str, Any]:
    """``{"xml": [[path, text], ...]}`` for a body under an XML media type that
    ``ElementTree.fromstring`` reads, ``{"xml_error": ...}`` when it cannot, else ``{}``."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not body or not (media in ("application/xml", "text/xml") or media.endswith("+xml")):
        return {}
    try:
        root = ET.fromstring(body)
    except Exception as exc:
        return {"xml_error": error_text(exc)}
    return {"xml": [list(pair) for pair in xml_fields(root)]}
