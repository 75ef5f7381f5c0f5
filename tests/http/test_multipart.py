"""multipart/form-data: the common form is read; everything parsers read differently is a problem."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.http.multipart import MAX_PART_HEADERS, Part, parse_form_data

B = "b0undary"
CT = f"multipart/form-data; boundary={B}"


def body(*parts: bytes, close: bytes = b"--b0undary--\r\n") -> bytes:
    """``--b0undary CRLF part CRLF`` for each part, then ``close``."""
    return b"".join(b"--b0undary\r\n" + p + b"\r\n" for p in parts) + close


def field(disposition: str, data: bytes = b"v", *headers: str) -> bytes:
    lines = [f"Content-Disposition: {disposition}", *headers]
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + data


@pytest.mark.parametrize(
    ("raw", "content_type", "parts"),
    [
        pytest.param(
            body(field('form-data; name="a"', b"1"), field('form-data; name="b"', b"x\r\ny")),
            CT,
            [Part("a", None, "", b"1"), Part("b", None, "", b"x\r\ny")],
            id="fields",
        ),
        pytest.param(
            body(
                field(
                    'form-data; name="f"; filename="r\u00e9sum\u00e9.pdf"',
                    b"%PDF",
                    "Content-Type: application/pdf",
                )
            ),
            CT,
            [Part("f", "r\u00e9sum\u00e9.pdf", "application/pdf", b"%PDF")],
            id="file-with-utf8-name",
        ),
        pytest.param(
            body(
                field(
                    'form-data; name="f"; filename=""',
                    b"",
                    "Content-Type: application/octet-stream",
                )
            ),
            CT,
            [Part("f", "", "application/octet-stream", b"")],
            id="empty-file-input",
        ),
        pytest.param(
            body(field("form-data; name=a", b"1")), CT, [Part("a", None, "", b"1")], id="token-name"
        ),
        pytest.param(
            body(field('FORM-DATA; NAME="a"', b"1")), CT, [Part("a", None, "", b"1")], id="any-case"
        ),
        pytest.param(
            body(field('form-data; name="a"', b"1"), close=b"--b0undary--"),
            CT,
            [Part("a", None, "", b"1")],
            id="no-crlf-after-close",
        ),
        pytest.param(
            body(field('form-data; name="a"', b"1")),
            f'multipart/form-data; charset=UTF-8; boundary="{B}"',
            [Part("a", None, "", b"1")],
            id="quoted-boundary-and-utf8",
        ),
        pytest.param(
            body(field('form-data; name="a"', b"--b0und")),
            CT,
            [Part("a", None, "", b"--b0und")],
            id="boundary-prefix-in-data",
        ),
        pytest.param(
            body(field('form-data; name="f"; filename="a.txt"; filename*=UTF-8\'\'a.txt', b"1")),
            CT,
            [Part("f", "a.txt", "", b"1")],
            id="equal-extended-filename",
        ),
        pytest.param(
            body(field('form-data; name="a"', b"1", "Content-Transfer-Encoding: binary")),
            CT,
            [Part("a", None, "", b"1")],
            id="binary-transfer-encoding-is-none",
        ),
        pytest.param(
            body(
                field(
                    'form-data; name="a"',
                    "caf\u00e9".encode("latin-1"),
                    "Content-Type: text/plain; charset=iso-8859-1",
                )
            ),
            CT,
            [],
            id="latin1-non-ascii-data-refused",
        ),
    ],
)
def test_common_form_is_read(raw: bytes, content_type: str, parts: list[Part]) -> None:
    form = parse_form_data(raw, content_type, 10)
    if parts:
        assert (form.parts, form.problem) == (parts, "")
    else:
        assert form.problem


OK_PART = field('form-data; name="a"', b"1")
PROBLEMS = [
    pytest.param(
        body(OK_PART),
        f"multipart/form-data; boundary={B}; boundary=x",
        "twice",
        id="two-boundaries",
    ),
    pytest.param(body(OK_PART), "multipart/form-data", "no boundary", id="no-boundary"),
    pytest.param(
        body(OK_PART), f"multipart/form-data; boundary*={B}", "extended", id="extended-boundary"
    ),
    pytest.param(
        body(OK_PART), "multipart/form-data; boundary=" + "x" * 71, "RFC 2046", id="long-boundary"
    ),
    pytest.param(body(OK_PART), f"{CT}; charset=utf-7", "charset", id="utf7-charset"),
    pytest.param(b"preamble\r\n" + body(OK_PART), CT, "before the first", id="preamble"),
    pytest.param(b"\r\n" + body(OK_PART), CT, "before the first", id="leading-crlf"),
    pytest.param(body(OK_PART).replace(b"\r\n", b"\n"), CT, "CRLF", id="lf-line-ends"),
    pytest.param(
        body(OK_PART, close=b"--b0undary--\r\nepilogue"), CT, "after the last", id="epilogue"
    ),
    pytest.param(body(OK_PART, close=b""), CT, "without an end", id="no-close-delimiter"),
    pytest.param(b"--b0undary  \r\n" + OK_PART + b"\r\n--b0undary--", CT, "CRLF", id="padding"),
    pytest.param(
        body(field('form-data; name="a"', b"x\n--b0undary\r\n")),
        CT,
        "inside a part",
        id="lf-delimiter-in-data",
    ),
    pytest.param(
        body(field('form-data; name="a"', b"x\r\n--b0undaryx")),
        CT,
        "not followed by CRLF",
        id="fake-delimiter",
    ),
    pytest.param(body(b"\r\nv"), CT, "without Content-Disposition", id="no-headers"),
    pytest.param(
        body(field('form-data; name="a"', b"1", 'Content-Disposition: form-data; name="b"')),
        CT,
        "twice",
        id="two-dispositions",
    ),
    pytest.param(
        body(field('form-data; name="a"', b"1", 'content-disposition: form-data; name="b"')),
        CT,
        "twice",
        id="two-dispositions-any-case",
    ),
    pytest.param(
        body(b'Content-Disposition: form-data;\r\n name="a"\r\n\r\n1'), CT, "folded", id="folded"
    ),
    pytest.param(
        body(b'Content-Disposition: form-data; name="a" \r\n\r\n1'),
        CT,
        "whitespace",
        id="trailing-space",
    ),
    pytest.param(
        body(b'Content-Disposition:\tform-data; name="a"\r\n\r\n1'), CT, "whitespace", id="tab"
    ),
    pytest.param(
        body(b'Content-Disposition: form-data; name="\xe9"\r\n\r\n1'),
        CT,
        "not UTF-8",
        id="latin1-header",
    ),
    pytest.param(body(field('form-data; name="a"; name="b"')), CT, "twice", id="duplicate-name"),
    pytest.param(
        body(field("form-data; name=\"a\"; name*=UTF-8''b")),
        CT,
        "differing",
        id="different-name-star",
    ),
    pytest.param(
        body(field("form-data; name=\"a\"; filename*=UTF-8''x.txt")),
        CT,
        "differing",
        id="filename-star-alone",
    ),
    pytest.param(body(field('form-data; name*0="a"')), CT, "other than name", id="continuation"),
    pytest.param(body(field('form-data; name="a\\"b"')), CT, "backslash", id="escaped-quote"),
    pytest.param(body(field('form-data; name="a%22b"')), CT, "read differently", id="percent-22"),
    pytest.param(body(field('form-data; name="/a"')), CT, "read differently", id="leading-slash"),
    pytest.param(
        body(field('form-data; name="a"; filename="\\\\srv\\x"')),
        CT,
        "backslash",
        id="unc-filename",
    ),
    pytest.param(body(field("form-data; name=a b")), CT, "neither", id="unquoted-space"),
    pytest.param(body(field('attachment; name="a"')), CT, "other than form-data", id="attachment"),
    pytest.param(body(field("form-data")), CT, "without a name", id="no-name"),
    pytest.param(
        body(field('form-data; name="a"; size=3')), CT, "other than name", id="unknown-parameter"
    ),
    pytest.param(
        body(field('form-data; name="a"', b"MQ==", "Content-Transfer-Encoding: base64")),
        CT,
        "Transfer-Encoding",
        id="base64",
    ),
    pytest.param(
        body(field('form-data; name="a"', b"x", "Content-Encoding: gzip")),
        CT,
        "Content-Encoding",
        id="gzip",
    ),
    pytest.param(
        body(field('form-data; name="a"', b"x", "Content-Type: text/plain; charset=utf-7")),
        CT,
        "charset",
        id="part-utf7",
    ),
    pytest.param(
        body(field('form-data; name="a"; filename=""', b"data")),
        CT,
        "empty filename",
        id="empty-filename-with-data",
    ),
    pytest.param(
        body(field('form-data; name="\u00e9"')),
        f"{CT}; charset=iso-8859-1",
        "non-ASCII name",
        id="latin1-top-name",
    ),
    pytest.param(
        body(field('form-data; name="a"', b"1", *(f"X-{i}: v" for i in range(MAX_PART_HEADERS)))),
        CT,
        "part headers",
        id="too-many-headers",
    ),
]


@pytest.mark.parametrize(("raw", "content_type", "problem"), PROBLEMS)
def test_what_parsers_read_differently_is_a_problem(
    raw: bytes, content_type: str, problem: str
) -> None:
    form = parse_form_data(raw, content_type, 10)
    assert problem in form.problem


def test_parts_before_a_problem_are_kept() -> None:
    form = parse_form_data(body(OK_PART, field('attachment; name="b"')), CT, 10)
    assert form.parts == [Part("a", None, "", b"1")]
    assert form.problem


def test_part_bound() -> None:
    form = parse_form_data(body(*[OK_PART] * 5), CT, 3)
    assert len(form.parts) == 3
    assert form.over_bound == "more than 3 parts"
    assert form.problem == ""


@given(st.binary(max_size=200), st.sampled_from([CT, "multipart/form-data; boundary=x", "bad"]))
def test_any_body_is_read_without_raising(raw: bytes, content_type: str) -> None:
    form = parse_form_data(raw, content_type, 5)
    assert len(form.parts) <= 5


def test_the_last_body_read_is_reused_only_for_that_very_body() -> None:
    first = body(OK_PART)
    again = parse_form_data(first, CT, 10)
    assert parse_form_data(first, CT, 10) is again
    other = body(field('attachment; name="a"'))
    assert parse_form_data(other, CT, 10).problem
    assert parse_form_data(first, CT, 3) is not again
    assert parse_form_data(first, CT, 3).parts == again.parts
