"""Session fixation: values that set cookies, and session ids handed in by a lure link."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.http.model import Request
from vigil.signatures.detection import EVIDENCE_LIMIT, Attack
from vigil.signatures.scan import routed
from vigil.signatures.sessionfix import (
    MAX_SCAN,
    Site,
    detect_session_fixation,
    detect_session_parameter,
    is_session_name,
    site_of,
)

ATTACKS = [
    ('<script>document.cookie="sid=123; path=/"</script>', "script assigns document.cookie"),
    (
        "';document.cookie = 'PHPSESSID=abc;domain=.example.org';//",
        "script assigns document.cookie",
    ),
    ("x\";document['cookie']='a=b';", "script assigns document.cookie"),
    ('<meta http-equiv="Set-Cookie" content="JSESSIONID=1">', "meta tag that sets a cookie"),
    ("<META HTTP-EQUIV=set-cookie CONTENT=a=b>", "meta tag that sets a cookie"),
    ("Set-Cookie: sessionid=abc; Path=/", "Set-Cookie header line"),
]

BENIGN = [
    "Cookie policy",
    "How do I read document.cookie in JavaScript?",
    "if (document.cookie == '') {}",
    "We use cookies to keep you logged in.",
    '<meta http-equiv="refresh" content="5">',
    "the Set-Cookie header sets cookies",
    "fortune cookie",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_values_that_set_cookies_are_detected(value: str, reason: str) -> None:
    found = detect_session_fixation(value)
    assert found is not None, value
    assert found.kind is Attack.SESSION_FIXATION
    assert found.reason == reason
    assert Attack.SESSION_FIXATION in routed(value)


@pytest.mark.parametrize("value", BENIGN)
def test_talk_about_cookies_passes(value: str) -> None:
    assert detect_session_fixation(value) is None


@pytest.mark.parametrize(
    ("name", "session"),
    [
        ("JSESSIONID", True),
        ("jsessionid", True),
        ("PHPSESSID", True),
        ("ASP.NET_SessionId", True),
        ("ASPSESSIONIDQQGGGNCS", True),
        ("connect.sid", True),
        ("__Secure-next-auth.session-token", True),
        ("_myapp_session", True),
        ("laravel_session", True),
        ("CFTOKEN", True),
        ("session_id", False),
        ("sessionId", False),
        ("session", False),
        ("sid", False),
        ("token", False),
        ("jsessionid2", False),
        ("_session", False),
    ],
)
def test_session_cookie_names(name: str, session: bool) -> None:
    assert is_session_name(name) is session


def request(*headers: tuple[str, str]) -> Request:
    return Request("GET", "/login", "JSESSIONID=ABC", headers=list(headers))


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ((("host", "shop.example.org"),), "with no Referer"),
        (
            (("host", "shop.example.org"), ("referer", "https://evil.test/lure")),
            "with a Referer from evil.test",
        ),
        (
            (("host", "shop.example.org"), ("referer", "https://evil.shop.example.org/")),
            "with a Referer from evil.shop.example.org",
        ),
        ((("host", "shop.example.org"), ("referer", "http")), "with a Referer that names no host"),
        (
            (("host", "shop.example.org"), ("referer", "https://shop.example.org/cart")),
            "",
        ),
        (
            (("host", "shop.example.org:8443"), ("referer", "https://www.shop.example.org/")),
            "",
        ),
        (
            (
                ("host", "orders.default.svc"),
                ("x-forwarded-host", "shop.example.org"),
                ("referer", "https://shop.example.org/cart"),
            ),
            "",
        ),
        (
            (
                ("host", "orders.default.svc"),
                ("forwarded", 'for=1.2.3.4;host="shop.example.org";proto=https'),
                ("referer", "https://shop.example.org/cart"),
            ),
            "",
        ),
    ],
)
def test_the_referer_decides_whether_a_session_parameter_is_a_lure(
    headers: tuple[tuple[str, str], ...], why: str
) -> None:
    found = detect_session_parameter("JSESSIONID", "ABC", site_of(request(*headers)))
    if not why:
        assert found is None
        return
    assert found is not None
    assert found.kind is Attack.SESSION_FIXATION
    assert found.reason == f"session id in the parameter 'JSESSIONID' {why}"


def test_only_session_names_with_a_value_count() -> None:
    lure = Site("evil.test", frozenset({"shop.example.org"}))
    assert detect_session_parameter("session_id", "cs_test_a1b2", lure) is None
    assert detect_session_parameter("PHPSESSID", "", lure) is None
    assert detect_session_parameter("PHPSESSID", "deadbeef", lure) is not None


def test_unknown_headers_read_as_no_referer() -> None:
    assert site_of(None).foreign == "with no Referer"


_FRAGMENTS = st.sampled_from(
    [
        "document",
        ".",
        "cookie",
        "[",
        "'",
        "]",
        "=",
        "==",
        " ",
        "http-equiv",
        "set-cookie",
        ":",
        "Set-Cookie",
        "a=b",
        ";",
        "<meta ",
    ]
)
_TEXTS = st.lists(_FRAGMENTS | st.text(max_size=10), max_size=12).map("".join)


@given(_TEXTS)
def test_never_raises_and_the_route_never_hides_a_detection(text: str) -> None:
    found = detect_session_fixation(text)
    if found is not None:
        assert Attack.SESSION_FIXATION in routed(text)
        assert len(found.evidence) <= EVIDENCE_LIMIT


@given(_TEXTS, st.text(max_size=300), st.text(max_size=300))
def test_bounded_on_any_text(text: str, referer: str, host: str) -> None:
    padded = text + "x" * MAX_SCAN
    assert detect_session_fixation(padded) == detect_session_fixation(padded[:MAX_SCAN])
    site = site_of(Request("GET", "/", headers=[("host", host), ("referer", referer)]))
    found = detect_session_parameter("PHPSESSID", text or "x", site)
    assert found is None or len(found.evidence) <= EVIDENCE_LIMIT
