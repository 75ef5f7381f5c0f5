"""Bounded body parsers: JSON paths, forms and multipart, never raising on bad input."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.http.body import (
    MAX_DEPTH,
    BodyField,
    is_json,
    parse_body,
    parse_form,
    parse_json,
    parse_multipart,
)
from vigil.http.urlcodec import Encoding

BOUNDARY = "XyZb0undary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(*parts: tuple[str, str | None, str | None, bytes]) -> bytes:
    """A multipart body of (name, filename, content type, data) parts."""
    out = b""
    for name, filename, ctype, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if ctype is not None:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def summary(fields: list[BodyField]) -> list[tuple[str, str, str, int | None]]:
    return [(f.path, f.kind, f.text, f.size) for f in fields]


# JSON ------------------------------------------------------------------------------------------


def test_json_is_flattened_into_typed_paths() -> None:
    doc = {"user": "tom", "age": 30, "ok": True, "none": None, "tags": ["a", 2], "o": {"k": 1.5}}
    parsed = parse_json(orjson.dumps(doc), "json", 100)
    assert parsed.error == ""
    assert parsed.over_bound == ""
    assert sorted(summary(parsed.fields)) == sorted(
        [
            ("json", "object", "", 6),
            ("json.user", "string", "tom", None),
            ("json.age", "number", "30", None),
            ("json.ok", "bool", "true", None),
            ("json.none", "null", "null", None),
            ("json.tags", "array", "", 2),
            ("json.tags[]", "string", "a", None),
            ("json.tags[]", "number", "2", None),
            ("json.o", "object", "", 1),
            ("json.o.k", "number", "1.5", None),
        ]
    )


def test_json_array_elements_keep_their_order() -> None:
    parsed = parse_json(b"[1, 2, 3]", "json", 100)
    assert [f.text for f in parsed.fields if f.path == "json[]"] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param(b"{bad", "invalid JSON", id="syntax"),
        pytest.param(b'{"a": "\xff"}', "invalid JSON", id="invalid-utf8"),
        pytest.param(b"", "invalid JSON", id="empty"),
        pytest.param(b"[" * 10_000 + b"]" * 10_000, "nesting too deep", id="10000-deep"),
        pytest.param(b'{"a":' * 5000 + b"1" + b"}" * 5000, "nesting too deep", id="deep-objects"),
    ],
)
def test_unparseable_json_is_reported_not_raised(body: bytes, error: str) -> None:
    parsed = parse_json(body, "json", 100)
    assert parsed.error == error
    assert parsed.fields == []


def test_json_deeper_than_the_walk_bound_is_reported() -> None:
    depth = MAX_DEPTH + 20
    parsed = parse_json(b"[" * depth + b"]" * depth, "json", 1000)
    assert parsed.error == ""
    assert parsed.over_bound == f"nesting deeper than {MAX_DEPTH}"
    assert max(f.path.count("[]") for f in parsed.fields) == MAX_DEPTH


@pytest.mark.parametrize(
    ("doc", "bound"),
    [
        pytest.param(list(range(100)), 10, id="long-array"),
        pytest.param({f"k{i}": i for i in range(100)}, 10, id="wide-object"),
        pytest.param([[i, i] for i in range(50)], 7, id="nested-arrays"),
    ],
)
def test_json_field_bound_is_respected_and_reported(doc: object, bound: int) -> None:
    parsed = parse_json(orjson.dumps(doc), "json", bound)
    assert len(parsed.fields) == bound
    assert parsed.over_bound == f"more than {bound} fields"


def test_json_values_are_normalised_and_flagged() -> None:
    parsed = parse_json(orjson.dumps({"a": "\uff1cb\uff1e", "c": "x\r\ny\x00"}), "json", 10)
    by_path = {f.path: f for f in parsed.fields}
    assert by_path["json.a"].text == "<b>"
    assert by_path["json.a"].flags == Encoding.NFKC_CHANGED
    assert by_path["json.c"].flags == Encoding.CRLF | Encoding.NUL


def test_json_keys_are_normalised_into_the_path() -> None:
    parsed = parse_json(orjson.dumps({"\uff41": 1}), "json", 10)
    assert [f.path for f in parsed.fields] == ["json", "json.a"]


# Forms -----------------------------------------------------------------------------------------


def test_form_fields_are_decoded_with_flags() -> None:
    parsed = parse_form(b"login=tom&note=a+b%3Cc%3E&x=%2527&flag", "form", 10)
    assert summary(parsed.fields) == [
        ("form.login", "value", "tom", None),
        ("form.note", "value", "a b<c>", None),
        ("form.x", "value", "%27", None),
        ("form.flag", "value", "", None),
    ]
    assert parsed.fields[2].flags == Encoding.DOUBLE_ENCODED
    assert parsed.over_bound == ""


def test_form_trailing_newline_is_not_a_field() -> None:
    parsed = parse_form(b"a=1\r\n", "form", 10)
    assert summary(parsed.fields) == [("form.a", "value", "1", None)]


def test_form_bound_is_respected_and_reported() -> None:
    body = "&".join(f"k{i}=v" for i in range(10_000)).encode()
    parsed = parse_form(body, "form", 50)
    assert len(parsed.fields) == 50
    assert parsed.over_bound == "more than 50 fields"


def test_form_non_utf8_body_is_read_as_latin1() -> None:
    parsed = parse_form(b"name=caf\xe9", "form", 10)
    assert parsed.fields[0].text == "café"


# Multipart -------------------------------------------------------------------------------------


def test_multipart_gives_field_values_and_file_metadata_only() -> None:
    body = multipart(
        ("title", None, None, b"holiday"),
        ("avatar", "me.png", "image/png", b"\x89PNG" + bytes(100)),
    )
    parsed = parse_multipart(body, MULTIPART, "multipart", 10)
    assert parsed.error == ""
    assert summary(parsed.fields) == [
        ("multipart.title", "value", "holiday", None),
        ("multipart.avatar.filename", "value", "me.png", None),
        ("multipart.avatar.content-type", "value", "image/png", None),
        ("multipart.avatar.size", "number", "104", None),
    ]
    assert all("PNG" not in f.text for f in parsed.fields)


def test_multipart_file_names_are_normalised_and_flagged() -> None:
    body = multipart(("f", "\uff0e\uff0e/x\x01.sh", "text/plain", b"#!"))
    parsed = parse_multipart(body, MULTIPART, "multipart", 10)
    name = parsed.fields[0]
    assert name.path == "multipart.f.filename"
    assert name.text == "../x\x01.sh"
    assert name.flags == Encoding.NFKC_CHANGED | Encoding.CONTROL


def test_multipart_part_without_a_name_is_ambiguous_and_stops_the_parse() -> None:
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
        f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{BOUNDARY}--\r\n"
    ).encode()
    parsed = parse_multipart(body, MULTIPART, "multipart", 10)
    assert summary(parsed.fields) == [("multipart.a", "value", "1", None)]
    assert parsed.error == "ambiguous multipart body: a part without Content-Disposition"


def test_multipart_empty_file_input_is_a_file_of_size_zero() -> None:
    body = multipart(("cv", "", "application/octet-stream", b""))
    parsed = parse_multipart(body, MULTIPART, "multipart", 10)
    assert parsed.error == ""
    assert summary(parsed.fields) == [
        ("multipart.cv.filename", "value", "", None),
        ("multipart.cv.content-type", "value", "application/octet-stream", None),
        ("multipart.cv.size", "number", "0", None),
    ]


def test_multipart_part_bound_is_respected_and_reported() -> None:
    body = multipart(*[(f"p{i}", None, None, b"v") for i in range(30)])
    parsed = parse_multipart(body, MULTIPART, "multipart", 5)
    assert [f.path for f in parsed.fields] == [f"multipart.p{i}" for i in range(5)]
    assert parsed.over_bound == "more than 5 parts"


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        pytest.param(b"garbage", MULTIPART, "data before the first boundary", id="no-parts"),
        pytest.param(
            multipart(("a", None, None, b"1")),
            "multipart/form-data",
            "no boundary",
            id="no-boundary",
        ),
    ],
)
def test_invalid_multipart_is_reported(body: bytes, content_type: str, problem: str) -> None:
    parsed = parse_multipart(body, content_type, "multipart", 10)
    assert parsed.error == f"ambiguous multipart body: {problem}"
    assert parsed.fields == []


# Dispatch --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "media", "full", "paths"),
    [
        pytest.param(
            b'{"a":1}', "application/json", "application/json", ["json", "json.a"], id="json"
        ),
        pytest.param(
            b'{"a":1}', "application/vnd.api+json", "", ["json", "json.a"], id="plus-json"
        ),
        pytest.param(b"a=1", "application/x-www-form-urlencoded", "", ["form.a"], id="form"),
        pytest.param(
            multipart(("a", None, None, b"1")),
            "multipart/form-data",
            MULTIPART,
            ["multipart.a"],
            id="multipart",
        ),
        pytest.param(b"<x/>", "application/xml", "application/xml", ["xml.x"], id="xml"),
        pytest.param(b"<x a='1'/>", "application/soap+xml", "", ["xml.x", "xml.x@a"], id="soap"),
        pytest.param(b"<x/>", "text/plain", "text/plain", ["body"], id="other-one-value"),
        pytest.param(b"a=1", "", "", ["body"], id="no-type-one-value"),
        pytest.param(b"", "application/json", "application/json", [], id="empty-body"),
    ],
)
def test_parse_body_dispatches_on_media_type(
    body: bytes, media: str, full: str, paths: list[str]
) -> None:
    parsed = parse_body(body, media, full, 100)
    assert sorted(f.path for f in parsed.fields) == sorted(paths)


def test_other_bodies_are_one_flagged_value() -> None:
    parsed = parse_body(b"caf\xe9", "text/plain", "text/plain", 10)
    assert summary(parsed.fields) == [("body", "value", "café", None)]
    assert parsed.fields[0].flags == Encoding.NON_UTF8


# Properties ------------------------------------------------------------------------------------

_BOUND = st.integers(min_value=1, max_value=40)
_JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=4), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(st.binary(max_size=400), _BOUND)
def test_parse_json_never_raises_on_bytes(body: bytes, bound: int) -> None:
    parsed = parse_json(body, "json", bound)
    assert len(parsed.fields) <= bound


@given(_JSONISH, _BOUND)
def test_parse_json_respects_bounds_on_documents(doc: object, bound: int) -> None:
    parsed = parse_json(orjson.dumps(doc), "json", bound)
    assert parsed.error == ""
    assert len(parsed.fields) <= bound
    assert all(f.path == "json" or f.path.startswith(("json.", "json[]")) for f in parsed.fields)


@given(st.binary(max_size=400), _BOUND)
def test_parse_form_never_raises_and_respects_its_bound(body: bytes, bound: int) -> None:
    parsed = parse_form(body, "form", bound)
    assert len(parsed.fields) <= bound
    assert parsed.error == ""


_MULTIPART_PIECES = st.sampled_from(
    [
        f"--{BOUNDARY}\r\n".encode(),
        f"--{BOUNDARY}--\r\n".encode(),
        b"Content-Disposition: form-data; name=",
        b'"f"',
        b"; filename=",
        b"filename*=utf-8''%e9%00",
        b"Content-Type: text/plain; charset=x-unknown\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"=?utf-8?q?a?=",
        b"\r\n",
        b"\xff\x00",
        b"data",
    ]
)


@given(st.lists(_MULTIPART_PIECES, max_size=40), _BOUND)
def test_parse_multipart_never_raises_on_part_soup(pieces: list[bytes], bound: int) -> None:
    parsed = parse_multipart(b"".join(pieces), MULTIPART, "multipart", bound)
    assert len(parsed.fields) <= 3 * bound


@given(st.binary(max_size=300), st.text(max_size=40))
def test_parse_multipart_never_raises_on_bytes(body: bytes, content_type: str) -> None:
    parse_multipart(body, "multipart/form-data; " + content_type, "multipart", 5)


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        pytest.param("application/json", True, id="json"),
        pytest.param("Application/JSON; charset=utf-8", True, id="case-and-params"),
        pytest.param("application/problem+json", True, id="suffix"),
        pytest.param("text/json-ish", False, id="not-json"),
        pytest.param("", False, id="absent"),
    ],
)
def test_is_json(content_type: str, expected: bool) -> None:
    assert is_json(content_type) is expected


# What the frameworks read that orjson alone would not -----------------------------------------


@pytest.mark.parametrize(
    ("body", "charset", "fields"),
    [
        pytest.param(b'{"n": NaN, "u": "x"}', None, {("json.n", "nan"), ("json.u", "x")}, id="nan"),
        pytest.param(
            b'{"id": 123456789012345678901234567890}',
            None,
            {("json.id", "123456789012345678901234567890")},
            id="big-integer-exact",
        ),
        pytest.param(b'{"f": 1e300}', None, {("json.f", "1e+300")}, id="big-float-stays"),
        pytest.param(b'{"s": "\\ud800"}', None, {("json.s", "\ud800")}, id="lone-surrogate"),
        pytest.param(
            '{"q": "caf\u00e9"}'.encode("utf-16"), None, {("json.q", "caf\u00e9")}, id="utf16"
        ),
        pytest.param('{"q": "x"}'.encode("utf-32-be"), None, {("json.q", "x")}, id="utf32be"),
        pytest.param(b'\xef\xbb\xbf{"q": "x"}', None, {("json.q", "x")}, id="utf8-bom"),
        pytest.param(
            '{"q": "x"}'.encode("utf-16"), "utf-16", {("json.q", "x")}, id="declared-utf16"
        ),
    ],
)
def test_json_is_read_as_json_loads_reads_it(
    body: bytes, charset: str | None, fields: set[tuple[str, str]]
) -> None:
    parsed = parse_json(body, "json", 100, charset=charset)
    assert parsed.error == ""
    assert {(f.path, f.text) for f in parsed.fields if f.kind != "object"} == fields


@pytest.mark.parametrize(
    ("media", "body", "extra"),
    [
        pytest.param(
            "text/plain", b'{"u": "\\u0027 OR 1=1"}', {("json.u", "' OR 1=1")}, id="text-plain"
        ),
        pytest.param("", b'  ["\\u003cscript\\u003e"]', {("json[]", "<script>")}, id="no-type"),
        pytest.param("application/octet-stream", b'"\\u0027"', {("json", "'")}, id="json-string"),
        pytest.param("text/plain", b"{not json", set(), id="not-json-one-value"),
    ],
)
def test_json_under_another_media_type_is_profiled_as_json_too(
    media: str, body: bytes, extra: set[tuple[str, str]]
) -> None:
    parsed = parse_body(body, media, media, 100)
    texts = {(f.path, f.text) for f in parsed.fields if f.kind not in ("object", "array")}
    assert ("body", body.decode()) in texts
    assert texts - {("body", body.decode())} == extra


def test_json_declared_as_a_form_is_profiled_as_json_too() -> None:
    body = b'{"user": "\\u0027 OR 1=1"}'
    parsed = parse_body(body, "application/x-www-form-urlencoded", "", 100)
    paths = {(f.path, f.text) for f in parsed.fields}
    assert ("json.user", "' OR 1=1") in paths
    assert any(path.startswith("form.") for path, _ in paths)
