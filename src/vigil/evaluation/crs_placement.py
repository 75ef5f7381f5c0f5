"""Public attack payloads placed into ordinary requests: the CRS corpus on CSIC 2010 traffic.

The CRS regression tests send their payloads to made-up routes (``/post``, ``/get``) that no
learned model knows, so on their own they measure signatures only. Placed into the ordinary
requests of a shop whose normal traffic the model learned (CSIC 2010's normal test set), the
same payloads measure the model, the signatures and both on equal terms, the way the issue's
CRS figures were measured ("public attack payloads placed into ordinary requests").

:func:`payload_of` takes the part of a test that carries its payload: the longest argument value
(query or form, kept as sent, percent-encoding included), else a JSON string or the raw body,
else a header the test set itself (not the harness's ``Host``/``Accept``/``User-Agent``), else
a non-trivial path. :func:`place` puts it into one parameter of a CSIC request (a header payload
replaces or adds that header), the parameter chosen by a stable hash of the test's name, so
every run builds the same requests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote

import orjson

from vigil.evaluation.crs_corpus import CrsCase
from vigil.http.body import is_json
from vigil.http.model import Request
from vigil.http.urlcodec import split_pairs

HARNESS_HEADERS = frozenset(
    {
        "host",
        "accept",
        "content-type",
        "content-length",
        "connection",
        "accept-encoding",
        "accept-language",
    }
)
"""Headers the CRS harness sets on every test; a payload is never only in these."""
HARNESS_AGENT = "OWASP CRS test agent"
TRIVIAL_PATHS = frozenset({"/", "/get", "/post", "/reflect", "/anything", "/index.html"})
MAX_PAIRS = 256


@dataclass(frozen=True, slots=True)
class Payload:
    """Where a test's payload sits and its text: an argument value as sent (still encoded), or
    decoded text (JSON, body, header, path)."""

    where: str
    """``arg``, ``header``, ``json``, ``body`` or ``path``."""
    value: str
    header: str = ""
    encoded: bool = False
    """True when ``value`` is already percent-encoded as it travels in a query or form."""


@dataclass(frozen=True, slots=True)
class Placed:
    """A CSIC request carrying one CRS test's payload."""

    case: CrsCase
    payload: Payload
    request: Request


def _json_strings(body: bytes) -> list[str]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return []
    out: list[str] = []
    stack: list[object] = [doc]
    while stack and len(out) < MAX_PAIRS:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out.extend(str(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def payload_of(case: CrsCase) -> Payload | None:
    """The part of ``case``'s request that carries its payload (None when there is none)."""
    request = case.request
    candidates: list[Payload] = []
    pairs, _ = split_pairs(request.query, MAX_PAIRS)
    media = request.content_type
    if media == "application/x-www-form-urlencoded" and request.body:
        form, _ = split_pairs(request.body.decode("latin-1").strip("\r\n"), MAX_PAIRS)
        pairs.extend(form)
    for key, value in pairs:
        candidates.append(Payload("arg", value or key, encoded=True))
    if request.body and is_json(media):
        candidates.extend(Payload("json", s) for s in _json_strings(request.body))
    elif request.body and media != "application/x-www-form-urlencoded":
        candidates.append(Payload("body", request.body.decode("utf-8", "replace")))
    for name, value in request.headers:
        if name not in HARNESS_HEADERS and not (name == "user-agent" and value == HARNESS_AGENT):
            candidates.append(Payload("header", value, header=name))
    if request.path not in TRIVIAL_PATHS:
        candidates.append(Payload("path", request.path, encoded=True))
    candidates = [c for c in candidates if c.value.strip()]
    if not candidates:
        return None
    return max(candidates, key=lambda c: len(c.value))


def _index(name: str, count: int) -> int:
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:4], "big") % count


def _encoded(payload: Payload) -> str:
    return payload.value if payload.encoded else quote(payload.value, safe="")


def _with_value(raw: str, index: int, value: str) -> str:
    parts = raw.split("&")
    key = parts[index].partition("=")[0]
    parts[index] = f"{key}={value}"
    return "&".join(parts)


def place(payload: Payload, host: Request, name: str) -> Request:
    """``host`` (a CSIC request) carrying ``payload``; ``name`` picks the parameter stably."""
    if payload.where == "header":
        headers = [(k, v) for k, v in host.headers if k != payload.header]
        headers.append((payload.header, payload.value.replace("\r", " ").replace("\n", " ")))
        return replace(host, headers=headers)
    value = _encoded(payload)
    query_params = [p for p in host.query.split("&") if p] if host.query else []
    body_params = (
        [p for p in host.body.decode("latin-1").split("&") if p]
        if host.body and host.content_type == "application/x-www-form-urlencoded"
        else []
    )
    total = len(query_params) + len(body_params)
    if total == 0:
        query = f"{host.query}&q={value}" if host.query else f"q={value}"
        return replace(host, query=query)
    index = _index(name, total)
    if index < len(query_params):
        return replace(host, query=_with_value("&".join(query_params), index, value))
    body = _with_value("&".join(body_params), index - len(query_params), value).encode(
        "latin-1", "replace"
    )
    headers = [(k, str(len(body)) if k == "content-length" else v) for k, v in host.headers]
    return replace(host, body=body, headers=headers)


def hosts(requests: Iterable[Request], limit: int = 2000) -> list[Request]:
    """Up to ``limit`` requests with at least one parameter, to carry payloads."""
    out: list[Request] = []
    for request in requests:
        if request.query or (
            request.body and request.content_type == "application/x-www-form-urlencoded"
        ):
            out.append(request)
            if len(out) >= limit:
                break
    return out


def place_all(cases: Iterable[CrsCase], carriers: Sequence[Request]) -> Iterator[Placed]:
    """Every case with a payload, placed into a carrier chosen by a stable hash of its name."""
    if not carriers:
        return
    for case in cases:
        payload = payload_of(case)
        if payload is None:
            continue
        host = carriers[_index("host:" + case.name, len(carriers))]
        yield Placed(case, payload, place(payload, host, case.name))
