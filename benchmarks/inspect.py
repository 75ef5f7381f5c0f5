"""Inspections per second of the pure core: a typical GET and a 2 KiB JSON POST.

Prints the rate of each case and its ratio against a baseline measured in the same run (one
``urllib.parse.parse_qsl`` of the same query plus an ``orjson.loads`` of the same body, i.e. the
least work any inspector must do), because these machines are noisy. Target (issue 2): at least
20,000 inspections/s for the GET on one core.

Usage: python benchmarks/inspect.py [--seconds 2]
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
from urllib.parse import parse_qsl  # noqa: E402

import orjson  # noqa: E402

from vigil.behavior.decision import Mode  # noqa: E402
from vigil.behavior.engine import Engine  # noqa: E402
from vigil.http.model import Request  # noqa: E402

HEADERS = [
    ("host", "shop.example"),
    ("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("accept-language", "en-US,en;q=0.5"),
    ("accept-encoding", "gzip, deflate, br"),
    ("connection", "keep-alive"),
    ("cookie", "session=4f9c2d7e8a1b3c5d; theme=dark"),
    ("upgrade-insecure-requests", "1"),
    ("cache-control", "max-age=0"),
    ("x-request-id", "a1b2c3d4"),
]


def _word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def make_get(rng: random.Random) -> Request:
    query = f"q={_word(rng, rng.randint(3, 10))}&page={rng.randint(1, 50)}&sort={rng.choice(['asc', 'desc'])}"
    return Request("GET", "/search", query, list(HEADERS))


def make_post(rng: random.Random) -> Request:
    items = [
        {"sku": f"SKU-{rng.randint(1000, 9999)}", "qty": rng.randint(1, 5), "note": _word(rng, 20)}
        for _ in range(32)
    ]
    doc = {
        "customer": {"name": _word(rng, 8), "email": f"{_word(rng, 6)}@example.com"},
        "items": items,
    }
    body = orjson.dumps(doc)
    headers = [*HEADERS, ("content-type", "application/json")]
    return Request("POST", "/orders", "", headers, body)


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(200):
            fn()
        count += 200
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    rng = random.Random(7)
    engine = Engine()
    for _ in range(2000):
        engine.observe(engine.inspect_request(make_get(rng)))
        engine.observe(engine.inspect_request(make_post(rng)))
    engine.learn()
    engine.set_mode(Mode.ENFORCE)
    gets = [make_get(rng) for _ in range(512)]
    posts = [make_post(rng) for _ in range(128)]
    for request in gets + posts:
        decision = engine.inspect_request(request)
        if decision.blocked:
            raise SystemExit(f"benign request blocked: {decision.reason}")
    print(f"GET body 0 B, 3 query params, {len(HEADERS)} headers; POST JSON {len(posts[0].body)} B")
    for name, requests in (("GET", gets), ("POST 2 KiB JSON", posts)):
        it = iter(range(1 << 62))

        def inspect(reqs: list[Request] = requests, counter: object = it) -> object:
            return engine.inspect_request(reqs[next(counter) % len(reqs)])  # type: ignore[call-overload]

        def baseline(reqs: list[Request] = requests, counter: object = it) -> object:
            r = reqs[next(counter) % len(reqs)]  # type: ignore[call-overload]
            return parse_qsl(r.query), orjson.loads(r.body) if r.body else None

        base = rate(baseline, args.seconds)
        got = rate(inspect, args.seconds)
        print(
            f"{name:16s} {got:10,.0f} inspections/s   baseline (parse only) {base:10,.0f}/s   ratio {got / base:5.3f}"
        )
    print("target: GET >= 20,000 inspections/s on one core")


if __name__ == "__main__":
    main()
