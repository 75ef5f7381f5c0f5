"""Standard request headers: what real clients send follows the grammar, attacks do not."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from vigil.behavior import header_grammar
from vigil.behavior.header_grammar import HEADER_GRAMMARS, conforms, is_standard

BROWSER_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("accept", "*/*"),
        ("accept", BROWSER_ACCEPT),
        ("accept", "application/json"),
        ("accept-language", "en-US,en;q=0.9,fr;q=0.8"),
        ("accept-language", "en_US"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("accept-encoding", ""),
        ("accept-charset", "utf-8, utf-8;q=0.5, *;q=0.5"),
        ("host", "localhost:8080"),
        ("host", "users.default.svc.cluster.local"),
        ("host", "[::1]:8443"),
        ("host", "10.0.0.1"),
        ("cache-control", "no-cache, no-store, must-revalidate"),
        ("cache-control", "max-age=0"),
        ("connection", "keep-alive"),
        ("content-type", "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"),
        ("content-type", "application/json; charset=utf-8"),
        ("referer", "https://shop.example/search?q=o'brien&page=2"),
        ("origin", "https://app.example.com"),
        ("origin", "null"),
        ("if-none-match", 'W/"5e15153d-120f", "abc"'),
        ("if-none-match", "*"),
        ("if-modified-since", "Wed, 21 Oct 2015 07:28:00 GMT"),
        ("sec-fetch-dest", "document"),
        ("sec-fetch-mode", "navigate"),
        ("sec-fetch-site", "same-origin"),
        ("sec-fetch-user", "?1"),
        ("sec-ch-ua", '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"'),
        ("sec-ch-ua", '" Not A;Brand";v="99", "Chromium";v="96"'),
        ("sec-ch-ua-mobile", "?0"),
        ("sec-ch-ua-platform", '"Windows"'),
        ("priority", "u=0, i"),
        ("upgrade-insecure-requests", "1"),
        ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
        ("x-forwarded-for", "203.0.113.195, 70.41.3.18, 2001:db8::1"),
        ("x-request-id", "f058ebd6-02f7-4d3f-942e-904344e8cde5"),
        ("authorization", "Bearer"),
        ("authorization.credentials", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-def_ghi"),
        ("authorization.credentials", 'realm="x", nonce="abc", uri="/", response="d0"'),
        ("forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"),
        ("via", "HTTP/1.1 GWA, 1.1 varnish (Varnish/6.0)"),
        ("range", "bytes=0-1023, 2048-"),
        ("user-agent", "curl/8.5.0"),
        ("user-agent", "Mozilla/5.0 (compatible; Konqueror/3.5; Linux) KHTML/3.5.8 (like Gecko)"),
    ],
)
def test_what_real_clients_send_conforms(name: str, value: str) -> None:
    assert is_standard(name)
    assert conforms(name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("accept", "' OR '1'='1"),
        ("accept-language", "en' or 1=1--"),
        ("host", "evil.com'"),
        ("host", "x;id"),
        ("cache-control", "<script>"),
        ("authorization.credentials", "' OR '1'='1"),
        ("traceparent", "00-' or 1=1"),
        ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"),
        ("sec-fetch-site", "' or 1=1"),
        ("x-request-id", "' OR 1=1 --"),
        ("content-length", "12 "),
        ("user-agent", "a\r\nb"),
        ("x-custom", "anything"),
    ],
)
def test_attacks_and_unknown_headers_do_not_conform(name: str, value: str) -> None:
    assert not conforms(name, value)


def test_every_real_browser_user_agent_conforms() -> None:
    fake_useragent = pytest.importorskip("fake_useragent")
    data = resources.files(fake_useragent).joinpath("data/browsers.jsonl").read_text("utf-8")
    agents = {json.loads(line)["useragent"] for line in data.splitlines() if line.strip()}
    assert [a for a in agents if not conforms("user-agent", a)] == []


def test_values_beyond_the_length_bound_do_not_conform() -> None:
    bound = HEADER_GRAMMARS["host"].max_length
    assert not conforms("host", "a" * (bound + 1))


def test_verdict_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(header_grammar, "CACHE_SIZE", 4)
    monkeypatch.setattr(header_grammar, "_verdicts", {})
    for i in range(10):
        conforms("host", f"h{i}.example")
        assert len(header_grammar._verdicts) <= 4
    conforms("accept", "a/b;" + "x" * header_grammar.CACHE_VALUE_CHARS)
    assert len(header_grammar._verdicts) <= 4
