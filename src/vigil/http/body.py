"""Bounded body parsers: JSON with paths, form-urlencoded and multipart.

Bodies are attacker-controlled, so every parser here is bounded in fields, depth and bytes,
and none raises on bad input: malformed bodies come back as a :class:`BodyParse` with an
``error`` that the engine turns into an alert. JSON is decoded by orjson, multipart by the
standard library's MIME parser; nothing here parses HTTP framing itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP

import msgspec
import orjson

from vigil.http.urlcodec import decode_bytes, decode_component, normalize, split_pairs, text_flags

MAX_DEPTH = 32
"""Deepest JSON nesting that is walked; deeper parts are reported, not walked."""


class BodyField(msgspec.Struct, gc=False):
    """One leaf or container of a parsed body.

    ``kind`` is ``string``, ``number``, ``bool``, ``null``, ``object``, ``array`` (JSON),
    ``value`` (form), ``file`` (multipart upload metadata). Containers carry their size.
    A msgspec struct (positional and keyword construction, equality, repr): a JSON body of a
    few kilobytes is over a hundred fields, and a struct is made in a third of the time of a
    slotted dataclass and is never tracked by the garbage collector (it holds no container).
    """

    path: str
    text: str
    flags: int = 0
    kind: str = "value"
    size: int | None = None


@dataclass(slots=True)
class BodyParse:
    """What a body parser found: fields, and why it stopped early if it did."""

    fields: list[BodyField] = field(default_factory=list)
    error: str = ""
    over_bound: str = ""


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


def parse_json(body: bytes, prefix: str, max_fields: int, max_depth: int = MAX_DEPTH) -> BodyParse:
    """Flatten a JSON document into path-aware fields (``json.items[].id``).

    Fields come in depth-first order, an object's members last to first and an array's elements
    first to last.
    """
    result = BodyParse()
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        msg = str(exc)
        deep = "recursion" in msg.lower() or "depth limit" in msg.lower()
        result.error = "nesting too deep" if deep else "invalid JSON"
        return result
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
            append(BodyField(path, repr(value), 0, "number"))
        elif value is None:
            append(BodyField(path, "null", 0, "null"))
        else:
            append(BodyField(path, "true" if value else "false", 0, "bool"))
    return result


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
    """Multipart form data: field values, and for files their name, type and size only."""
    result = BodyParse()
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    try:
        message: Message = BytesParser(policy=HTTP).parsebytes(head + body)
    except (ValueError, TypeError, LookupError):
        result.error = "invalid multipart body"
        return result
    if not message.is_multipart():
        result.error = "invalid multipart body"
        return result
    parts = message.get_payload()
    if not isinstance(parts, list):
        result.error = "invalid multipart body"
        return result
    for count, part in enumerate(parts):
        if count >= max_fields:
            result.over_bound = f"more than {max_fields} parts"
            break
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        label = str(name) if name else f"part{count}"
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if filename is not None:
            fname, flags = normalize(str(filename))
            path = f"{prefix}.{label}"
            result.fields.append(BodyField(f"{path}.filename", fname, flags | text_flags(fname)))
            result.fields.append(BodyField(f"{path}.content-type", part.get_content_type()))
            result.fields.append(BodyField(f"{path}.size", str(len(data)), 0, "number"))
        else:
            text, flags = decode_bytes(data)
            text, nfkc = normalize(text)
            result.fields.append(
                BodyField(f"{prefix}.{label}", text, flags | nfkc | text_flags(text))
            )
    return result


def is_json(content_type: str) -> bool:
    """Whether a Content-Type value (parameters allowed) names JSON: ``application/json`` or ``+json``."""
    if content_type == "application/json":
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def parse_body(body: bytes, content_type: str, full_type: str, max_fields: int) -> BodyParse:
    """Dispatch on the media type; unknown types become one ``body`` value."""
    if not body:
        return BodyParse()
    if is_json(content_type):
        return parse_json(body, "json", max_fields)
    if content_type == "application/x-www-form-urlencoded":
        return parse_form(body, "form", max_fields)
    if content_type.startswith("multipart/"):
        return parse_multipart(body, full_type, "multipart", max_fields)
    text, flags = decode_bytes(body)
    return BodyParse([BodyField("body", text, flags)])
