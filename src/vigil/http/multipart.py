"""``multipart/form-data`` read in the one form that every mainstream parser reads alike.

python-multipart (Starlette, FastAPI), Werkzeug (Flask) and aiohttp agree on what browsers,
curl and HTTP libraries send, and on little else: Werkzeug accepts LF line ends, a preamble,
folded headers and RFC 2231 ``name*``; python-multipart keeps the last of two boundaries and the
last of two Content-Disposition headers, ignores ``filename*`` (so the part is a field, not a
file) and undoes backslash escapes; aiohttp decodes base64, quoted-printable and gzip parts,
decodes with a part's charset, strips a leading ``/`` from names and reads a part with an empty
filename as a field. The standard library's email parser, lenient in its own ways, reads yet
another thing. A gate that inspects one reading lets a payload through in another.

So this parser accepts only that common form (:func:`parse_form_data` documents it) and reports
anything else as a ``problem``: the gate refuses such a request, since no single reading of it is
the application's. It is bounded (``max_parts``, header lines per part, header line length),
works on a body already in memory, and never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from vigil.http.charset import ASCII_READERS, codec_of
from vigil.http.parameters import Parameters, is_token, parse_parameters

MAX_PART_HEADERS = 16
"""Header lines in one part; more is a problem."""

MAX_BOUNDARY = 70
"""Longest boundary (RFC 2046 section 5.1.1)."""

_BCHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ")
_IGNORED_ENCODINGS = frozenset({"7bit", "8bit", "binary"})
_CRLF = b"\r\n"


@dataclass(frozen=True, slots=True)
class Part:
    """One part: its field name, its filename (None for a plain field), media type and data."""

    name: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass(slots=True)
class FormData:
    """The parts read, and why reading stopped early: ``problem`` (ambiguous or malformed, the
    gate refuses the request) or ``over_bound`` (more than ``max_parts``)."""

    parts: list[Part] = field(default_factory=list)
    problem: str = ""
    over_bound: str = ""


def boundary_of(content_type: Parameters) -> tuple[str, str]:
    """The boundary of a parsed ``multipart/form-data`` Content-Type, or a problem."""
    if content_type.problem:
        return "", f"a Content-Type with {content_type.problem}"
    if any(name.endswith("*") or "*" in name for name in content_type.params):
        return "", "an extended (RFC 2231) Content-Type parameter"
    boundary = content_type.get("boundary")
    if not boundary:
        return "", "no boundary"
    if len(boundary) > MAX_BOUNDARY or boundary.endswith(" ") or set(boundary) - _BCHARS:
        return "", "a boundary outside RFC 2046"
    charset = content_type.get("charset")
    if charset is not None and codec_of(charset) not in ASCII_READERS:
        return "", f"a multipart charset {charset[:32]!r} parsers read differently"
    return boundary, ""


_last: list[tuple[bytes, str, int, FormData]] = []
"""The last body read and its result: the gate reads a body once to decide whether to refuse
it and once to profile it, always the same object in a row (kept by reference, so no other
body can be mistaken for it; one body at most is held)."""


def parse_form_data(body: bytes, content_type: str, max_parts: int) -> FormData:
    """Read a ``multipart/form-data`` body in its common form, or say what else it holds.

    The result is shared with the next caller that passes the very same body object: do not
    change it.

    The common form: the body starts with ``--boundary CRLF``; each part is header lines ending
    in CRLF (``Name: value``, no folding, no repeated name, valid UTF-8), an empty line, then
    data that ends at ``CRLF --boundary``; the delimiter is followed by CRLF, or by ``--`` (and
    at most a CRLF) for the last one. The boundary appears nowhere else. Each part has exactly
    one ``Content-Disposition: form-data; name=...`` with an optional ``filename=``; an
    ``name*``/``filename*`` (RFC 5987) is accepted only next to an equal plain parameter.
    ``Content-Transfer-Encoding`` other than 7bit, 8bit or binary, ``Content-Encoding`` other
    than identity, names or filenames holding ``%22`` or starting with ``/`` or ``\\``, a
    non-empty part with an empty filename is read as a field by aiohttp and as a file by the
    others, and a charset other than UTF-8 with non-ASCII data, are all problems.
    """
    for seen, seen_type, seen_parts, seen_result in _last:
        if seen is body and seen_type == content_type and seen_parts == max_parts:
            return seen_result
    result = _read(body, content_type, max_parts)
    _last[:] = [(body, content_type, max_parts, result)]
    return result


def _read(body: bytes, content_type: str, max_parts: int) -> FormData:
    result = FormData()
    ctype = parse_parameters(content_type)
    boundary, problem = boundary_of(ctype)
    if problem:
        result.problem = problem
        return result
    latin_top = codec_of(ctype.get("charset") or "utf-8") != "utf-8"
    delimiter = b"--" + boundary.encode("ascii")
    if not body.startswith(delimiter):
        result.problem = "data before the first boundary"
        return result
    expected = body.count(delimiter)
    seen, pos = 1, len(delimiter)
    while True:
        if body.startswith(b"--", pos):
            if body[pos + 2 :] not in (b"", _CRLF):
                result.problem = "data after the last boundary"
            elif seen != expected:
                result.problem = "the boundary inside a part"
            return result
        if not body.startswith(_CRLF, pos):
            result.problem = "a boundary not followed by CRLF"
            return result
        if len(result.parts) >= max_parts:
            result.over_bound = f"more than {max_parts} parts"
            return result
        start = pos + 2
        head_end = body.find(b"\r\n\r\n", start - 2)
        end = body.find(_CRLF + delimiter, head_end + 4) if head_end >= 0 else -1
        if head_end < 0 or end < 0:
            result.problem = "a part without an end"
            return result
        head = body[start:head_end] if head_end >= start else b""
        part, problem = _part(head, body[head_end + 4 : end], latin_top)
        if problem:
            result.problem = problem
            return result
        result.parts.extend(part)
        seen += 1
        pos = end + 2 + len(delimiter)


def _part(head: bytes, data: bytes, latin_top: bool) -> tuple[list[Part], str]:
    headers, problem = _headers(head)
    if problem:
        return [], problem
    coding = headers.get("content-transfer-encoding")
    if coding is not None and coding.lower() not in _IGNORED_ENCODINGS:
        return [], "a Content-Transfer-Encoding"
    encoding = headers.get("content-encoding")
    if encoding is not None and encoding.lower() != "identity":
        return [], "a Content-Encoding on a part"
    disposition = headers.get("content-disposition")
    if disposition is None:
        return [], "a part without Content-Disposition"
    name, filename, problem = _disposition(parse_parameters(disposition))
    if problem:
        return [], problem
    media = parse_parameters(headers.get("content-type", ""))
    if media.problem:
        return [], f"a part Content-Type with {media.problem}"
    charset = media.get("charset")
    if charset is not None and codec_of(charset) not in ASCII_READERS:
        return [], f"a part charset {charset[:32]!r} parsers read differently"
    non_utf8 = latin_top or (charset is not None and codec_of(charset) != "utf-8")
    if latin_top and not (name + (filename or "")).isascii():
        return [], "a non-ASCII name in a charset other than UTF-8"
    if filename is None and non_utf8 and not data.isascii():
        return [], "non-ASCII data in a charset other than UTF-8"
    if filename == "" and data:
        return [], "data in a part with an empty filename"
    return [Part(name, filename, media.value, data)], ""


def _headers(head: bytes) -> tuple[dict[str, str], str]:
    if not head:
        return {}, ""
    lines = head.split(_CRLF)
    if len(lines) > MAX_PART_HEADERS:
        return {}, f"more than {MAX_PART_HEADERS} part headers"
    headers: dict[str, str] = {}
    for raw in lines:
        if b"\r" in raw or b"\n" in raw:
            return {}, "a bare CR or LF in part headers"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            return {}, "part headers that are not UTF-8"
        name, colon, value = line.partition(":")
        if not colon or not is_token(name):
            return {}, "a malformed or folded part header"
        if "\t" in value or value.strip(" ") != value.lstrip(" "):
            return {}, "whitespace around a part header value"
        key = name.lower()
        if key in headers:
            return {}, f"the part header {key[:32]!r} twice"
        headers[key] = value.strip(" ")
    return headers, ""


def _disposition(disposition: Parameters) -> tuple[str, str | None, str]:
    if disposition.problem:
        return "", None, f"a Content-Disposition with {disposition.problem}"
    if disposition.value != "form-data":
        return "", None, "a disposition other than form-data"
    params = disposition.params
    if set(params) - {"name", "filename", "name*", "filename*"}:
        return "", None, "a Content-Disposition parameter other than name and filename"
    name = params.get("name")
    if name is None:
        return "", None, "a part without a name"
    filename = params.get("filename")
    for key, plain in (("name*", name), ("filename*", filename)):
        extended = params.get(key)
        if extended is not None and _rfc5987(extended) != plain:
            return "", None, f"{key} differing from its plain parameter"
    for value in (name, filename):
        if value and ("%22" in value or value[0] in "/\\"):
            return "", None, "a name or filename read differently by parsers"
    return name, filename, ""


def _rfc5987(value: str) -> str | None:
    charset, _, rest = value.partition("'")
    _, _, encoded = rest.partition("'")
    codec = codec_of(charset or "utf-8")
    if codec not in ("utf-8", "latin-1", "ascii"):
        return None
    try:
        return unquote(encoded, codec, "strict")
    except UnicodeDecodeError:
        return None
