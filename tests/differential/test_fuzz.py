"""Generated multipart bodies, paths and charsets against the same five targets.

Hypothesis builds requests from the pieces parsers disagree on (parameter repeats and quoting,
line ends, delimiters, transfer encodings, percent-encoded separators and dots, declared
charsets and the bytes actually sent) and every one goes through the three proxies and the two
middlewares, under the invariant of test_vectors: refused, or inspected as the application
parsed it. The example count is modest so the suite stays well inside CI's budget; set
``VIGIL_FUZZ_EXAMPLES`` to run more.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.conftest import TARGET_NAMES, Target
from tests.differential.test_vectors import check
from tests.differential.vectors import Vector

EXAMPLES = int(os.environ.get("VIGIL_FUZZ_EXAMPLES", "50"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PAYLOADS = ["' OR '1'='1", "<script>", 'a"b', "1=\u03381", "caf\u00e9", "\uff07", "x"]


def _through_all(targets: dict[str, Target], vector: Vector) -> None:
    for name in TARGET_NAMES:
        check(targets[name], vector)


# Multipart ------------------------------------------------------------------------------------

_BOUNDARIES = st.sampled_from(
    ["b0undary", "----WebKitFormBoundaryABC", "a'b(c)+d_e,f-g.h/i:j=k?l", "x"]
)
_EOL = st.sampled_from([b"\r\n"] * 8 + [b"\n", b"\r"])
_NAMES = st.sampled_from(
    ["user", "username", "user", "q", "a b", "/x", "x%22", "\u00e9", "a;b", ""]
)
_QUOTING = st.sampled_from(["quoted", "quoted", "token", "escaped"])
_DISPOSITION = st.sampled_from(["form-data"] * 5 + ["FORM-DATA", "attachment", "inline"])
_EXTRA_HEADERS = st.lists(
    st.sampled_from(
        [
            "Content-Type: text/plain",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Type: text/plain; charset=iso-8859-1",
            "Content-Type: text/plain; charset=utf-7",
            "Content-Type: application/octet-stream",
            "Content-Transfer-Encoding: base64",
            "Content-Transfer-Encoding: quoted-printable",
            "Content-Transfer-Encoding: 8bit",
            "Content-Encoding: gzip",
            'Content-Disposition: form-data; name="shadow"',
            "X-Custom: 1",
        ]
    ),
    max_size=2,
)


_DATA_TAILS = st.sampled_from(
    [b"", b"", b"", b"\r\n", b"\r\n--", b"\n--b0undary", b"--x", b"\xe9", b"\x00", b"\r\n\r\n"]
)


def _rarely(times: int) -> st.SearchStrategy[bool]:
    """True about once in ``times`` draws."""
    return st.sampled_from([False] * (times - 1) + [True])


def _param(key: str, value: str, quoting: str) -> str:
    if quoting == "token":
        return f"{key}={value}"
    if quoting == "escaped":
        return f'{key}="{value.replace(chr(34), chr(92) + chr(34))}"'
    return f'{key}="{value}"'


@st.composite
def _parts(draw: st.DrawFn, eol: bytes) -> bytes:
    params = [_param("name", draw(_NAMES), draw(_QUOTING))]
    if draw(_rarely(5)):
        params.append(_param("name", draw(_NAMES), draw(_QUOTING)))
    if draw(st.booleans()):
        params.append(
            _param("filename", draw(st.sampled_from(["a.txt", "", "../x", "\u00e9.pdf"])), "quoted")
        )
    if draw(_rarely(5)):
        params.append(
            draw(st.sampled_from(["name*=UTF-8''user", "filename*=UTF-8''a.txt", "name*0=user"]))
        )
    params = draw(st.permutations(params))
    disposition = draw(_DISPOSITION) + "".join(f"; {p}" for p in params)
    header = draw(st.sampled_from(["Content-Disposition", "content-disposition"]))
    lines = [f"{header}: {disposition}", *draw(_EXTRA_HEADERS)]
    data = draw(st.sampled_from(PAYLOADS)).encode("utf-8") + draw(_DATA_TAILS)
    return eol.join(line.encode("utf-8") for line in lines) + eol + eol + data


@st.composite
def multipart_requests(draw: st.DrawFn) -> Vector:
    boundary = draw(_BOUNDARIES)
    eol = draw(_EOL)
    quoting = "quoted" if set(boundary) & set("'(),/:=?") else draw(_QUOTING)
    params = [_param("boundary", boundary, quoting)]
    if draw(_rarely(10)):
        params.append(_param("boundary", draw(_BOUNDARIES), "token"))
    if draw(st.booleans()):
        params.append(
            draw(st.sampled_from(["charset=utf-8", "charset=utf-7", "charset=iso-8859-1"]))
        )
    params = draw(st.permutations(params))
    media = draw(
        st.sampled_from(
            ["multipart/form-data", "multipart/form-data", "Multipart/Form-Data", "multipart/mixed"]
        )
    )
    content_type = media + "".join(f"; {p}" for p in params)
    delimiter = b"--" + boundary.encode()
    body = draw(st.sampled_from([b""] * 10 + [b"preamble" + eol, eol]))
    for _ in range(draw(st.integers(1, 3))):
        padding = draw(st.sampled_from([b""] * 8 + [b"  "]))
        body += delimiter + padding + eol + draw(_parts(eol)) + eol
    if not draw(_rarely(5)):
        body += delimiter + b"--" + draw(st.sampled_from([eol, b"", b"\r\nepilogue"]))
    return Vector("fuzz", "multipart", "POST", "/submit", [("Content-Type", content_type)], body)


@FUZZ
@given(vector=multipart_requests())
def test_multipart_fuzz(targets: dict[str, Target], vector: Vector) -> None:
    _through_all(targets, vector)


# Paths ----------------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        *("a", "profile", "alice", "42", "%27", "'", "%20", "+", "=", "%3D", ";", "%3B"),
        *(".", "..", "%2e", "%2E%2e", "%2f", "%2F", "%5c", "%25", "%252f", "%00", "%c0%af"),
        *("%e9", "%C3%A9", "%C3", "%ef%bc%8f", "%ef%bc%87", "%3C", "~", "%7e", ":", "@", ","),
        *("%3F", "%23", "%zz", "%", "%u0027", "\u00e9", "%0d%0a", "%09"),
    ]
)
_QUERY_PIECES = st.one_of(_PIECES, st.sampled_from(["&", "=", "%26", "%3d", "http://", "q", "u"]))
_COOKIE_PIECES = st.sampled_from(
    ["a", "s", "=", ";", " ", '"', "\\047", "\\", "%27", "'", ",", "$Version=1", "x y"]
)


_HEADERS = st.tuples(
    st.sampled_from(
        ["X-User", "x-user", "X_User", "Accept", "Referer", "Connection", "Authorization", "Host"]
    ),
    st.sampled_from(
        [
            "' OR",
            "'1'='1",
            "a",
            "b,c",
            "close",
            "keep-alive, X-User",
            "close, Host",
            "\u00e9",
            "x\ty",
        ]
    ),
)


@st.composite
def path_requests(draw: st.DrawFn) -> Vector:
    """A path, a query, headers and sometimes a cookie, of pieces stacks read apart."""
    pieces = st.lists(_PIECES, min_size=0, max_size=4).map("".join)
    segments = draw(st.lists(pieces, min_size=1, max_size=4))
    prefix = draw(st.sampled_from(["/profile/", "/items/", "/", "//"]))
    query = draw(st.lists(_QUERY_PIECES, max_size=6).map("".join))
    headers: list[tuple[str, str | bytes]] = draw(st.lists(_HEADERS, max_size=3))
    if draw(st.booleans()):
        cookie = draw(st.lists(_COOKIE_PIECES, min_size=1, max_size=8).map("".join))
        headers.append(("Cookie", cookie))
    target = prefix + "/".join(segments) + (f"?{query}" if query else "")
    return Vector("fuzz", "path", "GET", target, headers)


@FUZZ
@given(vector=path_requests())
def test_path_fuzz(targets: dict[str, Target], vector: Vector) -> None:
    _through_all(targets, vector)


# Charsets -------------------------------------------------------------------------------------

_CODECS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "latin-1",
    "utf-7",
    "cp500",
]
_DECLARED = [
    None,
    "utf-8",
    "UTF8",
    "utf-16",
    "utf-16le",
    "utf-32",
    "iso-8859-1",
    "us-ascii",
    "utf-7",
    "shift_jis",
    "bogus",
]
_MEDIA = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    None,
    "application/vnd.x+json",
]


def _encode(text: str, codec: str) -> bytes:
    return text.encode(codec, "replace") if codec != "utf-7" else text.encode("utf-7")


@st.composite
def charset_requests(draw: st.DrawFn) -> Vector:
    """A form or JSON text (whatever the declared media type), encoded in some charset."""
    media = draw(st.sampled_from(_MEDIA))
    declared = draw(st.sampled_from(_DECLARED))
    payload = draw(st.sampled_from(PAYLOADS))
    as_form = media == "application/x-www-form-urlencoded"
    if draw(_rarely(4)):
        as_form = not as_form
    if as_form:
        escaped = draw(st.booleans())
        value = "".join(f"%{b:02X}" for b in payload.encode("utf-8")) if escaped else payload
        text = f"user={value}&n=1"
    else:
        quoted = payload.replace('"', '\\"')
        text = f'{{"user": "{quoted}", "n": 1}}'
    body = _encode(text, draw(st.sampled_from(_CODECS)))
    headers: list[tuple[str, str | bytes]] = []
    if media is not None:
        headers.append(("Content-Type", media + (f"; charset={declared}" if declared else "")))
    return Vector("fuzz", "charset", "POST", "/submit", headers, body)


@FUZZ
@given(vector=charset_requests())
def test_charset_fuzz(targets: dict[str, Target], vector: Vector) -> None:
    _through_all(targets, vector)
