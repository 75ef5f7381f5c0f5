"""The parser-differential vectors of issue 7, and ordinary requests that must still pass.

Each vector is one request, written byte for byte, that some mainstream Python stack reads
differently from a naive gate: a value the application parses that the gate would not inspect,
or would inspect decoded differently. The payload is an SQL injection the checks know
(``' OR '1'='1``) or a script tag, so a miss is a real bypass, not a cosmetic difference.
``benign`` vectors are what browsers, curl and HTTP libraries send: they must reach the
application. The classes (``part``) follow docs/gate.md's parsing table.
"""

from __future__ import annotations

import base64
import gzip
from dataclasses import dataclass, field

from tests.differential.client import HeaderValue, build

SQLI = "' OR '1'='1"
SQLI_URL = "%27%20OR%20%271%27%3D%271"
SQLI_FORM = "%27+OR+%271%27%3D%271"


@dataclass(frozen=True)
class Vector:
    """One request of the suite."""

    name: str
    part: str
    method: str
    target: str | bytes
    headers: list[tuple[str, HeaderValue]] = field(default_factory=list)
    body: bytes = b""
    benign: bool = False
    """An ordinary request: it must reach the application."""
    chunked: bool = False
    trailers: list[tuple[str, HeaderValue]] = field(default_factory=list)
    version: str = "1.1"
    refused: bool = False
    """The gate's documented answer is a refusal in every adapter: no application sees it."""
    proxy_refuses: bool = False
    """The reverse proxy refuses it (framing that the middlewares' servers handle themselves)."""
    not_forwarded: tuple[str, ...] = ()
    """Header names the reverse proxy must not pass to the application."""

    def raw(self, request_id: str) -> bytes:
        """The request's bytes, carrying ``request_id``."""
        return build(
            self.method,
            self.target,
            self.headers,
            self.body,
            request_id=request_id,
            chunked=self.chunked,
            trailers=self.trailers,
            version=self.version,
        )


CRLF = b"\r\n"


def part(disposition: str | bytes, data: bytes, *extra: str | bytes, eol: bytes = CRLF) -> bytes:
    """One multipart part: its headers (Content-Disposition first) and its data."""
    lines = [b"Content-Disposition: " + _b(disposition), *(_b(e) for e in extra)]
    return eol.join(lines) + eol + eol + data


def multipart(
    boundary: str,
    parts: list[bytes],
    *,
    eol: bytes = CRLF,
    preamble: bytes = b"",
    epilogue: bytes = b"",
    close: bool = True,
) -> bytes:
    """A multipart body: ``--boundary`` before each part, the close delimiter last."""
    b = boundary.encode()
    body = preamble
    for item in parts:
        body += b"--" + b + eol + item + eol
    if close:
        body += b"--" + b + b"--" + eol
    return body + epilogue


def _b(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _form(ct: str, body: bytes, name: str, *, refused: bool = True) -> Vector:
    return Vector(
        name, "multipart", "POST", "/submit", [("Content-Type", ct)], body, refused=refused
    )


B = "vigilBoundary7MA4YWxkTrZu0gW"
MP = f"multipart/form-data; boundary={B}"
USER = 'form-data; name="username"'
PAYLOAD = SQLI.encode()


def _client_multipart() -> list[Vector]:
    """Multipart bodies laid out as common HTTP clients lay them out: all must pass."""

    def client(name: str, boundary: str, content_type: str, parts: list[bytes]) -> Vector:
        body = multipart(boundary, parts)
        return Vector(
            name,
            "multipart",
            "POST",
            "/submit",
            [("Content-Type", content_type)],
            body,
            benign=True,
        )

    curl = "------------------------d74496d66958873e"
    requests = "7d1c2bd0a9b44b14a1cfa1e5e1e9d4b2"
    dotnet = "a7f3c2e1-9b1d-4d7e-8c1a-2f6b5e4d3c21"
    okhttp = "3a6f0c2e-8d4b-4c1a-9e7f-5b2d1c0a9e8f"
    return [
        client(
            "curl -F layout",
            curl,
            f"multipart/form-data; boundary={curl}",
            [
                part(USER, b"alice"),
                part('form-data; name="cv"; filename="cv.txt"', b"hi", "Content-Type: text/plain"),
            ],
        ),
        client(
            "python-requests layout",
            requests,
            f"multipart/form-data; boundary={requests}",
            [
                part(USER, b"alice"),
                part(
                    'form-data; name="file"; filename="a.bin"',
                    b"\x00\x01",
                    "Content-Type: application/octet-stream",
                ),
            ],
        ),
        client(
            ".NET HttpClient layout (unquoted name, quoted boundary, part charset)",
            dotnet,
            f'multipart/form-data; boundary="{dotnet}"',
            [part("form-data; name=username", b"alice", "Content-Type: text/plain; charset=utf-8")],
        ),
        client(
            "OkHttp layout (part Content-Length)",
            okhttp,
            f"multipart/form-data; boundary={okhttp}",
            [part(USER, b"alice", "Content-Length: 5")],
        ),
    ]


def _multipart_vectors() -> list[Vector]:
    ok = [
        part(USER, b"alice"),
        part(
            'form-data; name="avatar"; filename="me.png"', b"\x89PNG...", "Content-Type: image/png"
        ),
    ]
    return [
        Vector(
            "browser multipart",
            "multipart",
            "POST",
            "/submit",
            [("Content-Type", MP)],
            multipart(B, ok),
            benign=True,
        ),
        Vector(
            "multipart, non-ASCII file name and empty file input",
            "multipart",
            "POST",
            "/submit",
            [("Content-Type", MP)],
            multipart(
                B,
                [
                    part(USER, "José".encode()),
                    part(
                        'form-data; name="cv"; filename="résumé.pdf"'.encode(),
                        b"%PDF-1.4",
                        "Content-Type: application/pdf",
                    ),
                    part(
                        'form-data; name="empty"; filename=""',
                        b"",
                        "Content-Type: application/octet-stream",
                    ),
                ],
            ),
            benign=True,
        ),
        Vector(
            "multipart, quoted boundary and charset=utf-8",
            "multipart",
            "POST",
            "/submit",
            [("Content-Type", f'multipart/form-data; charset=utf-8; boundary="{B}"')],
            multipart(B, [part(USER, b"alice")]),
            benign=True,
        ),
        _form(
            f"multipart/form-data; boundary=AAA; boundary={B}",
            multipart(B, [part(USER, PAYLOAD)]),
            "two boundary parameters, body in the last",
        ),
        _form(
            f"multipart/form-data; boundary={B}; boundary=AAA",
            multipart(B, [part(USER, PAYLOAD)]),
            "two boundary parameters, body in the first",
        ),
        _form(
            f'multipart/form-data; boundary="AAA"; BOUNDARY={B}',
            multipart(B, [part(USER, PAYLOAD)]),
            "boundary parameter repeated in another case",
        ),
        _form(
            MP,
            multipart(B, [part('form-data; name="decoy"; name="username"', PAYLOAD)]),
            "duplicate name parameters",
        ),
        _form(
            MP,
            multipart(B, [part("form-data; name=\"decoy\"; name*=UTF-8''username", PAYLOAD)]),
            "RFC 5987 name*",
        ),
        _form(
            MP,
            multipart(B, [part("form-data; name=\"username\"; filename*=UTF-8''x.txt", PAYLOAD)]),
            "RFC 5987 filename* only: file or field?",
        ),
        _form(
            MP,
            multipart(
                B,
                [
                    part(
                        'form-data; name="up"; filename="a.txt"; filename*=UTF-8\'\'%27%20OR%201=1.txt',
                        b"x",
                    )
                ],
            ),
            "filename and a different filename*",
        ),
        _form(
            MP,
            multipart(B, [part('form-data; name*0="user"; name*1="name"', PAYLOAD)]),
            "RFC 2231 continuations",
        ),
        _form(
            MP,
            multipart(
                B, [part(USER, base64.b64encode(PAYLOAD), "Content-Transfer-Encoding: base64")]
            ),
            "part in base64 transfer encoding",
        ),
        _form(
            MP,
            multipart(
                B,
                [
                    part(
                        USER,
                        b"=27 OR =271=27=3D=271",
                        "Content-Transfer-Encoding: quoted-printable",
                    )
                ],
            ),
            "part in quoted-printable",
        ),
        _form(
            MP,
            multipart(B, [part(USER, gzip.compress(PAYLOAD), "Content-Encoding: gzip")]),
            "gzip part",
        ),
        _form(MP, multipart(B, [part(USER, PAYLOAD)], eol=b"\n"), "LF line ends"),
        _form(MP, multipart(B, [part(USER, PAYLOAD)], preamble=b"preamble\r\n"), "preamble"),
        _form(
            MP,
            multipart(
                B,
                [part(USER, b"alice")],
                epilogue=b"\r\n--"
                + B.encode()
                + b"\r\n"
                + part('form-data; name="role"', PAYLOAD)
                + b"\r\n--"
                + B.encode()
                + b"--\r\n",
            ),
            "a part after the close delimiter",
        ),
        _form(MP, multipart(B, [part(USER, PAYLOAD)], close=False), "no close delimiter"),
        _form(
            MP,
            (
                b"--"
                + B.encode()
                + b"   \r\n"
                + part(USER, PAYLOAD)
                + b"\r\n--"
                + B.encode()
                + b"--\r\n"
            ),
            "whitespace after the delimiter",
        ),
        _form(
            MP,
            multipart(
                B,
                [
                    part(
                        'form-data; name="decoy"',
                        PAYLOAD,
                        'Content-Disposition: form-data; name="username"',
                    )
                ],
            ),
            "two Content-Disposition headers",
        ),
        _form(
            MP,
            multipart(
                B, [b'Content-Disposition: form-data;\r\n name="username"\r\n\r\n' + PAYLOAD]
            ),
            "folded Content-Disposition",
        ),
        _form(
            MP,
            multipart(B, [part('form-data; name="user\\"name"', PAYLOAD)]),
            "backslash escape in name",
        ),
        _form(MP, multipart(B, [part('form-data; name="user%22name"', PAYLOAD)]), "%22 in name"),
        _form(
            MP,
            multipart(B, [part('form-data; name="/username"', PAYLOAD)]),
            "leading slash in name",
        ),
        _form(
            MP,
            multipart(B, [part('form-data; NAME="username"', PAYLOAD)]),
            "upper-case parameter name",
            refused=False,
        ),
        _form(
            MP,
            multipart(B, [part("form-data; name=username", PAYLOAD)]),
            "unquoted name",
            refused=False,
        ),
        _form(
            MP,
            multipart(B, [part("form-data; name=user name", PAYLOAD)]),
            "unquoted name with a space",
        ),
        _form(
            MP,
            multipart(B, [part('form-data; name="a;b"; filename="x;y.txt"', PAYLOAD)]),
            "semicolons in quotes",
            refused=False,
        ),
        _form(
            MP,
            multipart(
                B,
                [
                    part(
                        USER,
                        b"+ACc- OR +ACc-1+ACc-=+ACc-1",
                        "Content-Type: text/plain; charset=utf-7",
                    )
                ],
            ),
            "part charset utf-7",
        ),
        _form(
            f"{MP}; charset=utf-7",
            multipart(B, [part(USER, b"+ACc- OR +ACc-1+ACc-=+ACc-1")]),
            "multipart charset utf-7",
        ),
        _form(
            MP,
            multipart(B, [part('attachment; name="username"', PAYLOAD)]),
            "attachment disposition",
        ),
        _form(
            MP,
            multipart(B, [b"Content-Type: text/plain\r\n\r\n" + PAYLOAD]),
            "part without disposition",
        ),
        _form(
            MP,
            multipart(B, [part('form-data; name="username"; filename=""', PAYLOAD)]),
            "empty filename with content",
        ),
        _form(
            f"multipart/mixed; boundary={B}",
            multipart(B, [part(USER, PAYLOAD)]),
            "multipart/mixed",
            refused=False,
        ),
        _form(
            f"Multipart/Form-Data; Boundary={B}",
            multipart(B, [part(USER, PAYLOAD)]),
            "media type and parameter in capitals",
            refused=False,
        ),
        _form(
            MP,
            multipart(B, [part(USER, b"x\r\n--" + B.encode() + b"x\r\n" + PAYLOAD)]),
            "fake delimiter inside a value",
        ),
        _form(
            MP,
            multipart(B, [part(USER, PAYLOAD, "Content-Type: multipart/mixed; boundary=inner")]),
            "nested multipart part",
            refused=False,
        ),
        _form(
            MP,
            multipart(
                B,
                [
                    part(
                        'form-data; name="username"',
                        PAYLOAD,
                        'content-disposition: form-data; name="x"',
                    )
                ],
            ),
            "second disposition in lower case",
        ),
    ]


def _path_vectors() -> list[Vector]:
    refused = {
        "encoded slash in a segment (issue 7)": f"/profile%2f{SQLI_URL}",
        "encoded slash, upper case": f"/profile%2F{SQLI_URL}",
        "encoded slash inside a parameter": f"/profile/x%2F{SQLI_URL}",
        "encoded dot segments": f"/profile/%2e%2e/{SQLI_URL}",
        "dot segment": f"/items/{SQLI_URL}/..",
        "single dot segment": f"/profile/./{SQLI_URL}",
        "dot-dot then encoded slash": f"/profile/..%2f{SQLI_URL}",
        "encoded backslash": f"/profile/a%5c{SQLI_URL}",
        "leading double slash (gunicorn drops it)": f"//profile/{SQLI_URL}",
        "leading triple slash": f"///items/a/{SQLI_URL}",
    }
    targets = {
        "semicolon path parameter": f"/profile/alice;{SQLI_URL}",
        "empty segment": f"/profile//{SQLI_URL}",
        "fullwidth solidus": f"/profile/a%ef%bc%8f{SQLI_URL}",
        "overlong slash": f"/profile/a%c0%af{SQLI_URL}",
        "non-UTF-8 byte": f"/profile/%E9{SQLI_URL}",
        "NUL byte": f"/profile/a%00{SQLI_URL}",
        "double-encoded slash": f"/profile/a%252f{SQLI_URL}",
        "fragment": f"/profile/{SQLI_URL}#frag",
        "encoded question mark": f"/profile/a%3F{SQLI_URL}",
    }
    vectors = [
        Vector(name, "path", "GET", target, refused=True) for name, target in refused.items()
    ]
    vectors += [Vector(name, "path", "GET", target) for name, target in targets.items()]
    vectors.append(Vector("plain profile", "path", "GET", "/profile/alice?tab=posts", benign=True))
    vectors.append(
        Vector("raw UTF-8 in the target", "path", "GET", "/profile/caf\u00e9?q=\u00e9%27".encode())
    )
    vectors.append(Vector("bad escapes", "path", "GET", f"/profile/%zz%{SQLI_URL}?q=%%27%u0027"))
    vectors.append(Vector("UTF-8 in a segment", "path", "GET", "/profile/Jos%C3%A9", benign=True))
    vectors.append(
        Vector("raw backslash", "path", "GET", b"/profile/a\\" + SQLI_URL.encode(), refused=True)
    )
    return vectors


def _target_vectors() -> list[Vector]:
    return [
        Vector("absolute-form", "target", "GET", f"http://app.test/profile/{SQLI_URL}"),
        Vector("absolute-form, https", "target", "GET", f"https://app.test/items/a/{SQLI_URL}"),
        Vector(
            "'://' in the query (issue 7)",
            "target",
            "GET",
            f"/s?q=http://x/{SQLI_URL}",
            benign=False,
        ),
        Vector("'://' early in the query", "target", "GET", f"/?u=ftp://{SQLI_URL}"),
        Vector(
            "URL in a query value",
            "target",
            "GET",
            "/search?next=https://app.test/home",
            benign=True,
        ),
    ]


def _query_vectors() -> list[Vector]:
    return [
        Vector("semicolon separator", "query", "GET", f"/profile/a?x=1;username={SQLI_URL}"),
        Vector("repeated key", "query", "GET", f"/profile/a?username=ok&username={SQLI_URL}"),
        Vector("encoded key", "query", "GET", f"/profile/a?%75sername={SQLI_URL}"),
        Vector("key without value", "query", "GET", f"/profile/a?{SQLI_URL}"),
        Vector("plus and encoded ampersand", "query", "GET", f"/p?q=a+b%26c={SQLI_URL}"),
        Vector(
            "ordinary query", "query", "GET", "/profile/a?q=caf%C3%A9+au+lait&page=2", benign=True
        ),
    ]


def _charset_vectors() -> list[Vector]:
    form = f"username={SQLI_FORM}&note=ok".encode()
    json_doc = '{"q": "<script>alert(1)</script>", "user": "' + SQLI + '"}'
    utf7 = b'{"q": "+ADw-script+AD4-alert(1)+ADw-/script+AD4-"}'

    def post(
        name: str, ct: str | None, body: bytes, benign: bool = False, refused: bool = False
    ) -> Vector:
        headers: list[tuple[str, HeaderValue]] = [] if ct is None else [("Content-Type", ct)]
        return Vector(name, "charset", "POST", "/submit", headers, body, benign, refused=refused)

    return [
        post("form", "application/x-www-form-urlencoded", form, benign=True),
        post(
            "form, charset=UTF-8",
            "application/x-www-form-urlencoded; charset=UTF-8",
            form,
            benign=True,
        ),
        post(
            "form, UTF-8 value",
            "application/x-www-form-urlencoded",
            b"name=Garc%C3%ADa-L%C3%B3pez&city=M%C3%BCnchen",
            benign=True,
        ),
        post(
            "JSON",
            "application/json",
            json_doc.replace("<", "x").replace("'", "x").encode(),
            benign=True,
        ),
        post(
            "JSON, charset=utf-8",
            "application/json; charset=utf-8",
            '{"name": "Anne-Sophie", "city": "Zürich"}'.encode(),
            benign=True,
        ),
        post(
            "form, charset=utf-7",
            "application/x-www-form-urlencoded; charset=utf-7",
            b"username=+ACc- OR +ACc-1+ACc-=+ACc-1",
            refused=True,
        ),
        post(
            "form, charset=utf-16",
            "application/x-www-form-urlencoded; charset=utf-16",
            form.decode().encode("utf-16"),
            refused=True,
        ),
        post(
            "form, charset=utf-16le no BOM",
            "application/x-www-form-urlencoded; charset=utf-16le",
            form.decode().encode("utf-16-le"),
            refused=True,
        ),
        post(
            "form, charset=latin-1 with escapes",
            "application/x-www-form-urlencoded; charset=iso-8859-1",
            b"name=Garc%EDa&note=%C3%A9" + b"&user=" + SQLI_FORM.encode(),
            refused=True,
        ),
        post(
            "form, raw latin-1 bytes",
            "application/x-www-form-urlencoded",
            b"name=Garc\xeda&user=" + SQLI_FORM.encode(),
        ),
        post(
            "form, cp500 (EBCDIC)",
            "application/x-www-form-urlencoded; charset=cp500",
            "username=' OR '1'='1".encode("cp500"),
            refused=True,
        ),
        post("JSON, charset=utf-7", "application/json; charset=utf-7", utf7, refused=True),
        post("JSON, UTF-16LE with BOM", "application/json", json_doc.encode("utf-16")),
        post("JSON, UTF-16BE without BOM", "application/json", json_doc.encode("utf-16-be")),
        post("JSON, UTF-32", "application/json", json_doc.encode("utf-32")),
        post(
            "JSON, UTF-16 declared", "application/json; charset=utf-16", json_doc.encode("utf-16")
        ),
        post("JSON, UTF-8 BOM", "application/json", b"\xef\xbb\xbf" + json_doc.encode()),
        post(
            "JSON, two charsets",
            "application/json; charset=utf-8; charset=utf-7",
            utf7,
            refused=True,
        ),
        post(
            "JSON, latin-1 declared, non-ASCII",
            "application/json; charset=iso-8859-1",
            '{"q": "café", "u": "'.encode() + SQLI.encode() + b'"}',
            refused=True,
        ),
        post(
            "JSON as text/plain, escaped quote",
            "text/plain",
            b'{"user": "\\u0027 OR \\u00271\\u0027=\\u00271"}',
        ),
        post(
            "JSON declared as a form",
            "application/x-www-form-urlencoded",
            b'{"user": "\\u0027 OR 1=1 --", "q": "<script>"}',
        ),
        post("JSON without a content type", None, b'{"user": "\\u0027 OR 1=1 --"}'),
        post("JSON, escaped tag", "application/json", b'{"q": "\\u003cscript\\u003e"}'),
        post(
            "JSON with NaN next to a payload",
            "application/json",
            b'{"n": NaN, "user": "' + SQLI.encode() + b'"}',
        ),
        post(
            "JSON with a big integer",
            "application/json",
            b'{"id": 123456789012345678901234567890, "user": "' + SQLI.encode() + b'"}',
        ),
        post(
            "JSON with a lone surrogate",
            "application/json",
            b'{"s": "\\ud800", "user": "' + SQLI.encode() + b'"}',
        ),
        post(
            "JSON duplicate keys",
            "application/json",
            b'{"user": "alice", "user": "' + SQLI.encode() + b'"}',
        ),
        post(
            "JSON, +json media type",
            "application/vnd.api+json",
            b'{"user": "' + SQLI.encode() + b'"}',
        ),
    ]


def _unicode_vectors() -> list[Vector]:
    return [
        Vector("= with combining long solidus", "unicode", "GET", "/p?q=1%3D%CC%B81"),
        Vector(
            "< with combining long solidus",
            "unicode",
            "GET",
            "/p?q=%3C%CC%B8script%3Ealert(1)%3C/script%3E",
        ),
        Vector("> with combining solidus", "unicode", "GET", "/p?q=a%3E%CC%B8b"),
        Vector("fullwidth quote", "unicode", "GET", "/p?q=%EF%BC%87%20OR%201=1"),
        Vector(
            "combining in JSON",
            "unicode",
            "POST",
            "/submit",
            [("Content-Type", "application/json")],
            '{"q": "1=\u03381"}'.encode(),
        ),
    ]


def _header_vectors() -> list[Vector]:
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    body = f"username={SQLI_FORM}".encode()
    return [
        Vector(
            "ordinary headers",
            "header",
            "GET",
            "/profile/a",
            [
                ("User-Agent", "curl/8.5.0"),
                ("Accept", "*/*"),
                ("X-Custom", "hello world"),
                ("Cookie", "session=abc123; theme=dark"),
            ],
            benign=True,
        ),
        Vector(
            "trailer field",
            "header",
            "POST",
            "/submit",
            form,
            body,
            chunked=True,
            trailers=[("X-User", SQLI)],
            not_forwarded=("x-user",),
        ),
        Vector(
            "trailer after a Trailer header",
            "header",
            "POST",
            "/submit",
            [*form, ("Trailer", "X-User")],
            body,
            chunked=True,
            trailers=[("X-User", SQLI)],
            not_forwarded=("x-user",),
        ),
        Vector(
            "Connection names Host",
            "header",
            "GET",
            f"/profile/{SQLI_URL}",
            [("Connection", "close, Host")],
            refused=True,
        ),
        Vector(
            "Connection names Content-Type",
            "header",
            "POST",
            "/submit",
            [("Content-Type", "application/json"), ("Connection", "close, Content-Type")],
            b'{"user": "' + SQLI.encode() + b'"}',
            refused=True,
        ),
        Vector(
            "Connection names Cookie",
            "header",
            "GET",
            "/profile/a",
            [("Cookie", f"user={SQLI_URL}"), ("Connection", "close, Cookie")],
            refused=True,
        ),
        Vector(
            "Connection names a custom header",
            "header",
            "GET",
            "/profile/a",
            [("X-Debug", "1"), ("Connection", "close, X-Debug")],
            not_forwarded=("x-debug",),
        ),
        Vector(
            "underscore in a header name",
            "header",
            "GET",
            "/profile/a",
            [("X_User", SQLI)],
            not_forwarded=("x_user",),
        ),
        Vector(
            "underscore shadowing a header",
            "header",
            "GET",
            "/profile/a",
            [("X-User", "alice"), ("X_User", SQLI)],
            not_forwarded=("x_user",),
        ),
        Vector(
            "Content_Type next to Content-Type",
            "header",
            "POST",
            "/submit",
            [("Content-Type", "text/plain"), ("Content_Type", "application/x-www-form-urlencoded")],
            body,
            not_forwarded=("content_type",),
        ),
        Vector(
            "two Transfer-Encoding headers",
            "header",
            "POST",
            "/submit",
            [*form, ("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")],
            body,
            chunked=True,
            proxy_refuses=True,
        ),
        Vector(
            "Transfer-Encoding gzip then chunked headers",
            "header",
            "POST",
            "/submit",
            [*form, ("Transfer-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
            body,
            chunked=True,
            proxy_refuses=True,
        ),
        Vector(
            "Transfer-Encoding: gzip, chunked",
            "header",
            "POST",
            "/submit",
            [*form, ("Transfer-Encoding", "gzip, chunked")],
            body,
            chunked=True,
            proxy_refuses=True,
        ),
        Vector(
            "Transfer-Encoding in HTTP/1.0",
            "header",
            "POST",
            "/submit",
            [*form, ("Host", "app.test")],
            body,
            chunked=True,
            version="1.0",
            proxy_refuses=True,
        ),
        Vector(
            "two Host headers",
            "header",
            "GET",
            "/profile/a",
            [("Host", "app.test"), ("Host", "admin.internal")],
            refused=True,
        ),
        Vector(
            "two Content-Type headers",
            "header",
            "POST",
            "/submit",
            [("Content-Type", "text/plain"), ("Content-Type", "application/x-www-form-urlencoded")],
            body,
            refused=True,
        ),
        Vector(
            "two Cookie headers",
            "header",
            "GET",
            "/profile/a",
            [("Cookie", "a=1"), ("Cookie", f"user={SQLI_URL}")],
        ),
        Vector(
            "quoted cookie with octal escapes",
            "header",
            "GET",
            "/profile/a",
            [("Cookie", 'session="\\047 OR \\0471\\047=\\0471"')],
        ),
        Vector("cookie without a name", "header", "GET", "/profile/a", [("Cookie", "' OR 1 --")]),
        Vector(
            "cookie hidden after whitespace (aiohttp reads it)",
            "header",
            "GET",
            "/profile/a",
            [("Cookie", f"theme=dark user={SQLI_URL}")],
            refused=True,
        ),
        Vector(
            "quoted cookie value holding ';' (Starlette splits it, the others do not)",
            "header",
            "GET",
            "/profile/a",
            [("Cookie", 'theme="dark; user=' + SQLI_URL + '"')],
            refused=True,
        ),
        Vector(
            "cookie value with a space",
            "header",
            "GET",
            "/profile/a",
            [("Cookie", 'loc=New York; q="quoted"')],
            benign=True,
        ),
        Vector(
            "curl -d with raw UTF-8",
            "header",
            "POST",
            "/submit",
            [("Content-Type", "application/x-www-form-urlencoded")],
            "name=Jos\u00e9&city=M\u00fcnchen".encode(),
            benign=True,
        ),
        Vector("Latin-1 header value", "header", "GET", "/profile/a", [("X-Name", b"Garc\xeda")]),
        Vector(
            "a header twice, payload split across them",
            "header",
            "GET",
            "/profile/a",
            [("X-User", "' OR"), ("X-User", "'1'='1")],
        ),
        Vector(
            "two Authorization headers",
            "header",
            "GET",
            "/profile/a",
            [("Authorization", "Bearer abc"), ("Authorization", f"Bearer {SQLI}")],
            proxy_refuses=True,
        ),
    ]


VECTORS: list[Vector] = [
    *_client_multipart(),
    *_multipart_vectors(),
    *_path_vectors(),
    *_target_vectors(),
    *_query_vectors(),
    *_charset_vectors(),
    *_unicode_vectors(),
    *_header_vectors(),
]
"""Every vector of the suite, in docs/gate.md's order."""
