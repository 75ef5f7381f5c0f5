"""Profiling: turn a request or response into the fields the model learns and judges.

Field paths are stable, human names: ``path.1`` (a parameter segment), ``query.username``,
``header.user-agent``, ``cookie.session``, ``form.login``, ``json.items[].id``,
``multipart.avatar.filename``, ``body`` (other media types). Cookies are split into their keys and
``Authorization`` is reduced to its scheme, so secrets are never learned. Every loop is bounded by
:class:`Limits`; what exceeds a bound is reported as a structural finding, never skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vigil.behavior.routes import split_path, template_of
from vigil.http.body import BodyField, is_json, parse_body
from vigil.http.model import BodyState, Request, Response
from vigil.http.urlcodec import decode_component, split_pairs, text_flags

_METHOD = re.compile(r"[A-Z]{1,20}")
"""Methods outside this shape are profiled as ``OTHER`` so route keys stay valid policy keys."""

SKIPPED_HEADERS = frozenset({"content-length", "x-request-id", "traceparent", "tracestate"})
"""Headers whose values carry no behaviour (lengths, correlation ids); their presence still counts."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on the work spent on one request or response."""

    max_query_fields: int = 256
    max_headers: int = 128
    max_body_fields: int = 1024
    max_path_segments: int = 32
    body_bytes: int = 1 << 20


@dataclass(slots=True)
class Finding:
    """A structural problem met while profiling (a bound exceeded, an unparseable body)."""

    code: str
    field: str
    expected: str
    seen: str


@dataclass(slots=True)
class Observation:
    """Everything profiled from one request (or response, when ``status`` is set)."""

    method: str
    typed_path: str
    segments: list[str]
    path_flags: int
    content_type: str
    fields: list[BodyField] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    body_state: BodyState = BodyState.COMPLETE
    body_size: int = 0
    client: str = ""
    status: int = 0
    latency_ms: float = 0.0


def _header_fields(
    headers: list[tuple[str, str]], limits: Limits, out: list[BodyField], findings: list[Finding]
) -> None:
    for index, (name, raw) in enumerate(headers):
        if index >= limits.max_headers:
            findings.append(
                Finding(
                    "V122", "header", f"at most {limits.max_headers} headers", f"{len(headers)}"
                )
            )
            break
        if name == "cookie":
            for part in raw.split(";", limits.max_query_fields)[: limits.max_query_fields]:
                key, _, value = part.strip().partition("=")
                text, flags = decode_component(value, plus_as_space=False)
                out.append(BodyField(f"cookie.{key}", text, flags))
            continue
        if name == "authorization":
            scheme = raw.split(" ", 1)[0]
            out.append(BodyField("header.authorization", scheme, text_flags(scheme)))
            continue
        if name in SKIPPED_HEADERS:
            out.append(BodyField(f"header.{name}", "", 0))
            continue
        out.append(BodyField(f"header.{name}", raw, text_flags(raw)))


def _body_fields(body: bytes, full_type: str, limits: Limits, obs: Observation) -> None:
    if obs.body_state is not BodyState.COMPLETE:
        return
    content_type = obs.content_type
    parsed = parse_body(body, content_type, full_type, limits.max_body_fields)
    obs.fields.extend(parsed.fields)
    if parsed.error:
        obs.findings.append(Finding("V121", "body", f"a valid {content_type} body", parsed.error))
    if parsed.over_bound:
        obs.findings.append(
            Finding("V122", "body", "a body within the structure bounds", parsed.over_bound)
        )


def profile_request(request: Request, limits: Limits = Limits()) -> Observation:
    """Profile one request into an Observation."""
    segments, path_flags = split_path(request.path, limits.max_path_segments)
    full_type = request.header("content-type") or ""
    method = request.method.upper()
    obs = Observation(
        method=method if _METHOD.fullmatch(method) else "OTHER",
        typed_path=template_of(segments),
        segments=segments,
        path_flags=path_flags,
        content_type=full_type.split(";", 1)[0].strip().lower(),
        body_state=request.body_state,
        body_size=len(request.body),
        client=request.client,
    )
    pairs, truncated = split_pairs(request.query, limits.max_query_fields)
    if truncated:
        obs.findings.append(
            Finding("V122", "query", f"at most {limits.max_query_fields} query fields", "more")
        )
    for raw_key, raw_value in pairs:
        key, _ = decode_component(raw_key)
        value, flags = decode_component(raw_value)
        obs.fields.append(BodyField(f"query.{key}", value, flags))
    _header_fields(request.headers, limits, obs.fields, obs.findings)
    _body_fields(request.body, full_type, limits, obs)
    return obs


def profile_response(response: Response, limits: Limits = Limits()) -> Observation:
    """Profile one response: status, headers, body schema (values are not learned) and size."""
    full_type = response.header("content-type") or ""
    obs = Observation(
        method="",
        typed_path="",
        segments=[],
        path_flags=0,
        content_type=full_type.split(";", 1)[0].strip().lower(),
        body_state=response.body_state,
        body_size=len(response.body),
        status=response.status,
        latency_ms=response.latency_ms,
    )
    skip = {"date", "set-cookie", "etag", "last-modified", "expires"}
    headers = [(k, v) for k, v in response.headers if k not in skip]
    _header_fields(headers, limits, obs.fields, obs.findings)
    if is_json(obs.content_type):
        _body_fields(response.body, full_type, limits, obs)
    return obs
