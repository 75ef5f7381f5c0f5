"""Profiling: turn a request or response into the observation every detector judges.

The observation's shape (:class:`~vigil.inspection.observation.Observation`, its field names and
bounds) is described in :mod:`vigil.inspection.observation`. Cookies are split into their keys.
``Authorization`` becomes its scheme (``header.authorization``) and the *shape* of its credentials
(``header.authorization.credentials``: letters and digits masked, punctuation and length kept),
so credentials are judged by scheme, charset and length and never learned, logged or sent.
"""

from __future__ import annotations

import re
from functools import partial

import orjson

from vigil.behavior.routes import profile_path
from vigil.http.body import BodyField, BodyParse, is_json, parse_body, parse_json
from vigil.http.cookies import cookie_pairs
from vigil.http.encoding import decode_content
from vigil.http.jsoncolumns import JsonColumns, json_columns
from vigil.http.model import BodyState, Request, Response
from vigil.http.urlcodec import decode_component, split_pairs, text_flags
from vigil.inspection.observation import Finding, Limits, Observation

DEFAULT_LIMITS = Limits()

_METHOD = re.compile(r"[A-Z]{1,20}")
"""Methods outside this shape are profiled as ``OTHER`` so route keys stay valid policy keys."""

SKIPPED_HEADERS = frozenset({"content-length"})
"""Headers whose values carry no behaviour (the server framed the body by it); presence counts.

Correlation and trace headers (``x-request-id``, ``traceparent``) are profiled like any other:
their grammar admits every well-formed id, and a malformed one is judged."""

UNPROFILED_RESPONSE_HEADERS = frozenset({"date", "set-cookie", "etag", "last-modified", "expires"})
"""Response headers left out entirely: they change on every response or carry secrets."""

_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"}
)
_SPECIAL_HEADERS = SKIPPED_HEADERS | {"cookie", "authorization"}
_RESPONSE_SPECIAL_HEADERS = _SPECIAL_HEADERS | UNPROFILED_RESPONSE_HEADERS


def _header_fields(
    headers: list[tuple[str, str]],
    limits: Limits,
    out: list[BodyField],
    findings: list[Finding],
    special: frozenset[str] = _SPECIAL_HEADERS,
) -> None:
    if len(headers) > limits.max_headers:
        unprofiled = special - _SPECIAL_HEADERS
        headers = [(k, v) for k, v in headers if k not in unprofiled]
        if len(headers) > limits.max_headers:
            findings.append(
                Finding(
                    "V122", "header", f"at most {limits.max_headers} headers", f"{len(headers)}"
                )
            )
            headers = headers[: limits.max_headers]
    append = out.append
    paths = _HEADER_PATHS
    for name, raw in headers:
        if name not in special:
            flags = 0 if raw.isprintable() else text_flags(raw)
            append(BodyField(paths.get(name) or _header_path(name), raw, flags))
        elif name == "cookie":
            for key, value in cookie_pairs(raw, limits.max_query_fields):
                text, flags = decode_component(value, plus_as_space=False)
                append(BodyField(f"cookie.{key}", text, flags))
        elif name == "authorization":
            scheme, _, credentials = raw.partition(" ")
            append(BodyField("header.authorization", scheme, text_flags(scheme)))
            credentials = credentials.strip()
            if credentials:
                shape = mask_secret(credentials)
                append(BodyField("header.authorization.credentials", shape, text_flags(shape)))
        elif name in SKIPPED_HEADERS:
            append(BodyField(f"header.{name}", "", 0))


HEADER_PATHS = 1024
"""Bound on cached header field paths (``header.<name>``); the cache is emptied when full."""
_HEADER_PATHS: dict[str, str] = {}


def _header_path(name: str) -> str:
    path = f"header.{name}"
    if len(_HEADER_PATHS) >= HEADER_PATHS:
        _HEADER_PATHS.clear()
    _HEADER_PATHS[name] = path
    return path


_MASK = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "a" * 26 + "A" * 26 + "9" * 10,
)


def mask_secret(text: str) -> str:
    """The shape of a secret: ASCII letters and digits masked by class, the rest kept.

    ``Bearer eyJhbGci.eyJz`` keeps its length, charset and separators (``aaAaaAa.aaAa``), so a
    malformed or injected credential (``' OR '1'='1`` -> ``' AA '9'='9``) still shows, while
    the secret itself is never learned, logged or sent to a learner.
    """
    return text.translate(_MASK)


def _body_fields(parsed: BodyParse, obs: Observation, start: int) -> None:
    """Add what a body parser found: its fields at ``start`` in the field list, its findings."""
    obs.listed[start:start] = parsed.fields
    if parsed.error:
        obs.findings.append(
            Finding("V121", "body", f"a valid {obs.content_type} body", parsed.error)
        )
    if parsed.over_bound:
        obs.findings.append(
            Finding("V122", "body", "a body within the structure bounds", parsed.over_bound)
        )


def profile_request(
    request: Request, limits: Limits = DEFAULT_LIMITS, *, defer_json: bool = False
) -> Observation:
    """Profile one request into an Observation.

    With ``defer_json``, a JSON body is not read yet: the caller reads it with
    :meth:`~vigil.inspection.observation.Observation.read` or leaves it to the first reader of
    ``fields``.
    """
    segments, path_flags, typed_path = profile_path(request.path, limits.max_path_segments)
    full_type = request.header("content-type") or ""
    method = request.method.upper()
    obs = Observation(
        method if method in _METHODS or _METHOD.fullmatch(method) else "OTHER",
        typed_path,
        segments,
        path_flags,
        full_type.split(";", 1)[0].strip().lower(),
        [],
        [],
        request.body_state,
        len(request.body),
        request.client,
    )
    obs.time = request.received_at
    pairs, truncated = split_pairs(request.query, limits.max_query_fields)
    if truncated:
        obs.findings.append(
            Finding("V122", "query", f"at most {limits.max_query_fields} query fields", "more")
        )
    append = obs.listed.append
    for raw_key, raw_value in pairs:
        key = decode_component(raw_key)[0]
        value, flags = decode_component(raw_value)
        append(BodyField(f"query.{key}", value, flags))
    _header_fields(request.headers, limits, obs.listed, obs.findings)
    body = request.body
    if body and obs.body_state is BodyState.COMPLETE:
        coding = request.header("content-encoding")
        if coding:
            body = _decoded(body, coding, limits, obs)
        if obs.body_state is BodyState.COMPLETE and body:
            obs.body = body
            start = len(obs.listed)
            if defer_json and is_json(obs.content_type):
                obs.unread = partial(
                    _read_body, body=body, full_type=full_type, limits=limits, start=start
                )
            else:
                _read_body(obs, body, full_type, limits, start)
    return obs


def _read_body(obs: Observation, body: bytes, full_type: str, limits: Limits, start: int) -> None:
    """Profile ``body`` (decoded) into ``obs``; its fields go at ``start`` in the field list.
    ``body`` is given apart from ``obs.body``, which a holder may let go before a deferred read."""
    columns = _json_columns(body, obs.content_type, limits)
    if columns is not None:
        columns.start = start
        obs.json = columns
        return
    parsed = parse_body(body, obs.content_type, full_type, limits.max_body_fields)
    _body_fields(parsed, obs, start)


def _json_columns(body: bytes, content_type: str, limits: Limits) -> JsonColumns | None:
    """The columns of a JSON body orjson reads, within the bounds; else None (parse_body reads
    it and reports what went wrong)."""
    if not is_json(content_type):
        return None
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return json_columns(doc, "json", limits.max_body_fields)


def _decoded(body: bytes, coding: str, limits: Limits, obs: Observation) -> bytes:
    decoded = decode_content(body, coding, limits.body_bytes)
    if decoded.error:
        obs.body_state, obs.body_error = BodyState.UNDECODABLE, decoded.error
    elif not decoded.complete:
        obs.body_state = BodyState.TRUNCATED
    return decoded.body


def profile_response(response: Response, limits: Limits = DEFAULT_LIMITS) -> Observation:
    """Profile one response: status, headers, body schema (values are not learned) and size."""
    full_type = response.header("content-type") or ""
    obs = Observation(
        "",
        "",
        [],
        0,
        full_type.split(";", 1)[0].strip().lower(),
        [],
        [],
        response.body_state,
        len(response.body),
        "",
        response.status,
        response.latency_ms,
    )
    _header_fields(response.headers, limits, obs.listed, obs.findings, _RESPONSE_SPECIAL_HEADERS)
    body = response.body
    if body and obs.body_state is BodyState.COMPLETE and is_textual(obs.content_type):
        coding = response.header("content-encoding")
        if coding:
            body = _decoded(body, coding, limits, obs)
        if obs.body_state is BodyState.COMPLETE:
            obs.body = body
            if is_json(obs.content_type):
                parsed = parse_json(body, "json", limits.max_body_fields)
                _body_fields(parsed, obs, len(obs.listed))
    return obs


TEXTUAL_SUFFIXES = ("json", "xml", "html", "javascript", "yaml", "csv")
"""Media type endings of text that a response detector may read (besides ``text/*``)."""


def is_textual(content_type: str) -> bool:
    """True for media types whose bodies are text a person or a parser reads, or unknown ones."""
    return (
        not content_type
        or content_type.startswith("text/")
        or content_type.endswith(TEXTUAL_SUFFIXES)
    )
