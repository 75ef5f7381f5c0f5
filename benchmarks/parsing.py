"""What refusing ambiguous requests costs, next to the inspection it protects.

Every request goes through ``vigil.http.ambiguity.find_ambiguity`` before the engine. This
script measures, in the same run and on the same requests, ``Engine.inspect_request`` under a
learned policy alone and preceded by the check (as ``GateCore`` runs them), and prints the
added time as a share of the inspection (these machines are noisy: rates are per CPU second of
this process, each the best of three interleaved runs, and only the ratio means much). Cases: a typical GET, a 2 KiB JSON POST
(declared ``charset=utf-8``), a browser-style multipart upload and a form.

Usage: python benchmarks/parsing.py [--seconds 2]
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [
    p for p in sys.path if str(Path(p or ".").resolve()) != _HERE
]  # benchmarks/inspect.py would shadow the standard library's inspect

import argparse  # noqa: E402
import random  # noqa: E402
import string  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import orjson  # noqa: E402

from vigil.behavior.decision import Mode  # noqa: E402
from vigil.behavior.engine import Engine  # noqa: E402
from vigil.behavior.learn import LearnSettings  # noqa: E402
from vigil.http.ambiguity import find_ambiguity  # noqa: E402
from vigil.http.model import Request  # noqa: E402

HEADERS = [
    ("host", "shop.example"),
    ("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("accept-language", "en-US,en;q=0.5"),
    ("accept-encoding", "gzip, deflate, br"),
    ("connection", "keep-alive"),
    ("cookie", "session=4f9c2d7e8a1b3c5d; theme=dark"),
    ("cache-control", "max-age=0"),
    ("x-request-id", "a1b2c3d4"),
]
BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"


ONE_CLIENT = LearnSettings(min_clients=1, min_windows=1)
"""The synthetic learning traffic comes from one client at one time: this script measures
inspection, so support in distinct clients and windows is not asked for."""


def _word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def make_get(rng: random.Random) -> Request:
    query = f"q={_word(rng, rng.randint(3, 10))}&page={rng.randint(1, 50)}&sort=asc"
    return Request("GET", f"/items/{rng.randint(1, 9999)}", query, list(HEADERS))


def make_json(rng: random.Random) -> Request:
    items = [
        {"sku": f"SKU-{rng.randint(1000, 9999)}", "qty": rng.randint(1, 5), "note": _word(rng, 20)}
        for _ in range(32)
    ]
    body = orjson.dumps({"customer": {"name": _word(rng, 8)}, "items": items})
    headers = [*HEADERS, ("content-type", "application/json; charset=utf-8")]
    return Request("POST", "/orders", "", headers, body)


def make_multipart(rng: random.Random) -> Request:
    parts = [
        f'Content-Disposition: form-data; name="title"\r\n\r\n{_word(rng, 12)}'.encode(),
        b'Content-Disposition: form-data; name="avatar"; filename="me.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + rng.randbytes(4096),
    ]
    delimiter = f"--{BOUNDARY}".encode()
    body = b"".join(delimiter + b"\r\n" + p + b"\r\n" for p in parts) + delimiter + b"--\r\n"
    headers = [*HEADERS, ("content-type", f"multipart/form-data; boundary={BOUNDARY}")]
    return Request("POST", "/profile", "", headers, body)


def make_form(rng: random.Random) -> Request:
    body = f"username={_word(rng, 8)}&password={_word(rng, 12)}&remember=on".encode()
    headers = [*HEADERS, ("content-type", "application/x-www-form-urlencoded")]
    return Request("POST", "/login", "", headers, body)


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per CPU second of ``fn`` over about ``seconds`` of this process's CPU time.

    CPU time, not wall-clock time: on a machine shared with other work, time spent waiting for
    a core is not charged to the code measured.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    rng = random.Random(7)
    makers = {
        "GET": make_get,
        "POST 2 KiB JSON": make_json,
        "POST multipart 4 KiB": make_multipart,
        "POST form": make_form,
    }
    engine = Engine(settings=ONE_CLIENT)
    for _ in range(500):
        for make in makers.values():
            engine.observe(engine.inspect_request(make(rng)))
    engine.learn()
    engine.set_mode(Mode.ENFORCE)
    for name, make in makers.items():
        requests = [make(rng) for _ in range(128)]
        if any(find_ambiguity(r) is not None for r in requests):
            raise SystemExit(f"{name}: an ordinary request was found ambiguous")
        cursor = iter(range(1 << 62))

        def both(reqs: list[Request] = requests, c: object = cursor) -> object:
            request = reqs[next(c) % len(reqs)]  # type: ignore[call-overload]
            return find_ambiguity(request) or engine.inspect_request(request)

        def inspect(reqs: list[Request] = requests, c: object = cursor) -> object:
            return engine.inspect_request(reqs[next(c) % len(reqs)])  # type: ignore[call-overload]

        alone, checked = 0.0, 0.0
        for _ in range(3):
            alone = max(alone, rate(inspect, args.seconds / 3))
            checked = max(checked, rate(both, args.seconds / 3))
        print(
            f"{name:22s} inspection {alone:9,.0f}/s   check + inspection {checked:9,.0f}/s"
            f"   added {alone / checked - 1:6.1%}"
        )


if __name__ == "__main__":
    main()
