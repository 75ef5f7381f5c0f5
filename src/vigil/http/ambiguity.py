"""Requests that mainstream parsers read in more than one way, found before inspection.

The gate must inspect what the application will read. Where the mainstream stacks (uvicorn and
gunicorn, Starlette with python-multipart, Flask with Werkzeug, aiohttp) read one request in
different ways, no inspection can be right for all of them, so the gate refuses the request
with 400 instead. This module names those requests, part by part, with a stable code and a
human reason; docs/gate.md lists every rule and what the gate does otherwise:

- path: an encoded slash (``%2F``: uvicorn and gunicorn decode it before routing, aiohttp
  routes on it encoded), a backslash, raw or encoded, a path starting with ``//`` (gunicorn
  drops the extra slashes before routing, uvicorn and aiohttp keep them), and ``.``/``..``
  segments (the Python stacks pass them to the application, while browsers, curl, nginx and
  the Go and Java stacks resolve them: what the application reads depends on what is in front);
- headers: a repeated ``Host``, ``Content-Type``, ``Content-Length``, ``Content-Encoding``,
  ``Transfer-Encoding`` or ``Authorization`` (the first wins here, the last or a comma-joined
  list there); a ``Connection`` option naming one of the headers that decide how the request
  is routed, framed, parsed or attributed (a proxy must drop what ``Connection`` names); a
  ``Cookie`` hiding ``name=`` after whitespace inside a cookie (:mod:`vigil.http.cookies`);
- body: a Content-Type with repeated, extended or malformed parameters; a charset the stacks
  decode differently (:mod:`vigil.http.charset`); a multipart body outside the common form
  (:mod:`vigil.http.multipart`).

Pure and bounded: a body is decoded at most once more (its content coding, within the body
limit) and a multipart body parsed once; a GET without ``%``, ``\\`` or ``.`` in its path costs
one pass over its headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

from vigil.http.body import is_json, looks_like_json
from vigil.http.charset import form_problem, json_problem, text_problem
from vigil.http.cookies import hidden_cookie, quoted_separator
from vigil.http.encoding import decode_content
from vigil.http.model import BodyState, Request
from vigil.http.multipart import parse_form_data
from vigil.http.parameters import parse_parameters

SINGLETON_HEADERS = frozenset(
    {
        "host",
        "content-type",
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "authorization",
    }
)
"""Headers that may appear once: stacks disagree on which of two copies counts."""

PROTECTED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "content-type",
        "content-encoding",
        "cookie",
        "authorization",
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-real-ip",
        "x-request-id",
    }
)
"""End-to-end headers a ``Connection`` option may not name: dropping one would change how the
application routes, frames, parses or attributes the request that the gate inspected."""

MAX_CONNECTION_OPTIONS = 32
"""``Connection`` options examined; the rest are not (the proxy honours as many)."""


class AmbiguityCode(StrEnum):
    """Stable codes of the requests the gate refuses as ambiguous (logs, metrics)."""

    ENCODED_SLASH = "encoded-slash"
    BACKSLASH = "backslash"
    DOT_SEGMENT = "dot-segment"
    LEADING_SLASHES = "leading-slashes"
    REPEATED_HEADER = "repeated-header"
    CONNECTION_OPTION = "connection-option"
    COOKIE = "cookie"
    CONTENT_TYPE = "content-type"
    CHARSET = "charset"
    MULTIPART = "multipart"


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """Why a request is refused: a stable code, the part of the request, a human reason."""

    code: AmbiguityCode
    part: str
    reason: str

    def __str__(self) -> str:
        return f"{self.part}: {self.reason} ({self.code.value})"


def find_ambiguity(
    request: Request, max_parts: int = 1024, limit: int = 1 << 20
) -> Ambiguity | None:
    """The first reason ``request`` is read differently by mainstream stacks, or None.

    ``max_parts`` bounds the multipart parts read; ``limit`` the decoded bytes of a body sent
    with a Content-Encoding.
    """
    return (
        path_ambiguity(request.path)
        or header_ambiguity(request.headers)
        or body_ambiguity(request, max_parts, limit)
    )


def path_ambiguity(raw_path: str) -> Ambiguity | None:
    """An encoded slash, a backslash, leading ``//`` or a dot segment in a raw (encoded) path."""
    if "%" in raw_path:
        lowered = raw_path.lower()
        if "%2f" in lowered:
            return Ambiguity(
                AmbiguityCode.ENCODED_SLASH, "path", "an encoded slash, a separator to some stacks"
            )
        if "%5c" in lowered:
            return Ambiguity(AmbiguityCode.BACKSLASH, "path", "an encoded backslash")
    if "\\" in raw_path:
        return Ambiguity(AmbiguityCode.BACKSLASH, "path", "a backslash")
    if raw_path.startswith("//"):
        return Ambiguity(
            AmbiguityCode.LEADING_SLASHES, "path", "a path starting with '//', routed apart"
        )
    if "." in raw_path or "%" in raw_path:
        for segment in raw_path.split("/"):
            if ("." in segment or "%" in segment) and unquote(segment) in (".", ".."):
                return Ambiguity(
                    AmbiguityCode.DOT_SEGMENT, "path", "a dot segment, resolved by some stacks"
                )
    return None


def header_ambiguity(headers: list[tuple[str, str]]) -> Ambiguity | None:
    """A repeated singleton header, a ``Connection`` option naming a protected header, or a
    ``Cookie`` header with a cookie hidden after whitespace or a quoted value holding ``;``.

    ``headers`` are (lower-case name, value) pairs.
    """
    seen: set[str] = set()
    for name, value in headers:
        if name in SINGLETON_HEADERS:
            if name in seen:
                return Ambiguity(
                    AmbiguityCode.REPEATED_HEADER, f"header.{name}", "the header twice"
                )
            seen.add(name)
        elif name == "connection":
            options = (
                value.split(",", MAX_CONNECTION_OPTIONS)[:MAX_CONNECTION_OPTIONS]
                if "," in value
                else (value,)
            )
            for option in options:
                named = option.strip().lower()
                if named in PROTECTED_HEADERS:
                    return Ambiguity(
                        AmbiguityCode.CONNECTION_OPTION,
                        "header.connection",
                        f"Connection naming the end-to-end header {named!r}",
                    )
        elif name == "cookie":
            if hidden_cookie(value):
                return Ambiguity(
                    AmbiguityCode.COOKIE, "header.cookie", "a cookie hidden after whitespace"
                )
            if quoted_separator(value):
                return Ambiguity(
                    AmbiguityCode.COOKIE, "header.cookie", "a quoted cookie value holding ';'"
                )
    return None


def body_ambiguity(request: Request, max_parts: int, limit: int) -> Ambiguity | None:
    """A Content-Type, charset or multipart body that stacks read differently."""
    if not request.body or request.body_state is not BodyState.COMPLETE:
        return None
    full_type = request.header("content-type")
    if full_type is None:
        return None
    params = parse_parameters(full_type)
    if params.problem or any("*" in name for name in params.params):
        reason = params.problem or "an extended (RFC 2231) parameter"
        return Ambiguity(AmbiguityCode.CONTENT_TYPE, "header.content-type", reason)
    media, charset = params.value, params.get("charset")
    if charset is None and media != "multipart/form-data":
        return None
    body = request.body
    coding = request.header("content-encoding")
    if coding:
        decoded = decode_content(body, coding, limit)
        if decoded.error or not decoded.complete:
            return None
        body = decoded.body
    if media == "multipart/form-data":
        problem = parse_form_data(body, full_type, max_parts).problem
        return Ambiguity(AmbiguityCode.MULTIPART, "body", problem) if problem else None
    json_like = is_json(media) or looks_like_json(body)
    if media == "application/x-www-form-urlencoded":
        problem = form_problem(body, charset) or (json_problem(body, charset) if json_like else "")
    elif json_like:
        problem = json_problem(body, charset)
    else:
        problem = text_problem(charset)
    return Ambiguity(AmbiguityCode.CHARSET, "body", problem) if problem else None
