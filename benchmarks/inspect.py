"""Inspections per second of the pure core: a typical GET and 2 KiB JSON and XML POSTs, varied values.

Every request carries values of its own (a fresh search word, page, session cookie and request
id per GET; fresh names, e-mails, SKUs, quantities and notes per POST), and the pools are larger
than every cache of the core (profiles, clean-value memos, header verdicts), so no cache can make
the number: each inspection profiles and judges values it never saw. Headers are drawn from
pools of real clients' values, as a service receives them. The third row is the same POST
whose notes are a few words with spaces (free text): spaces may carry SQL, so such fields take
the checks for dangerous structure, where single words do not. The fourth row is the order as
an XML document (``application/xml``), read field by field; its baseline parses it with
``xml.etree.ElementTree`` instead of ``orjson``.

Rates are per CPU second of the process (one core's work, whatever else the machine runs).
Prints each rate next to a baseline measured in the same run (``urllib.parse.parse_qsl`` of the
query plus ``orjson.loads`` of the body: the least work any inspector must do), because these
machines are noisy. Targets (issue 7): the 2 KiB JSON POST at >= 20,000 inspections/s and the
GET at >= 40,000/s on one core (shown for the free-text POST too).

Usage: python benchmarks/inspect.py [--seconds 2] [--profile GET|POST|text]
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [
    p for p in sys.path if str(Path(p or ".").resolve()) != _HERE
]  # this file shadows stdlib inspect

import argparse  # noqa: E402
import random  # noqa: E402
import string  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from urllib.parse import parse_qsl, quote  # noqa: E402
from xml.etree import ElementTree  # noqa: E402

import orjson  # noqa: E402

from vigil.behavior.decision import Mode  # noqa: E402
from vigil.behavior.engine import Engine  # noqa: E402
from vigil.http.model import Request  # noqa: E402

AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Go-http-client/1.1",
)
ACCEPTS = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/json",
    "*/*",
    "application/json, text/plain, */*",
)
LANGUAGES = ("en-US,en;q=0.5", "fr-FR,fr;q=0.9,en;q=0.8", "de-DE,de;q=0.9", "es-ES,es;q=0.9")
ENCODINGS = ("gzip, deflate, br", "gzip, deflate, br, zstd", "gzip")


def _word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def _headers(rng: random.Random) -> list[tuple[str, str]]:
    return [
        ("host", "shop.example"),
        ("user-agent", rng.choice(AGENTS)),
        ("accept", rng.choice(ACCEPTS)),
        ("accept-language", rng.choice(LANGUAGES)),
        ("accept-encoding", rng.choice(ENCODINGS)),
        ("connection", "keep-alive"),
        ("cookie", f"session={rng.getrandbits(128):032x}; theme={rng.choice(['dark', 'light'])}"),
        ("upgrade-insecure-requests", "1"),
        ("cache-control", rng.choice(["max-age=0", "no-cache"])),
        ("x-request-id", f"{rng.getrandbits(64):016x}"),
    ]


def make_get(rng: random.Random) -> Request:
    """A search GET: 3 query parameters, 10 headers, every value varied."""
    word = quote(_word(rng, rng.randint(3, 10)) + rng.choice(["", " " + _word(rng, 5)]))
    query = f"q={word}&page={rng.randint(1, 50)}&sort={rng.choice(['asc', 'desc'])}"
    return Request("GET", "/search", query, _headers(rng))


def make_post(rng: random.Random, free_text: bool = False) -> Request:
    """An order POST: a 2 KiB JSON document of 32 items, every value varied. With
    ``free_text``, each item's note is a few words separated by spaces (``POST /reviews``)."""
    items = [
        {"sku": f"SKU-{rng.randint(1000, 9999)}", "qty": rng.randint(1, 5), "note": _note(rng)}
        if free_text
        else {
            "sku": f"SKU-{rng.randint(1000, 9999)}",
            "qty": rng.randint(1, 5),
            "note": _word(rng, 20),
        }
        for _ in range(32)
    ]
    doc = {
        "customer": {"name": _word(rng, 8).title(), "email": f"{_word(rng, 6)}@example.com"},
        "items": items,
    }
    headers = [*_headers(rng), ("content-type", "application/json")]
    return Request("POST", "/reviews" if free_text else "/orders", "", headers, orjson.dumps(doc))


def make_xml(rng: random.Random) -> Request:
    """The order POST as an XML document of 32 items (~2 KiB), every value varied."""
    items = "".join(
        f'<item sku="SKU-{rng.randint(1000, 9999)}"><qty>{rng.randint(1, 5)}</qty>'
        f"<note>{_word(rng, 20)}</note></item>"
        for _ in range(32)
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><order xmlns="urn:shop">'
        f"<customer><name>{_word(rng, 8).title()}</name>"
        f"<email>{_word(rng, 6)}@example.com</email></customer>{items}</order>"
    )
    headers = [*_headers(rng), ("content-type", "application/xml")]
    return Request("POST", "/orders.xml", "", headers, body.encode())


def _note(rng: random.Random) -> str:
    words = [_word(rng, rng.randint(2, 8)) for _ in range(rng.randint(2, 4))]
    return " ".join(words)[:20]


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per CPU second of ``fn`` over about ``seconds`` of this process's CPU time.

    CPU time, not wall time: on a machine shared with other jobs the process waits for a core,
    and "per second on one core" means per second of one core's work.
    """
    count = 0
    start = time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(100):
            fn()
        count += 100
        now = time.process_time()
        if now >= deadline:
            return count / (now - start)


LEARNING_CLIENTS = 50
"""Distinct clients of the learning traffic (support is counted in clients and time windows)."""


def _from_client(request: Request, index: int) -> Request:
    request.client = f"10.0.{index % LEARNING_CLIENTS}.1"
    request.received_at = 1_700_000_000.0 + index
    return request


def trained_engine(rng: random.Random) -> Engine:
    """An enforcing engine that learned 2,000 GETs and 2,000 POSTs of each kind (JSON, JSON
    text, XML) from 50 clients over an hour."""
    engine = Engine()
    for i in range(2000):
        engine.observe(engine.inspect_request(_from_client(make_get(rng), i)))
        engine.observe(engine.inspect_request(_from_client(make_post(rng), i)))
        engine.observe(engine.inspect_request(_from_client(make_post(rng, True), i)))
        engine.observe(engine.inspect_request(_from_client(make_xml(rng), i)))
    engine.learn()
    engine.set_mode(Mode.ENFORCE)
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--gets", type=int, default=60_000, help="distinct GETs generated")
    parser.add_argument("--posts", type=int, default=8_000, help="distinct POSTs generated")
    parser.add_argument(
        "--profile",
        choices=["GET", "POST", "text", "XML"],
        help="profile 3,000 requests of one row with cProfile instead of measuring",
    )
    args = parser.parse_args()
    rng = random.Random(7)
    engine = trained_engine(rng)
    gets = [make_get(rng) for _ in range(args.gets)]
    posts = [make_post(rng) for _ in range(args.posts)]
    reviews = [make_post(rng, True) for _ in range(args.posts)]
    orders = [make_xml(rng) for _ in range(args.posts)]
    for request in gets[:2000] + posts[:500] + reviews[:500] + orders[:500]:
        decision = engine.inspect_request(request)
        if decision.blocked:
            raise SystemExit(f"benign request blocked: {decision.reason}")
    if args.profile:
        import cProfile
        import pstats

        profiled = {"GET": gets, "POST": posts, "text": reviews, "XML": orders}[args.profile]
        profiled = profiled[:3000]
        cProfile.runctx(
            "for r in profiled: engine.inspect_request(r)",
            globals(),
            locals(),
            "/tmp/inspect.prof",
        )
        pstats.Stats("/tmp/inspect.prof").sort_stats("tottime").print_stats(25)
        return
    print(
        f"GET 0 B body, 3 query params, {len(gets[0].headers)} headers, {len(gets)} distinct; "
        f"POST JSON ~{len(posts[0].body)} B, {len(posts)} distinct; "
        f"POST JSON text (notes of words and spaces) ~{len(reviews[0].body)} B; "
        f"POST XML ~{len(orders[0].body)} B (baseline: ElementTree instead of orjson)"
    )
    targets = {"GET": 40_000, "POST 2 KiB JSON": 20_000, "POST JSON text": 20_000}
    runs = (
        ("GET", gets),
        ("POST 2 KiB JSON", posts),
        ("POST JSON text", reviews),
        ("POST 2 KiB XML", orders),
    )
    for name, requests in runs:
        position = iter(range(1 << 62))
        size = len(requests)

        def inspect(reqs: list[Request] = requests, at: object = position, n: int = size) -> object:
            return engine.inspect_request(reqs[next(at) % n])  # type: ignore[call-overload]

        def baseline(
            reqs: list[Request] = requests, at: object = position, n: int = size
        ) -> object:
            r = reqs[next(at) % n]  # type: ignore[call-overload]
            if r.body and r.body.startswith(b"<"):
                return parse_qsl(r.query), ElementTree.fromstring(r.body)
            return parse_qsl(r.query), orjson.loads(r.body) if r.body else None

        base = rate(baseline, args.seconds)
        got = rate(inspect, args.seconds)
        target = f"   target {targets[name]:,}/s" if name in targets else ""
        print(
            f"{name:16s} {got:10,.0f} inspections/s   baseline (parse only) {base:10,.0f}/s"
            f"   ratio {got / base:5.3f}{target}"
        )


if __name__ == "__main__":
    main()
