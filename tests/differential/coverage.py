"""The differential invariant: every value the application parsed was inspected by the gate.

An application's echo lists what its framework parsed (path parameters, query, headers,
cookies, form and multipart fields, uploaded file names, JSON leaves). Each must appear among
the fields the gate profiled for the same request, under the name the gate gives that part of
the request (``query.k``, ``form.k``, ``multipart.k``, ``json.a.b[]``, ``header.k``,
``cookie.k``, a path segment) and with the same text once the gate's own normalisation is
applied (NFKC, and percent-decoding of cookie values). :func:`uninspected` returns what is
missing, as readable lines; an empty list means the gate saw everything the application read.

Two rules keep the comparison honest where no exact reading exists:

- Bytes that are not UTF-8 are read differently by every stack (U+FFFD, the escape kept as
  ``%E9``, a Latin-1 letter, a surrogate); none of these readings is ever an ASCII character.
  When the application's value carries such a reading, or the gate flagged the value
  ``non-utf8`` or ``overlong-utf8``, the ASCII characters of the application's value must
  appear, in order, among the ASCII characters of the gate's text.
- Starlette reads the raw (not percent-encoded) bytes of a form body as Latin-1, the others
  as UTF-8; aiohttp reads header values as UTF-8, the others (and the gate) as Latin-1: a
  name or value that is the Latin-1 reading of the other side's UTF-8 text is the same bytes
  read another way, with the same ASCII characters, and counts as the same reading.
- aiohttp ends a cookie value at whitespace (``a=b c`` is ``a`` = ``b``): a cookie value may be
  the start of the gate's value, up to whitespace.
- Starlette matches routes with a regular expression ending in ``$``, which also matches before
  a final newline: a path parameter may lack a trailing ``\n`` that the gate inspects.
- Whatever the reading, the gate's text must hold at least as many of each of
  ``= < > ' "`` as the application's value: normalisation may never hide one of them.

An empty value carries nothing to inspect and is not compared.
"""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from vigil.http.urlcodec import Encoding, decode_bytes, decode_component, normalize

SPECIALS = "=<>'\""
"""Characters that no normalisation may hide from the checks."""

_UNDECODABLE = int(Encoding.NON_UTF8 | Encoding.OVERLONG_UTF8)
_LOST_BYTES = re.compile(r"%[89A-Fa-f][0-9A-Fa-f]|[\ufffd\ud800-\udfff]")

NOT_COMPARED_HEADERS = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "x-request-id",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "accept-encoding",
        "cookie",
        "authorization",
        "traceparent",
        "tracestate",
    }
)
"""Headers whose value is not compared one to one.

Framing and hop-by-hop headers and the ``x-forwarded-*`` family are the gate's own when it
forwards; ``accept-encoding`` is narrowed by the gate; cookies are compared cookie by cookie;
``authorization`` is profiled by its scheme only (its credentials are never learned); the
gate profiles the presence, not the value, of the trace-context headers.
"""


def _text(value: Any) -> str:
    if isinstance(value, dict) and "$bytes" in value:
        return decode_bytes(base64.b64decode(value["$bytes"]))[0]
    return str(value)


def json_leaves(value: Any, path: str = "json") -> Iterator[tuple[str, str]]:
    """The (gate field path, text) of every leaf of a parsed JSON document."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from json_leaves(child, f"{path}.{normalize(key)[0]}")
    elif isinstance(value, list):
        for child in value:
            yield from json_leaves(child, path + "[]")
    elif isinstance(value, bool):
        yield path, "true" if value else "false"
    elif value is None:
        yield path, "null"
    elif isinstance(value, int | float):
        yield path, repr(value)
    else:
        yield path, str(value)


def _ascii(text: str) -> str:
    return "".join(c for c in _LOST_BYTES.sub("", text) if c.isascii())


def _in_order(needle: str, haystack: str) -> bool:
    chars = iter(haystack)
    return all(c in chars for c in needle)


def latin1_misread(text: str) -> str | None:
    """The UTF-8 reading of bytes that ``text`` is the Latin-1 reading of, or None."""
    if text.isascii():
        return None
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def same_reading(app_value: str, gate_text: str, gate_flags: int) -> bool:
    """Whether the gate's text is the application's value, read the same way (module rules)."""
    if any(app_value.count(c) > gate_text.count(c) for c in SPECIALS):
        return False
    if normalize(app_value)[0] == gate_text:
        return True
    misread = latin1_misread(app_value)
    if misread is not None and normalize(misread)[0] == gate_text:
        return True
    gate_misread = latin1_misread(gate_text)
    if gate_misread is not None and gate_misread in (app_value, normalize(app_value)[0]):
        return True
    lossy = bool(gate_flags & _UNDECODABLE) or _LOST_BYTES.search(app_value) is not None
    return lossy and _in_order(_ascii(app_value), _ascii(gate_text))


class GateView:
    """The fields a gate profiled for one request, looked up by path."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.fields: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for path, text, flags in record.get("fields", []):
            self.fields[path].append((text, flags))
        self.segments: list[str] = list(record.get("segments", []))
        self.path_flags: int = record.get("path_flags", 0)

    def has(self, paths: tuple[str, ...], value: str) -> bool:
        """Whether one of ``paths`` was profiled with ``value``, read the same way."""
        return any(
            same_reading(value, text, flags)
            for path in paths
            for text, flags in self.fields.get(path, ())
        )

    def has_segments(self, value: str) -> bool:
        """Whether ``value`` (one or more ``/``-separated segments) is a run of segments."""
        wanted = value.split("/")
        if len(wanted) > 1 and wanted[0] == "":
            wanted = wanted[1:]
        segments = self.segments
        for start in range(len(segments) - len(wanted) + 1):
            run = segments[start : start + len(wanted)]
            if all(
                same_reading(w, s, self.path_flags) for w, s in zip(wanted[:-1], run, strict=False)
            ):
                last, seen = wanted[-1], run[-1]
                if same_reading(last, seen, self.path_flags) or (
                    seen.endswith("\n") and same_reading(last, seen[:-1], self.path_flags)
                ):
                    return True
        return False

    def paths_for(self, prefixes: tuple[str, ...], name: str) -> tuple[str, ...]:
        """The field paths that can hold the application's field ``name`` under ``prefixes``.

        The exact (normalised) name, its UTF-8 reading when it is a Latin-1 misreading, and,
        when the name itself lost bytes that were not UTF-8, every name with the same ASCII.
        """
        names = {normalize(name)[0], normalize(latin1_misread(name) or name)[0]}
        paths = {f"{prefix}.{n}" for n in names for prefix in prefixes}
        if _LOST_BYTES.search(name):
            for path in self.fields:
                prefix, _, other = path.partition(".")
                if prefix in prefixes and _in_order(_ascii(name), _ascii(other)):
                    paths.add(path)
        return tuple(sorted(paths))

    def seen(self, paths: tuple[str, ...]) -> list[str]:
        """What the gate profiled under ``paths`` (for a failure message)."""
        return [text for path in paths for text, _ in self.fields.get(path, ())]


def uninspected(echo: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """What the application parsed and the gate did not inspect, one line per value."""
    gate = GateView(record)
    missing: list[str] = []

    def expect(paths: tuple[str, ...], value: str, what: str) -> None:
        if value and not gate.has(paths, value):
            missing.append(f"{what} = {value!r}; gate saw {gate.seen(paths)!r} under {paths}")

    for name, value in echo["params"].items():
        if value and not gate.has_segments(value):
            missing.append(f"path parameter {name} = {value!r}; gate segments {gate.segments!r}")
    for key, value in echo["query"]:
        expect(gate.paths_for(("query",), key), value, f"query {key!r}")
    for key, value in echo["form"]:
        expect(gate.paths_for(("form", "multipart"), key), _text(value), f"form field {key!r}")
    for key, filename, _content_type, _size in echo["files"]:
        name = normalize(key)[0]
        expect((f"multipart.{name}.filename",), filename or "", f"file {key!r}")
    if "json" in echo:
        for path, text in json_leaves(echo["json"]):
            expect((path,), text, "json leaf")
    for path, text in echo.get("xml", ()):
        expect((path,), text, "xml value")
    for name, value in echo["headers"]:
        if name not in NOT_COMPARED_HEADERS:
            expect((f"header.{name}",), value, f"header {name!r}")
    for name, value in echo["cookies"]:
        text = decode_component(value, plus_as_space=False)[0]
        paths = gate.paths_for(("cookie",), name)
        cut = any(
            t.startswith(text) and t[len(text) : len(text) + 1].isspace() for t in gate.seen(paths)
        )
        if not cut:
            expect(paths, text, f"cookie {name!r}")
    return missing
