"""XML request bodies, read field by field as the mainstream application parsers read them.

An XML body (``application/xml``, ``text/xml``, ``application/*+xml``, SOAP) is parsed by
expat, the parser under ``xml.etree``, ``xml.dom.minidom`` and defusedxml, with namespaces on
(as ``ElementTree`` and lxml read them). What the application reads becomes fields, so the
detectors and the learned model judge each value on its own:

- an element's text is ``xml.<root>.<child>``: all its character data, CDATA sections,
  character and predefined entity references resolved, the text after its child elements (the
  ``tail`` of ``ElementTree``) included, so nothing hides between two children; an element with
  children and only whitespace between them (indentation) gives no field;
- an attribute value is ``xml.<root>.<child>@<attr>``;
- names are local names: the namespace URI and the prefix (the client's choice) are dropped;
- a repeated element shares its path, as the elements of a JSON array share ``json.items[]``:
  the learned model counts the repeats of a path.

Declarations that make parsers disagree or fetch are not read as data. A document type
declaration (DTD: entities, external subsets, attribute defaults; SOAP forbids it) stops the
parse: it is refused before inspection (:func:`xml_problem`), and any caller that parses anyway
gets an ``error`` and the declaration's text as a ``markup`` field (``xml!doctype``), so no
entity is ever expanded here. XInclude elements (``xml!xinclude``) and processing instructions
(``xml!pi``), which applications do not read as values but some processors act on, come back
as ``markup`` fields with their text as sent, for the detectors to judge.

Bounded and never raising: at most :data:`MAX_BYTES` bytes are parsed, :data:`MAX_DEPTH`
levels read (the parse stops at :data:`MAX_OPEN` open elements), :data:`MAX_ATTRIBUTES`
attributes per element, :data:`MAX_TEXT` characters per value and the caller's
``max_fields`` fields; past a bound the result says so (``over_bound``), and malformed XML is
an ``error`` after the fields read before it.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from xml.parsers import expat

from vigil.http.charset import ASCII_READERS, codec_of
from vigil.http.fields import BodyField, BodyParse
from vigil.http.urlcodec import normalize, text_flags

MAX_BYTES = 1 << 20
"""Bytes of a body that are parsed; the rest is reported, not read."""
MAX_DEPTH = 32
"""Deepest element nesting that is read; deeper elements are reported, not read."""
MAX_OPEN = 1024
"""Open elements at which the parse stops (expat keeps each open element: a megabyte of
``<a>`` would hold some 40 MB); the rest of the body is reported, not read."""
MAX_ATTRIBUTES = 64
"""Attributes of one element that are read."""
MAX_TEXT = 1 << 16
"""Characters of one element's text or attribute value that are kept."""
MAX_MARKUP = 4096
"""Bytes of a declaration or an XInclude start tag kept as the text of a ``markup`` field."""
NAME_CACHE = 4096
"""Bound on cached element and attribute names (their normalised path label); emptied when full."""

XINCLUDE_NAMESPACES = frozenset(
    {"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"}
)
"""Namespaces of XInclude elements, which lxml's ``xinclude()`` and Java's XInclude-aware
parsers replace with the resource they name."""

_EXPAT_NAMES = {
    "utf-8": "UTF-8",
    "ascii": "US-ASCII",
    "latin-1": "ISO-8859-1",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
}
"""The encodings expat reads by itself, by Python codec; no other name is ever given to expat
(an unknown name would make it look the name up among Python's codecs, which remember it)."""

_DECLARATION = re.compile(
    r"<\?xml[ \t\r\n][^>]{0,200}?encoding[ \t\r\n]*=[ \t\r\n]*[\"']([^\"']{0,40})"
)
_SEPARATOR = " "


@dataclass(frozen=True, slots=True)
class XmlEncoding:
    """The encoding XML parsers read a body in (a Python codec), or why the gate does not."""

    codec: str
    declared: str = ""
    problem: str = ""
    marked: bool = False
    """Whether a byte order mark says it (expat then reads the mark itself)."""

    @property
    def expat_name(self) -> str:
        """The name of the encoding given to expat."""
        if self.marked and self.codec.startswith("utf-16"):
            return "UTF-16"
        return _EXPAT_NAMES[self.codec]


def document_encoding(body: bytes) -> XmlEncoding:
    """The encoding of an XML body from its byte order mark and its declaration (XML 1.0,
    appendix F), UTF-8 by default; a ``problem`` when parsers read it differently or the gate
    does not read it (UTF-32, EBCDIC, ``utf-7``, a declaration contradicting the mark)."""
    if body.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return XmlEncoding("utf-32", problem="an XML body in UTF-32, which parsers read apart")
    marked = ""
    if body.startswith(b"\xef\xbb\xbf"):
        marked, head = "utf-8", body[3:259].decode("latin-1")
    elif body.startswith((b"\xff\xfe", b"<\x00?\x00")):
        marked, head = "utf-16-le", body[:512].decode("utf-16-le", "replace")
    elif body.startswith((b"\xfe\xff", b"\x00<\x00?")):
        marked, head = "utf-16-be", body[:512].decode("utf-16-be", "replace")
    elif b"\x00" in body[:4]:
        return XmlEncoding(
            "utf-8",
            problem="an XML body in UTF-16 or UTF-32 without a byte order mark or a declaration, "
            "which parsers read differently",
        )
    else:
        head = body[:256].decode("latin-1")
    match = _DECLARATION.match(head.lstrip("\ufeff"))
    declared = match.group(1).strip().lower() if match else ""
    codec = codec_of(declared) if declared else None
    if declared and codec is None:
        return XmlEncoding(
            marked or "utf-8",
            declared,
            f"an XML body in encoding {declared[:32]!r}, which parsers read differently",
        )
    if marked:
        if codec is not None and not _same_reading(codec, marked):
            return XmlEncoding(
                marked, declared, f"a byte order mark of {marked} and a declared {declared!r}"
            )
        return XmlEncoding(marked, declared, marked=body[:1] in (b"\xef", b"\xff", b"\xfe"))
    if codec is not None and codec not in _EXPAT_NAMES:
        return XmlEncoding(codec, declared, f"an XML body in {declared!r}, read apart")
    return XmlEncoding(codec or "utf-8", declared)


def _same_reading(declared: str, actual: str) -> bool:
    if declared == actual:
        return True
    return declared == "utf-16" and actual.startswith("utf-16")


def xml_problem(body: bytes, charset: str | None) -> str:
    """Why XML parsers would read ``body`` differently, or ``""``: an encoding the gate does not
    read, a Content-Type ``charset`` that contradicts the document's encoding, or a document
    type declaration. Reads at most the prolog (up to the root element) of a body."""
    encoding = document_encoding(body)
    if encoding.problem:
        return encoding.problem
    if charset is not None:
        declared = codec_of(charset)
        if declared is None:
            return f"an XML body in charset {charset[:32]!r}, which parsers read differently"
        same = _same_reading(declared, encoding.codec) or _same_reading(encoding.codec, declared)
        ascii_alike = declared in ASCII_READERS and encoding.codec in ASCII_READERS
        if not same and not (ascii_alike and body.isascii()):
            return (
                f"an XML body declared {declared} by its Content-Type and read as "
                f"{encoding.codec} by XML parsers"
            )
    if _DOCTYPE_MARKS[encoding.codec] not in body:
        return ""
    if _has_doctype(body[:MAX_BYTES], encoding.expat_name):
        return (
            "a document type declaration (entities, external subsets, attribute defaults), "
            "which XML parsers read differently"
        )
    return ""


_DOCTYPE_MARKS = {
    codec: "DOCTYPE".encode("utf-16-le" if codec == "utf-16" else codec) for codec in _EXPAT_NAMES
}
"""The keyword a document type declaration starts with, by codec: bodies without it are not
parsed again."""


class _Stop(Exception):
    """Ends a parse early from inside a handler (a bound reached, the prolog read)."""


def _has_doctype(body: bytes, encoding: str) -> bool:
    parser = expat.ParserCreate(encoding, _SEPARATOR)
    found = False

    def doctype(*_: object) -> None:
        nonlocal found
        found = True
        raise _Stop

    def element(*_: object) -> None:
        raise _Stop

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = element
    with contextlib.suppress(_Stop, expat.ExpatError):
        parser.Parse(body, True)
    return found


_names: dict[str, str] = {}
_paths: dict[tuple[str, str], str] = {}


def _label(name: str) -> str:
    local = name.rpartition(_SEPARATOR)[2]
    label = normalize(local)[0]
    if len(_names) >= NAME_CACHE:
        _names.clear()
    _names[name] = label
    return label


def _path(base: str, name: str) -> str:
    """``base.label`` for an element, ``base@label`` for an attribute (``base`` ends in ``@``)."""
    label = _names.get(name) or _label(name)
    path = f"{base}{label}" if base.endswith("@") else f"{base}.{label}"
    if len(_paths) >= NAME_CACHE:
        _paths.clear()
    _paths[base, name] = path
    return path


def _value(path: str, text: str, kind: str = "value") -> BodyField:
    if text.isascii() and text.isprintable():
        return BodyField(path, text, 0, kind)
    normal, flags = normalize(text)
    return BodyField(path, normal, flags | text_flags(normal), kind)


class _Full(Exception):
    """The field bound is reached: the parse ends there."""


def _raw(body: bytes, codec: str, start: int, end: str) -> str:
    """The source text from byte ``start`` up to ``end`` (at most :data:`MAX_MARKUP` bytes)."""
    chunk = body[max(start, 0) : max(start, 0) + MAX_MARKUP]
    if codec.startswith("utf-16"):
        chunk = chunk[: len(chunk) & ~1]
    text = chunk.decode(codec, "replace")
    found = text.find(end)
    return text if found < 0 else text[: found + len(end)]


def _read(body: bytes, encoding: XmlEncoding, prefix: str, max_fields: int) -> BodyParse:
    """Parse ``body`` with expat, its handlers adding fields to the result.

    Open elements are a stack of (path, text parts, elements started before it), at most
    :data:`MAX_DEPTH` deep; deeper elements are only counted. Handlers are closures over local
    state: an XML body of a hundred elements calls them hundreds of times.
    """
    result = BodyParse()
    fields = result.fields
    append = fields.append
    stack: list[tuple[str, list[str], int]] = []
    started = 0
    deep = 0
    parser = expat.ParserCreate(encoding.expat_name, _SEPARATOR)
    codec = encoding.codec

    def bound(reason: str) -> None:
        result.over_bound = result.over_bound or reason

    def add(field: BodyField) -> None:
        if len(fields) >= max_fields:
            raise _Full
        append(field)

    def start(name: str, attributes: list[str]) -> None:
        nonlocal started, deep
        started += 1
        if deep or len(stack) >= MAX_DEPTH:
            bound(f"nesting deeper than {MAX_DEPTH}")
            deep += 1
            if deep + MAX_DEPTH >= MAX_OPEN:
                raise _Stop
            return
        base = stack[-1][0] if stack else prefix
        path = _paths.get((base, name)) or _path(base, name)
        if _SEPARATOR in name and name.partition(_SEPARATOR)[0] in XINCLUDE_NAMESPACES:
            markup = _raw(body, codec, parser.CurrentByteIndex, ">")
            add(BodyField(f"{prefix}!xinclude", markup, 0, "markup"))
        if attributes:
            if len(attributes) > 2 * MAX_ATTRIBUTES:
                bound(f"more than {MAX_ATTRIBUTES} attributes in an element")
                attributes = attributes[: 2 * MAX_ATTRIBUTES]
            at = path + "@"
            pairs = iter(attributes)
            for key, value in zip(pairs, pairs, strict=True):
                if len(value) > MAX_TEXT:
                    bound(f"a value longer than {MAX_TEXT} characters")
                add(_value(_paths.get((at, key)) or _path(at, key), value[:MAX_TEXT]))
        stack.append((path, [], started))

    def end(_name: str) -> None:
        nonlocal deep
        if deep:
            deep -= 1
            return
        path, parts, first = stack.pop()
        text = parts[0] if len(parts) == 1 else "".join(parts)
        if len(text) > MAX_TEXT:
            bound(f"a value longer than {MAX_TEXT} characters")
            text = text[:MAX_TEXT]
        if started == first or (text and not text.isspace()):
            add(_value(path, text))

    def text(data: str) -> None:
        if stack and not deep:
            stack[-1][1].append(data)

    def instruction(target: str, data: str) -> None:
        add(_value(f"{prefix}!pi", f"<?{target} {data}?>", "markup"))

    def doctype(name: str, system: str | None, public: str | None, subset: int) -> None:
        external = f' PUBLIC "{public}" "{system}"' if public else ""
        if system and not public:
            external = f' SYSTEM "{system}"'
        rest = _raw(body, codec, parser.CurrentByteIndex, "]") if subset else ""
        add(BodyField(f"{prefix}!doctype", f"<!DOCTYPE {name}{external} {rest}>", 0, "markup"))
        result.error = "a document type declaration, which the gate does not read"
        raise _Stop

    parser.buffer_text = True
    parser.ordered_attributes = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.ProcessingInstructionHandler = instruction
    parser.StartDoctypeDeclHandler = doctype
    if len(body) > MAX_BYTES:
        result.over_bound = f"more than {MAX_BYTES} bytes of XML"
    try:
        parser.Parse(body[:MAX_BYTES], len(body) <= MAX_BYTES)
    except _Full:
        result.over_bound = f"more than {max_fields} fields"
    except _Stop:
        pass
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, "malformed")
        result.error = f"invalid XML: {message} at line {exc.lineno}, column {exc.offset}"
    return result


def parse_xml(body: bytes, prefix: str, max_fields: int) -> BodyParse:
    """Flatten an XML document into path-aware fields (``xml.order.item@id``); see the module
    docstring for the paths, the markup fields and the bounds."""
    encoding = document_encoding(body)
    if encoding.problem:
        return BodyParse(error=encoding.problem)
    return _read(body, encoding, prefix, max_fields)


def is_xml(content_type: str) -> bool:
    """Whether a media type (lower-case, no parameters) names XML: ``application/xml``,
    ``text/xml`` or a ``+xml`` type (SOAP 1.2's ``application/soap+xml``, Atom, SVG...)."""
    return content_type in ("application/xml", "text/xml") or content_type.endswith("+xml")
