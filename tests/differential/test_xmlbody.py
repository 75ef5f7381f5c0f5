"""The XML fields the gate inspects equal what applications read with ElementTree and lxml.

For every body of the table (and generated documents), each value an application reads (an
element's text with the text after its children, an attribute value) is a field the gate
inspected, with the same text (NFKC-normalised, as the gate normalises every value), and the
gate inspects nothing the application does not read.
Bodies with a document type declaration are read differently by the parsers themselves (shown
below), which is why the gate refuses them (:func:`vigil.http.xmlbody.xml_problem`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.differential.echo import xml_fields
from vigil.http.urlcodec import normalize
from vigil.http.xmlbody import parse_xml, xml_problem

lxml_etree = pytest.importorskip("lxml.etree")

Reader = Callable[[bytes], Any]


def etree_reader(body: bytes) -> Any:
    return ET.fromstring(body)


def lxml_reader(body: bytes) -> Any:
    return lxml_etree.fromstring(body, lxml_etree.XMLParser())


READERS = [pytest.param(etree_reader, id="etree"), pytest.param(lxml_reader, id="lxml")]


def gate_fields(body: bytes) -> list[tuple[str, str]]:
    parsed = parse_xml(body, "xml", 1024)
    assert (parsed.error, parsed.over_bound) == ("", "")
    return sorted((f.path, f.text) for f in parsed.fields if f.kind == "value")


BODIES = [
    pytest.param(b"<a>1</a>", id="leaf"),
    pytest.param(b'<login><user name="tom">t</user><pass/></login>', id="attributes"),
    pytest.param(b"<o><i>1</i><i>2</i><i/></o>", id="repeated"),
    pytest.param(b"<o>\n  <a>1</a>\n\t<b> 2 </b>\n</o>\n", id="whitespace"),
    pytest.param(b"<p>one<b>two</b>three<i/>four</p>", id="mixed-content"),
    pytest.param(b"<a><![CDATA[<script>alert(1)</script>]]> &amp; more</a>", id="cdata"),
    pytest.param(b"<a>&#x3C;&#60;&lt;&gt;&quot;&apos;&#xe9;</a>", id="character-references"),
    pytest.param(b"<a>x<!-- c -->y<!-- d --></a>", id="comments"),
    pytest.param(b'<?xml version="1.0"?><?pi data?><a>x<?p y?>z</a><?after?>', id="pis"),
    pytest.param(
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/>'
        b'<s:Body><m:Get xmlns:m="urn:m" m:id="1"><m:Q>a b</m:Q></m:Get></s:Body></s:Envelope>',
        id="soap-namespaces",
    ),
    pytest.param(b'<a xmlns="urn:d"><b xmlns="">x</b></a>', id="default-namespace"),
    pytest.param(b'<a v="x&#10;y&#9;z" w="p\n q\tr"/>', id="attribute-normalisation"),
    pytest.param(b"\xef\xbb\xbf<a>caf\xc3\xa9</a>", id="utf-8-bom"),
    pytest.param(
        b'<?xml version="1.0" encoding="ISO-8859-1"?><a k="\xe9">caf\xe9</a>', id="latin-1"
    ),
    pytest.param('<a k="é">ça</a>'.encode("utf-16"), id="utf-16-bom"),
    pytest.param(
        '<?xml version="1.0" encoding="UTF-16"?><a>ça</a>'.encode("utf-16-be"), id="utf-16-be"
    ),
    pytest.param(b"<a>tom' or 1=1--</a>", id="payload"),
]


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("body", BODIES)
def test_the_gate_inspects_what_the_application_reads(read: Reader, body: bytes) -> None:
    assert xml_problem(body, None) == ""
    assert gate_fields(body) == xml_fields(read(body))


DTD_BODIES = [
    pytest.param(b'<!DOCTYPE r [<!ATTLIST r a CDATA "dflt">]><r/>', id="attribute-default"),
    pytest.param(b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///nonexistent">]><r>&e;</r>', id="xxe"),
]


@pytest.mark.parametrize("body", DTD_BODIES)
def test_parsers_disagree_on_dtds_so_the_gate_refuses_them(body: bytes) -> None:
    readings = []
    for read in (etree_reader, lxml_reader):
        try:
            readings.append(xml_fields(read(body)))
        except (ET.ParseError, lxml_etree.XMLSyntaxError) as exc:
            readings.append([("error", type(exc).__name__)])
    assert readings[0] != readings[1]
    assert xml_problem(body, None)


_NAMES = st.sampled_from(["a", "b", "p:c", "d"])
_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")) | st.just("\n"), max_size=8)


@st.composite
def documents(draw: st.DrawFn, depth: int = 0) -> str:
    """A well-formed document of up to 4 levels: text (escaped), attributes, children."""
    name = draw(_NAMES)
    count = draw(st.integers(0, 3 if depth < 3 else 0))
    parts = [_escape(draw(_TEXT))]
    for _ in range(count):
        parts += [draw(documents(depth + 1)), _escape(draw(_TEXT))]
    keys = draw(st.lists(st.sampled_from(["k", "v", "p:w"]), unique=True, max_size=3))
    attributes = "".join(f' {k}="{_escape(draw(_TEXT))}"' for k in keys)
    xmlns = ' xmlns:p="urn:p"' if depth == 0 else ""
    return f"<{name}{xmlns}{attributes}>{''.join(parts)}</{name}>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@settings(max_examples=300, deadline=None)
@given(documents())
def test_generated_documents_read_alike(doc: str) -> None:
    body = doc.encode()
    expected = xml_fields(etree_reader(body))
    assert xml_fields(lxml_reader(body)) == expected
    normalised = sorted((path, normalize(text)[0]) for path, text in expected)
    assert gate_fields(body) == normalised
