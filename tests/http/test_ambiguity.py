"""Requests the stacks read in more than one way: each rule, and ordinary requests left alone."""

from __future__ import annotations

import gzip

import pytest

from vigil.http.ambiguity import AmbiguityCode, find_ambiguity
from vigil.http.model import BodyState, Request

MP = "multipart/form-data; boundary=xyz"
GOOD_MP = b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xyz--\r\n'


def post(content_type: str, body: bytes, *headers: tuple[str, str]) -> Request:
    return Request("POST", "/submit", "", [("content-type", content_type), *headers], body)


ORDINARY = [
    pytest.param(Request("GET", "/users/42/caf%C3%A9", "q=a%2Fb&x=..%5c"), id="path-and-query"),
    pytest.param(Request("GET", "/a.b/.hidden/..."), id="dots-inside-segments"),
    pytest.param(Request("GET", "/a//b;c=d"), id="empty-segment-and-semicolon"),
    pytest.param(
        Request("GET", "/", headers=[("connection", "keep-alive, Upgrade, TE")]), id="hop-options"
    ),
    pytest.param(
        Request(
            "GET",
            "/",
            headers=[("accept", "a"), ("accept", "b"), ("cookie", "a=1"), ("cookie", "b=2")],
        ),
        id="list-headers",
    ),
    pytest.param(post("application/json; charset=utf-8", b'{"a": "caf\xc3\xa9"}'), id="json"),
    pytest.param(post("application/json", '{"a": 1}'.encode("utf-16")), id="json-utf16"),
    pytest.param(post("application/x-www-form-urlencoded; charset=UTF-8", b"a=%C3%A9"), id="form"),
    pytest.param(
        post("application/x-www-form-urlencoded; charset=iso-8859-1", b"a=1"),
        id="ascii-form-latin1",
    ),
    pytest.param(post(MP, GOOD_MP), id="multipart"),
    pytest.param(post("text/plain; charset=iso-8859-1", b"caf\xe9"), id="latin1-text"),
    pytest.param(post("application/octet-stream", b"\x00\x01{"), id="binary"),
    pytest.param(
        post(
            "application/soap+xml; charset=utf-8",
            b'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="urn:s"><s:Body/>'
            b"</s:Envelope>",
        ),
        id="soap",
    ),
    pytest.param(post("text/xml", "<a>\u00e9</a>".encode("utf-16")), id="xml-utf16"),
    pytest.param(post("application/xml", b"<a>not <closed"), id="malformed-xml-is-an-alert"),
    pytest.param(
        Request(
            "POST",
            "/",
            "",
            [("content-type", "text/plain; charset=utf-7")],
            b"x",
            BodyState.TRUNCATED,
        ),
        id="truncated-body-not-judged",
    ),
]


@pytest.mark.parametrize("request_", ORDINARY)
def test_ordinary_requests_are_not_ambiguous(request_: Request) -> None:
    assert find_ambiguity(request_) is None


AMBIGUOUS = [
    pytest.param(
        Request("GET", "/profile%2f%27"), AmbiguityCode.ENCODED_SLASH, "path", id="encoded-slash"
    ),
    pytest.param(
        Request("GET", "/a/b%2Fc"), AmbiguityCode.ENCODED_SLASH, "path", id="encoded-slash-upper"
    ),
    pytest.param(Request("GET", "/a%5cb"), AmbiguityCode.BACKSLASH, "path", id="encoded-backslash"),
    pytest.param(Request("GET", "/a\\b"), AmbiguityCode.BACKSLASH, "path", id="backslash"),
    pytest.param(Request("GET", "/a/../b"), AmbiguityCode.DOT_SEGMENT, "path", id="dot-dot"),
    pytest.param(
        Request("GET", "//profile/a"), AmbiguityCode.LEADING_SLASHES, "path", id="leading-slashes"
    ),
    pytest.param(Request("GET", "/a/./b"), AmbiguityCode.DOT_SEGMENT, "path", id="dot"),
    pytest.param(Request("GET", "/a/%2e%2E"), AmbiguityCode.DOT_SEGMENT, "path", id="encoded-dots"),
    pytest.param(Request("GET", "/a/.%2e/b"), AmbiguityCode.DOT_SEGMENT, "path", id="half-encoded"),
    pytest.param(
        Request("GET", "/", headers=[("host", "a"), ("host", "b")]),
        AmbiguityCode.REPEATED_HEADER,
        "header.host",
        id="two-hosts",
    ),
    pytest.param(
        post("text/plain", b"x", ("content-type", "application/json")),
        AmbiguityCode.REPEATED_HEADER,
        "header.content-type",
        id="two-content-types",
    ),
    pytest.param(
        Request("GET", "/", headers=[("authorization", "a"), ("authorization", "b")]),
        AmbiguityCode.REPEATED_HEADER,
        "header.authorization",
        id="two-authorizations",
    ),
    pytest.param(
        Request("GET", "/", headers=[("connection", "close, Host")]),
        AmbiguityCode.CONNECTION_OPTION,
        "header.connection",
        id="connection-host",
    ),
    pytest.param(
        Request("GET", "/", headers=[("connection", "X-Forwarded-For")]),
        AmbiguityCode.CONNECTION_OPTION,
        "header.connection",
        id="connection-xff",
    ),
    pytest.param(
        Request("GET", "/", headers=[("cookie", "theme=dark session=x")]),
        AmbiguityCode.COOKIE,
        "header.cookie",
        id="hidden-cookie",
    ),
    pytest.param(
        post("application/json; charset=utf-8; charset=utf-7", b"{}"),
        AmbiguityCode.CONTENT_TYPE,
        "header.content-type",
        id="two-charsets",
    ),
    pytest.param(
        post("application/json; charset*=utf-8''x", b"{}"),
        AmbiguityCode.CONTENT_TYPE,
        "header.content-type",
        id="extended-parameter",
    ),
    pytest.param(
        post("application/json; charset=utf-7", b'{"a": "+ADw-"}'),
        AmbiguityCode.CHARSET,
        "body",
        id="json-utf7",
    ),
    pytest.param(
        post("text/plain; charset=utf-7", b'{"a": "+ADw-"}'),
        AmbiguityCode.CHARSET,
        "body",
        id="sniffed-json-utf7",
    ),
    pytest.param(
        post("text/plain; charset=utf-7", b"+ADw-script+AD4-"),
        AmbiguityCode.CHARSET,
        "body",
        id="text-utf7",
    ),
    pytest.param(
        post("application/x-www-form-urlencoded; charset=utf-7", b"a=+ACc-"),
        AmbiguityCode.CHARSET,
        "body",
        id="form-utf7",
    ),
    pytest.param(
        post("application/x-www-form-urlencoded; charset=iso-8859-1", b"a=%E9"),
        AmbiguityCode.CHARSET,
        "body",
        id="form-latin1-escape",
    ),
    pytest.param(
        post(MP + "; boundary=abc", GOOD_MP),
        AmbiguityCode.CONTENT_TYPE,
        "header.content-type",
        id="two-boundaries",
    ),
    pytest.param(
        post(MP, b"pre\r\n" + GOOD_MP), AmbiguityCode.MULTIPART, "body", id="multipart-preamble"
    ),
    pytest.param(
        post(
            "application/xml", b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
        ),
        AmbiguityCode.XML,
        "body",
        id="xml-external-entity",
    ),
    pytest.param(
        post("text/xml", b"<!DOCTYPE r><r/>"), AmbiguityCode.XML, "body", id="xml-doctype"
    ),
    pytest.param(
        post(
            "application/xml; charset=utf-8",
            b'<?xml version="1.0" encoding="ISO-8859-1"?><r>caf\xe9</r>',
        ),
        AmbiguityCode.XML,
        "body",
        id="xml-encoding-contradicts-charset",
    ),
    pytest.param(
        post("application/xml", b'<?xml version="1.0" encoding="utf-7"?><r>+ADw-</r>'),
        AmbiguityCode.XML,
        "body",
        id="xml-utf-7",
    ),
    pytest.param(
        post("application/xml", gzip.compress(b"<!DOCTYPE r><r/>"), ("content-encoding", "gzip")),
        AmbiguityCode.XML,
        "body",
        id="xml-judged-after-content-decoding",
    ),
    pytest.param(
        post(MP, gzip.compress(b"pre" + GOOD_MP), ("content-encoding", "gzip")),
        AmbiguityCode.MULTIPART,
        "body",
        id="judged-after-content-decoding",
    ),
]


@pytest.mark.parametrize(("request_", "code", "part"), AMBIGUOUS)
def test_ambiguous_requests_are_named(request_: Request, code: AmbiguityCode, part: str) -> None:
    found = find_ambiguity(request_)
    assert found is not None
    assert (found.code, found.part) == (code, part)
    assert found.reason
    assert str(found).startswith(f"{part}: ")


def test_codes_are_stable() -> None:
    assert [c.value for c in AmbiguityCode] == [
        "encoded-slash",
        "backslash",
        "dot-segment",
        "leading-slashes",
        "repeated-header",
        "connection-option",
        "cookie",
        "content-type",
        "charset",
        "multipart",
        "xml",
    ]
