"""Where the built-in detectors look: scopes, keys, decoded forms, the path, the cache bound."""

from __future__ import annotations

import pytest

from vigil.http.body import BodyField
from vigil.http.model import Request
from vigil.http.xmlbody import parse_xml
from vigil.signatures import scan
from vigil.signatures.detection import Attack
from vigil.signatures.scan import (
    ALL,
    ANY_HEADER,
    CLIENT_HEADERS,
    COOKIE_SCOPE,
    decoded_again,
    path_fields,
    routed,
    scan_fields,
    scan_request,
    scan_text,
    scope_of,
)


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("query.id", ALL),
        ("json.items[].name", ALL),
        ("cookie.session", COOKIE_SCOPE),
        ("path.2", ALL),
        ("header.user-agent", CLIENT_HEADERS),
        ("header.referer", CLIENT_HEADERS),
        ("header.accept", ANY_HEADER),
        ("header.x-api-version", ANY_HEADER),
    ],
)
def test_scopes(path: str, scope: frozenset[Attack]) -> None:
    assert scope_of(path) == scope


@pytest.mark.parametrize(
    ("text", "again"),
    [
        ("%27%20or%201%3D1", "' or 1=1"),
        ("%uff1cscript%uff1e", "<script>"),
        ("a+b%20c", "a+b c"),
        ("plain", None),
        ("100%", None),
    ],
)
def test_decoded_again(text: str, again: str | None) -> None:
    assert decoded_again(text) == again


def test_plus_is_a_space_only_in_raw_bodies() -> None:
    assert decoded_again("a+b%20c", plus_as_space=True) == "a b c"


def kinds(found: object) -> set[str]:
    return {d.kind.value for d in found}  # type: ignore[attr-defined]


def test_a_double_encoded_attack_is_found_in_its_decoded_form() -> None:
    assert kinds(scan_text("1%2527%2520or%2520%25271%2527%253D%25271")) == set()
    assert kinds(scan_text("1%27%20or%20%271%27%3D%271")) == {"sqli"}


def test_single_words_cost_nothing() -> None:
    assert scan_text("select") == ()
    assert scan_text("") == ()


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ", ["java"]),
        ("ACED00057372", ["java"]),
        ("random", []),
        ("Acer5", []),
    ],
)
def test_a_serialized_java_object_of_letters_and_digits_alone_is_read(
    value: str, found: list[str]
) -> None:
    fields = [BodyField("query.data", value)]
    assert [f.detection.kind.value for f in scan_fields(fields)] == found


def test_headers_are_read_by_their_scope_only() -> None:
    fields = [
        BodyField("header.accept", "' or 1=1 --"),
        BodyField("header.x-api-version", "${jndi:ldap://x.test/a}"),
        BodyField("header.user-agent", "' or 1=1 --"),
    ]
    found = [(f.path, f.detection.kind.value) for f in scan_fields(fields)]
    assert found == [("header.x-api-version", "jndi"), ("header.user-agent", "sqli")]


def test_keys_are_read_and_marked() -> None:
    found = list(
        scan_fields(
            [BodyField("form.pass[$ne]", "x"), BodyField("query.<svg/onload=alert(1)>", "1")]
        )
    )
    assert [(f.path, f.detection.kind.value, f.in_key) for f in found] == [
        ("form.pass[$ne]", "nosql", True),
        ("query.<svg/onload=alert(1)>", "xss", True),
    ]


def test_script_uploads_are_read_in_multipart_file_names_only() -> None:
    fields = [
        BodyField("multipart.avatar.filename", "shell.php"),
        BodyField("query.file", "shell.php"),
    ]
    found = [(f.path, f.detection.kind.value) for f in scan_fields(fields)]
    assert found == [("multipart.avatar.filename", "upload")]


def test_containers_are_skipped() -> None:
    assert list(scan_fields([BodyField("json.a", "", 0, "object", 3)])) == []


def test_only_limits_the_detectors() -> None:
    field = BodyField("query.q", "' or 1=1 -- <script>alert(1)</script>")
    assert kinds(f.detection for f in scan_fields([field])) == {"sqli", "xss"}
    assert kinds(f.detection for f in scan_fields([field], frozenset({Attack.XSS}))) == {"xss"}


def test_the_path_and_its_segments_are_fields() -> None:
    request = Request("GET", "/files/..%2f..%2fetc%2fpasswd/x")
    paths = [f.path for f in path_fields(request)]
    assert paths == ["path", "path.1"]
    found = scan_request(request, [])
    assert {(f.path, f.detection.kind.value) for f in found} == {
        ("path", "traversal"),
        ("path.1", "traversal"),
    }


def found_in(request: Request, fields: list[BodyField]) -> list[tuple[str, str, bool]]:
    return [(f.path, f.detection.kind.value, f.in_key) for f in scan_request(request, fields)]


def test_a_line_break_in_a_parameter_name_is_header_injection() -> None:
    fields = [BodyField("query.\r\nRemote-addr: foo.test", "Y"), BodyField("json.a\nb", "1")]
    assert found_in(Request("GET", "/"), fields) == [
        ("query.\r\nRemote-addr: foo.test", "crlf", True),
        ("json.a\nb", "crlf", True),
    ]


def test_a_line_break_in_the_path_is_header_injection() -> None:
    assert found_in(Request("GET", "/index.php/PHP%0Ainfo.php"), []) == [("path", "crlf", False)]


@pytest.mark.parametrize(
    ("field", "flagged"),
    [
        (BodyField("query._CONF[path]", "https://evil.test"), True),
        (BodyField("form.GALLERY_BASEDIR", "http://evil.test/"), True),
        (BodyField("json.config.rootDir", "ftp://evil.test/"), True),
        (BodyField("multipart.include", "\\\\evil.test\\share"), True),
        (BodyField("query.redirect_path_url", "https://example.org/"), False),
        (BodyField("cookie.basedir", "https://evil.test"), False),
        (BodyField("header.x-path", "https://evil.test"), False),
    ],
)
def test_remote_urls_in_file_system_parameters(field: BodyField, flagged: bool) -> None:
    found = set(found_in(Request("GET", "/"), [field]))
    assert found == ({(field.path, "rfi", False)} if flagged else set())


@pytest.mark.parametrize(
    ("path", "referer", "flagged"),
    [
        ("query.PHPSESSID", "https://evil.test/", True),
        ("query.jsessionid", None, True),
        ("form.ASP.NET_SessionId", "https://evil.test/", True),
        ("query.PHPSESSID", "https://shop.example.org/cart", False),
        ("cookie.PHPSESSID", "https://evil.test/", False),
        ("json.PHPSESSID", "https://evil.test/", False),
        ("query.session_id", "https://checkout.pay.test/", False),
    ],
)
def test_session_ids_in_parameters_are_read_with_the_referer(
    path: str, referer: str | None, flagged: bool
) -> None:
    headers = [("host", "shop.example.org")]
    if referer is not None:
        headers.append(("referer", referer))
    request = Request("GET", "/login", headers=headers)
    found = found_in(request, [BodyField(path, "0123456789abcdef")])
    assert found == ([(path, "session-fixation", False)] if flagged else [])


def test_a_jsessionid_path_parameter_is_the_container_s_own() -> None:
    request = Request("GET", "/shop/cart;jsessionid=0123456789ABCDEF", "item=3")
    assert found_in(request, [BodyField("query.item", "3")]) == []


def test_a_request_line_in_a_parameter_name_is_read() -> None:
    field = BodyField("query.GET http://internal.test/ HTTP/1.1", "")
    assert found_in(Request("GET", "/"), [field]) == [(field.path, "protocol", True)]


def test_a_benign_request_has_no_detection() -> None:
    request = Request("GET", "/users/42", "name=O%27Brien&band=rock+%26+roll")
    fields = [
        BodyField("query.name", "O'Brien"),
        BodyField("query.band", "rock & roll"),
        BodyField(
            "header.user-agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        ),
        BodyField("header.accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
        BodyField("json.comment", "Use `a[i] = b[i] + 1;` inside the loop -- it's faster"),
    ]
    assert scan_request(request, fields) == []


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan, "CACHE_SIZE", 10)
    monkeypatch.setattr(scan, "_cache", {})
    for i in range(25):
        scan_text(f"value {i}")
    assert len(scan._cache) <= 10


def _tables() -> list[tuple[Attack, str]]:
    from . import (
        test_command,
        test_crlf,
        test_java,
        test_jndi,
        test_ldap,
        test_nosql,
        test_php,
        test_protocol,
        test_rfi,
        test_sessionfix,
        test_sqli,
        test_ssrf,
        test_template,
        test_traversal,
        test_xss,
    )

    modules = {
        Attack.SQLI: test_sqli,
        Attack.XSS: test_xss,
        Attack.TRAVERSAL: test_traversal,
        Attack.COMMAND: test_command,
        Attack.SSRF: test_ssrf,
        Attack.TEMPLATE: test_template,
        Attack.JNDI: test_jndi,
        Attack.NOSQL: test_nosql,
        Attack.CRLF: test_crlf,
        Attack.JAVA: test_java,
        Attack.PHP: test_php,
        Attack.RFI: test_rfi,
        Attack.SESSION_FIXATION: test_sessionfix,
        Attack.PROTOCOL: test_protocol,
        Attack.LDAP: test_ldap,
    }
    return [(attack, value) for attack, module in modules.items() for value, _ in module.ATTACKS]


@pytest.mark.parametrize(("attack", "value"), _tables())
def test_every_attack_of_the_tables_is_routed_to_its_detector(attack: Attack, value: str) -> None:
    assert attack in routed(value)


@pytest.mark.parametrize(
    "value", ["tom", "Madrid", "12345", "2026-11-30", "SKU-1234", "Juan Pérez"]
)
def test_ordinary_values_are_routed_nowhere(value: str) -> None:
    assert routed(value) == frozenset()


def test_the_cache_tells_raw_bodies_from_other_values() -> None:
    assert kinds(scan_text("1+union+select+1,2", plus_as_space=True)) == {"sqli"}
    assert kinds(scan_text("1+union+select+1,2")) == set()


def test_encoded_lookups_in_headers_are_read() -> None:
    found = list(scan_fields([BodyField("header.x-api-version", "%24%7Bjndi:ldap://x.test/a%7D")]))
    assert [(f.path, f.detection.kind.value) for f in found] == [("header.x-api-version", "jndi")]


def test_repeated_parameters_are_also_read_joined() -> None:
    fields = [BodyField("query.id", "1 union"), BodyField("query.id", "select 1,2")]
    found = [(f.path, f.detection.kind.value) for f in scan_fields(fields)]
    assert found == [("query.id", "sqli")]


def test_a_payload_behind_padding_is_read_from_the_end() -> None:
    assert kinds(scan_text("x " * 20000 + "' union select null,version()--")) == {"sqli"}


def _xml_fields(body: bytes) -> list[BodyField]:
    return parse_xml(body, "xml", 100).fields


@pytest.mark.parametrize(
    ("body", "path", "attack"),
    [
        pytest.param(
            b"<login><user>tom' or 1=1--</user></login>", "xml.login.user", Attack.SQLI, id="text"
        ),
        pytest.param(
            b'<r><a probe="&lt;script&gt;alert(1)&lt;/script&gt;"/></r>',
            "xml.r.a@probe",
            Attack.XSS,
            id="attribute-with-references",
        ),
        pytest.param(
            b'<r xmlns:z="http://www.w3.org/2001/XInclude"><z:include href="/etc/hosts"/></r>',
            "xml!xinclude",
            Attack.XSS,
            id="xinclude-markup",
        ),
        pytest.param(
            b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
            "xml!doctype",
            Attack.XSS,
            id="external-entity-markup",
        ),
    ],
)
def test_xml_fields_are_read_in_the_body_phase(body: bytes, path: str, attack: Attack) -> None:
    fields = _xml_fields(body)
    found = [(d.path, d.detection.kind) for d in scan_fields(fields, body=True)]
    assert (path, attack) in found
    assert not list(scan_fields(fields, body=False))


def test_benign_xml_elements_named_like_html_tags_are_data() -> None:
    feed = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Rock &amp; roll</title>'
        b'<link href="https://example.org/a"/><meta name="x"/><object>chair</object>'
        b"<style>casual</style><include>fries</include></feed>"
    )
    assert list(scan_fields(_xml_fields(feed))) == []
