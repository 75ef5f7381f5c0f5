"""Real clients' request headers: command-line tools, libraries, browsers, bots and probes.

CSIC 2010 was captured from one browser (Konqueror 3.5), so a model learned from it has seen
one User-Agent, one Accept, one Host. Real services are called by curl, Python and Go clients,
every browser, crawlers and health probes. Each normal test request is replayed with the header
set of one of these clients (its own Host, User-Agent, Accept, Accept-Language,
Accept-Encoding, client hints and fetch metadata), the cookie and body headers unchanged.
Browser User-Agents come from fake-useragent's list of real ones, recorded from traffic.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import replace
from importlib import resources

from vigil.evaluation.realworld.people import MissingGenerator
from vigil.http.model import Request

KEPT = frozenset({"cookie", "content-type", "content-length"})
"""Headers of the captured request a client swap keeps: they belong to the exchange."""

HOSTS = ("localhost:8080", "shop.example.com", "10.0.4.12:8080", "tienda.shop.svc.cluster.local")

LANGUAGES = (
    "en-US,en;q=0.9", "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "de-DE,de;q=0.9,en;q=0.8",
    "es-ES,es;q=0.9", "pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7", "ja,en-US;q=0.9,en;q=0.8",
    "zh-CN,zh;q=0.9", "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ar,en;q=0.9", "en-GB,en;q=0.5",
)  # fmt: skip

TOOLS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("user-agent", "curl/8.5.0"), ("accept", "*/*")),
    (
        ("user-agent", "Wget/1.21.4"),
        ("accept", "*/*"),
        ("accept-encoding", "identity"),
        ("connection", "Keep-Alive"),
    ),
    (
        ("user-agent", "python-requests/2.32.3"),
        ("accept-encoding", "gzip, deflate"),
        ("accept", "*/*"),
        ("connection", "keep-alive"),
    ),
    (("accept", "*/*"), ("accept-encoding", "gzip, deflate"), ("user-agent", "python-httpx/0.27.0")),
    (("accept", "*/*"), ("accept-encoding", "gzip, deflate"), ("user-agent", "Python/3.12 aiohttp/3.9.5")),
    (("user-agent", "Go-http-client/1.1"), ("accept-encoding", "gzip")),
    (("accept-encoding", "gzip"), ("user-agent", "okhttp/4.12.0")),
    (("user-agent", "Java-http-client/17.0.9"),),
    (("user-agent", "Apache-HttpClient/4.5.14 (Java/17.0.9)"), ("accept-encoding", "gzip,deflate")),
)  # fmt: skip
"""Command-line tools and HTTP libraries, with the headers they send by default."""

BOTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "kube-probe/1.30",
    "Prometheus/2.53.0",
    "ELB-HealthChecker/2.0",
)
"""Crawlers and health probes."""


def browser_agents() -> list[tuple[str, str]]:
    """(browser family, User-Agent) of fake-useragent's real browsers, sorted, deduplicated."""
    try:
        import fake_useragent  # noqa: PLC0415 - an optional dependency of vigil[eval]
    except ImportError as exc:
        raise MissingGenerator(
            "the client set needs fake-useragent: pip install 'vigil[eval]' (or the dev extras)"
        ) from exc
    text = resources.files(fake_useragent).joinpath("data/browsers.jsonl").read_text("utf-8")
    seen: set[tuple[str, str]] = set()
    for line in text.splitlines():
        if line.strip():
            row = json.loads(line)
            seen.add((str(row["browser"]), str(row["useragent"])))
    return sorted(seen)


def _browser(family: str, agent: str, rng: random.Random) -> list[tuple[str, str]]:
    chromium = "Chrome" in family or family in ("Edge", "Opera", "Samsung Internet", "Google")
    headers = [("user-agent", agent)]
    if chromium and "iOS" not in family:
        major = agent.split("Chrome/", 1)[-1].split(".", 1)[0] if "Chrome/" in agent else "124"
        headers += [
            ("sec-ch-ua", f'"Chromium";v="{major}", "Not-A.Brand";v="99"'),
            ("sec-ch-ua-mobile", "?1" if "Mobile" in family else "?0"),
            ("sec-ch-ua-platform", rng.choice(['"Windows"', '"Android"', '"macOS"', '"Linux"'])),
        ]
    headers += [
        ("upgrade-insecure-requests", "1"),
        (
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
        ),
        ("sec-fetch-site", rng.choice(["none", "same-origin"])),
        ("sec-fetch-mode", "navigate"),
        ("sec-fetch-user", "?1"),
        ("sec-fetch-dest", "document"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("accept-language", rng.choice(LANGUAGES)),
    ]
    if rng.random() < 0.5:
        headers.append(("referer", "https://shop.example.com/tienda1/index.jsp"))
    if rng.random() < 0.3:
        headers.append(("cache-control", "max-age=0"))
    return headers


class Clients:
    """Header sets of real clients, in turn: tools, browsers and bots, reproducibly from ``seed``."""

    def __init__(self, seed: int = 7) -> None:
        self._rng = random.Random(seed)
        self._browsers = browser_agents()

    def headers(self, index: int) -> tuple[str, list[tuple[str, str]]]:
        """The ``index``-th client: a short label and its headers (Host first)."""
        rng = self._rng
        host = ("host", HOSTS[index % len(HOSTS)])
        kind = index % 4
        if kind == 0:
            tool = TOOLS[(index // 4) % len(TOOLS)]
            return dict(tool)["user-agent"], [host, *tool]
        if kind == 3:
            bot = BOTS[(index // 4) % len(BOTS)]
            return bot, [host, ("user-agent", bot), ("accept", "*/*")]
        family, agent = self._browsers[rng.randrange(len(self._browsers))]
        return agent, [host, *_browser(family, agent, rng)]


def client_requests(requests: Iterable[Request], seed: int = 7) -> Iterator[tuple[Request, str]]:
    """Every request of ``requests`` sent by a real client instead of the captured one."""
    clients = Clients(seed)
    for index, request in enumerate(requests):
        label, headers = clients.headers(index)
        kept = [(name, value) for name, value in request.headers if name in KEPT]
        yield replace(request, headers=[*headers, *kept]), label
