"""Which text a body's bytes are, read the way mainstream Python stacks read them.

A body carries bytes; an application reads text, and stacks disagree on how. ``json.loads`` on
bytes (Starlette's ``request.json()``, Flask's ``get_json()``) ignores any declared charset and
detects UTF-8, UTF-16 or UTF-32 from the first bytes (a BOM or the pattern of NUL bytes);
aiohttp's ``request.json()`` and ``request.post()`` decode with the charset the Content-Type
declares, whatever it is: ``charset=utf-7`` turns ``+ADw-script+AD4-`` into ``<script>``.
So the gate computes every reading and refuses the body (with a reason) when two readings
that both succeed differ; otherwise it inspects the one text they agree on.

Declared charsets are matched against a short list of names (:data:`CODECS`) and never passed
to :func:`codecs.lookup`: the standard library remembers every name it was asked for, so
looking up attacker-chosen names would grow memory without bound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from vigil.http.parameters import parse_parameters

CODECS: dict[str, str] = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "utf-16": "utf-16",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "utf-32": "utf-32",
    "utf-32le": "utf-32-le",
    "utf-32be": "utf-32-be",
}
"""Declared charset names the gate reads (lower-case) and their Python codecs.

UTF-8, US-ASCII and ISO-8859-1 read every ASCII byte as the same character; UTF-16 and UTF-32
are accepted for JSON only, where ``json.loads`` detects them too. Any other declared charset
(``utf-7``, EBCDIC code pages, ``shift_jis``...) is refused: some stack decodes it, others do
not, and the ASCII characters the checks judge come out different.
"""

ASCII_READERS = frozenset({"utf-8", "ascii", "latin-1"})
"""Codecs that read every ASCII byte as itself."""


@dataclass(frozen=True, slots=True)
class Reading:
    """The text a body is read as (None when no stack can decode it), or why it is ambiguous."""

    text: str | None
    problem: str = ""


def declared_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type value (lower-case, stripped), or None."""
    if "charset" not in content_type.lower():
        return None
    charset = parse_parameters(content_type).get("charset")
    return None if charset is None else charset.strip().lower()


def codec_of(charset: str) -> str | None:
    """The Python codec of a declared charset the gate reads, else None."""
    return CODECS.get(charset.strip().lower())


def _unknown(charset: str) -> str:
    return f"a body in charset {charset[:32]!r}, which parsers read differently"


def json_reading(body: bytes, charset: str | None) -> Reading:
    """The text of a JSON body, as ``json.loads(bytes)`` and aiohttp would both read it.

    Without a declared charset the detected encoding is used. With one, the body is also
    decoded with it (aiohttp's reading); when both decodings succeed and differ, the body is
    ambiguous. A leading BOM makes aiohttp's ``json.loads`` fail, so that reading is dropped.
    """
    detected = json.detect_encoding(body)
    text: str | None
    try:
        text = body.decode(detected, "surrogatepass")
    except UnicodeDecodeError:
        text = None
    if charset is None or (charset in ("utf-8", "utf8") and detected == "utf-8"):
        return Reading(text)
    codec = codec_of(charset)
    if codec is None:
        return Reading(text, _unknown(charset))
    try:
        declared: str | None = body.decode(codec)
    except UnicodeDecodeError:
        declared = None
    if declared is not None and declared.startswith("\ufeff"):
        declared = None
    if text is not None and declared is not None and declared != text:
        return Reading(text, f"a JSON body read as {detected} and as the declared {codec}")
    return Reading(text if text is not None else declared)


def json_problem(body: bytes, charset: str | None) -> str:
    """Why a JSON body is read differently (see :func:`json_reading`), or ``""``.

    Without a declared charset, or with UTF-8 declared on a body detected as UTF-8, nothing is
    decoded.
    """
    if charset is None:
        return ""
    if charset in ("utf-8", "utf8") and json.detect_encoding(body) == "utf-8":
        return ""
    return json_reading(body, charset).problem


def form_problem(body: bytes, charset: str | None) -> str:
    """Why an ``application/x-www-form-urlencoded`` body is read differently, or ``""``.

    aiohttp decodes the body and its percent-escapes with the declared charset, Starlette and
    Werkzeug with UTF-8. They agree when the charset is UTF-8, or when it reads ASCII as
    itself and the body holds only ASCII, escapes included.
    """
    if charset is None:
        return ""
    codec = codec_of(charset)
    if codec == "utf-8":
        return ""
    if codec not in ASCII_READERS:
        return _unknown(charset)
    if not body.isascii() or _high_escape(body):
        return f"a non-ASCII form body declared {codec}, which parsers read differently"
    return ""


def text_problem(charset: str | None) -> str:
    """Why a text body in a declared charset is read differently, or ``""``."""
    if charset is None or codec_of(charset) in ASCII_READERS:
        return ""
    return _unknown(charset)


def _high_escape(body: bytes) -> bool:
    start = body.find(b"%")
    while start >= 0:
        digit = body[start + 1 : start + 2]
        if digit and digit in b"89abcdefABCDEF" and _is_hex(body[start + 2 : start + 3]):
            return True
        start = body.find(b"%", start + 1)
    return False


def _is_hex(digit: bytes) -> bool:
    return len(digit) == 1 and digit in b"0123456789abcdefABCDEF"
