"""Bounded body parsers: JSON with paths, form-urlencoded, multipart and XML.

Bodies are attacker-controlled, so every parser here is bounded in fields, depth and bytes,
and none raises on bad input: malformed bodies come back as a :class:`BodyParse` with an
``error`` that the engine turns into an alert. Each parser reads what the application's
framework reads: JSON as ``json.loads`` does (orjson on the fast path; the standard library
when orjson refuses what Python accepts: UTF-16 and UTF-32, a BOM, NaN, integers beyond 64
bits, lone surrogates), a JSON document sent under another media type too (Starlette and
aiohttp parse it whatever the Content-Type), multipart in its common form
(:mod:`vigil.http.multipart`) and XML as expat reads it (:mod:`vigil.http.xmlbody`). Nothing here parses HTTP framing itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import orjson

from vigil.http.charset import declared_charset, json_reading
from vigil.http.fields import BodyField as BodyField  # noqa: PLC0414 (re-exported)
from vigil.http.fields import BodyParse as BodyParse  # noqa: PLC0414 (re-exported)
from vigil.http.multipart import parse_form_data
from vigil.http.urlcodec import decode_bytes, decode_component, normalize, split_pairs, text_flags
from vigil.http.xmlbody import is_xml, parse_xml

MAX_DEPTH = 32
"""Deepest JSON nesting that is walked; deeper parts are reported, not walked."""


KEY_CACHE = 4096
"""Bound on cached JSON keys (their normalised path suffix); the cache is emptied when full."""

_keys: dict[str, str] = {}
_NUMBERS = (int, float)


def _key(key: str) -> str:
    suffix = "." + normalize(key)[0]
    if len(_keys) >= KEY_CACHE:
        _keys.clear()
    _keys[key] = suffix
    return suffix


def _string(path: str, value: str) -> BodyField:
    text, flags = normalize(value)
    return BodyField(path, text, flags | text_flags(text), "string")


@dataclass(frozen=True, slots=True)
class _Parsed:
    value: object


def python_json(body: bytes, charset: str | None = None) -> _Parsed | str:
    """A JSON body parsed as ``json.loads`` reads it (see :func:`json_reading`), or why not."""
    text = json_reading(body, charset).text
    if text is None:
        return "invalid JSON"
    try:
        return _Parsed(json.loads(text))
    except RecursionError:
        return "nesting too deep"
    except ValueError:
        return "invalid JSON"


def parse_json(
    body: bytes,
    prefix: str,
    max_fields: int,
    max_depth: int = MAX_DEPTH,
    charset: str | None = None,
) -> BodyParse:
    """Flatten a JSON document into path-aware fields (``json.items[].id``).

    Fields come in depth-first order, an object's members last to first and an array's elements
    first to last. ``charset`` is the declared one, used only where ``json.loads`` and the
    declared charset read the same text (an ambiguous body is refused by the gate before).
    """
    result = BodyParse()
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        msg = str(exc).lower()
        if "recursion" in msg or "depth limit" in msg:
            result.error = "nesting too deep"
            return result
        doc = _MISSING
    if doc is not _MISSING:
        try:
            _walk(doc, prefix, max_fields, max_depth, result, from_orjson=True)
            return result
        except _InexactNumber:
            result = BodyParse()
    parsed = python_json(body, charset)
    if isinstance(parsed, str):
        result.error = parsed
        return result
    _walk(parsed.value, prefix, max_fields, max_depth, result)
    return result


_MISSING = object()
_EXACT = float(2**53)


class _InexactNumber(Exception):
    """orjson read a number as a float that ``json.loads`` reads as an exact integer."""


def _walk(
    doc: object,
    prefix: str,
    max_fields: int,
    max_depth: int,
    result: BodyParse,
    *,
    from_orjson: bool = False,
) -> None:
    """Append the fields of ``doc`` to ``result``. In a document ``from_orjson``, a float that
    may have been an integer literal beyond 64 bits raises :class:`_InexactNumber`."""
    stack: list[tuple[str, object, int]] = [(prefix, doc, 0)]
    out = result.fields
    append, push, pop = out.append, stack.append, stack.pop
    while stack:
        path, value, depth = pop()
        if len(out) >= max_fields:
            result.over_bound = f"more than {max_fields} fields"
            break
        if type(value) is str:
            if value.isascii() and value.isprintable():
                append(BodyField(path, value, 0, "string"))
            else:
                append(_string(path, value))
        elif type(value) is dict:
            members: dict[str, object] = value
            append(BodyField(path, "", 0, "object", len(members)))
            if depth >= max_depth:
                result.over_bound = f"nesting deeper than {max_depth}"
                continue
            depth += 1
            for key, child in members.items():
                push((path + (_keys.get(key) or _key(key)), child, depth))
        elif type(value) is list:
            items: list[object] = value
            append(BodyField(path, "", 0, "array", len(items)))
            if depth >= max_depth:
                result.over_bound = f"nesting deeper than {max_depth}"
                continue
            depth += 1
            child_path = path + "[]"
            for child in reversed(items[:max_fields]):
                push((child_path, child, depth))
        elif type(value) in _NUMBERS:
            if (
                from_orjson
                and type(value) is float
                and not -_EXACT < value < _EXACT
                and value.is_integer()
            ):
                raise _InexactNumber
            append(BodyField(path, repr(value), 0, "number"))
        elif value is None:
            append(BodyField(path, "null", 0, "null"))
        else:
            append(BodyField(path, "true" if value else "false", 0, "bool"))


def parse_form(body: bytes, prefix: str, max_fields: int) -> BodyParse:
    """Split an ``application/x-www-form-urlencoded`` body into decoded fields."""
    result = BodyParse()
    raw, _ = decode_bytes(body)
    pairs, truncated = split_pairs(raw.strip("\r\n"), max_fields)
    if truncated:
        result.over_bound = f"more than {max_fields} fields"
    for raw_key, raw_value in pairs:
        key, _ = decode_component(raw_key)
        value, flags = decode_component(raw_value)
        result.fields.append(BodyField(f"{prefix}.{key}", value, flags))
    return result


def parse_multipart(body: bytes, content_type: str, prefix: str, max_fields: int) -> BodyParse:
    """Multipart form data: field values, and for files their name, type and size only.

    An ambiguous body (see :mod:`vigil.http.multipart`) is an ``error``: the gate refuses it
    before inspection; the parts read before the problem are still profiled.
    """
    form = parse_form_data(body, content_type, max_fields)
    result = BodyParse(over_bound=form.over_bound)
    if form.problem:
        result.error = f"ambiguous multipart body: {form.problem}"
    for part in form.parts:
        label = normalize(part.name)[0]
        if part.filename is None:
            text, flags = decode_bytes(part.data)
            text, nfkc = normalize(text)
            result.fields.append(
                BodyField(f"{prefix}.{label}", text, flags | nfkc | text_flags(text))
            )
            continue
        fname, flags = normalize(part.filename)
        path = f"{prefix}.{label}"
        result.fields.append(BodyField(f"{path}.filename", fname, flags | text_flags(fname)))
        result.fields.append(BodyField(f"{path}.content-type", part.content_type or "text/plain"))
        result.fields.append(BodyField(f"{path}.size", str(len(part.data)), 0, "number"))
    return result


def is_json(content_type: str) -> bool:
    """Whether a Content-Type value (parameters allowed) names JSON: ``application/json`` or ``+json``."""
    if content_type == "application/json":
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def parse_body(body: bytes, content_type: str, full_type: str, max_fields: int) -> BodyParse:
    """Dispatch on the media type (XML: :mod:`vigil.http.xmlbody`); other types, and an XML
    body that is not well-formed XML (an application may read it some other way), also become
    one ``body`` value.

    A form or a body of another media type that is a JSON document is also profiled as JSON,
    since Starlette's and aiohttp's ``request.json()`` parse it whatever its Content-Type.
    """
    if not body:
        return BodyParse()
    if is_json(content_type):
        return parse_json(body, "json", max_fields, charset=declared_charset(full_type))
    if content_type == "multipart/form-data":
        return parse_multipart(body, full_type, "multipart", max_fields)
    if content_type == "application/x-www-form-urlencoded":
        result = parse_form(body, "form", max_fields)
    elif is_xml(content_type):
        result = parse_xml(body, "xml", max_fields)
        if result.error:
            text, flags = decode_bytes(body)
            result.fields.append(BodyField("body", text, flags))
    else:
        text, flags = decode_bytes(body)
        result = BodyParse([BodyField("body", text, flags)])
    if looks_like_json(body):
        room = max_fields - len(result.fields)
        sniffed = parse_json(body, "json", room, charset=declared_charset(full_type))
        if not sniffed.error:
            result.fields.extend(sniffed.fields)
            result.over_bound = result.over_bound or sniffed.over_bound
    return result


def looks_like_json(body: bytes) -> bool:
    """Whether a body of another media type starts like a JSON object, array or string
    (after whitespace, NUL bytes of UTF-16/32 and a BOM)."""
    start = _JSON_LEAD.match(body)
    end = start.end() if start is not None else 0
    return body[end : end + 1] in _JSON_STARTS


_JSON_STARTS = (b"{", b"[", b'"')
_JSON_LEAD = re.compile(rb"[ \t\r\n\x00\xef\xbb\xbf\xfe\xff]*")
