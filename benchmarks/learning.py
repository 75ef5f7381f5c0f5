"""Learning under a crafted scan, and the cost of learning's state: memory, sizes, save and load.

Issue 8's attack: 200 requests in learn mode, each to a new path with 256 parameters, took a gate
from 70 MiB to 1.2 GiB and wrote a 17 MB policy that took 60 s to save and 75 s to load. This
script replays it through the pure engine twice in the same run, with the default global bounds
and with bounds so large they never bite (the baseline), and prints for each: memory held by the
learning statistics (tracemalloc), fields kept, the learned policy's YAML size and save/load time,
and the statistics snapshot's size and save/load time. It then measures how fast samples are
counted (the learner's ingest work per observation) against profiling alone.

Usage: python benchmarks/learning.py [--requests 200] [--fields 256] [--samples 20000]
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
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

from vigil.behavior.engine import Engine  # noqa: E402
from vigil.behavior.learn import LearnSettings  # noqa: E402
from vigil.behavior.policy import load_policy, save_policy  # noqa: E402
from vigil.behavior.sample import sample_exchange  # noqa: E402
from vigil.behavior.snapshot import decode_statistics  # noqa: E402
from vigil.behavior.statistics import Bounds, Statistics  # noqa: E402
from vigil.http.model import Request  # noqa: E402

T0 = 1_700_000_000.0
HEADERS = [
    ("host", "shop.example"),
    ("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    ("accept", "application/json"),
]


def word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def benign(rng: random.Random, i: int) -> Request:
    request = Request("GET", "/search", f"q={word(rng, rng.randint(3, 9))}&page={i % 20}", HEADERS)
    request.client, request.received_at = f"10.0.{i % 50}.1", T0 + i * 30
    return request


def crafted(rng: random.Random, i: int, fields: int) -> Request:
    query = "&".join(f"{word(rng, 8)}={word(rng, 12)}" for _ in range(fields))
    request = Request("GET", f"/{word(rng, 10)}/{word(rng, 10)}", query, HEADERS)
    request.client, request.received_at = "203.0.113.66", T0 + i
    return request


def run_scan(settings: LearnSettings, requests: int, fields: int) -> dict[str, float]:
    rng = random.Random(1)
    engine = Engine(settings=settings)
    for i in range(2000):
        engine.observe(engine.inspect_request(benign(rng, i)))
    scan = [crafted(rng, i, fields) for i in range(requests)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for request in scan:
        engine.observe(engine.inspect_request(request))
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    started = time.perf_counter()
    policy = engine.learn()
    learn_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy.yaml"
        started = time.perf_counter()
        save_policy(policy, path)
        save_s = time.perf_counter() - started
        started = time.perf_counter()
        load_policy(path)
        load_s = time.perf_counter() - started
        policy_bytes = path.stat().st_size
    started = time.perf_counter()
    snapshot = engine.export_statistics()
    dump_s = time.perf_counter() - started
    started = time.perf_counter()
    decode_statistics(snapshot)
    read_s = time.perf_counter() - started
    return {
        "held MiB": held / 2**20,
        "fields kept": engine.collector.statistics.fields,
        "routes published": len(policy.routes),
        "learn s": learn_s,
        "policy KiB": policy_bytes / 1024,
        "policy save s": save_s,
        "policy load s": load_s,
        "statistics KiB": len(snapshot) / 1024,
        "statistics save s": dump_s,
        "statistics load s": read_s,
    }


def ingest_rate(samples: int) -> tuple[float, float]:
    """Samples counted per second, and profiling-only samples per second (the baseline)."""
    rng = random.Random(2)
    engine = Engine()
    decisions = [engine.inspect_request(benign(rng, i)) for i in range(samples)]
    prepared = [engine.collector.sample(d) for d in decisions]
    started = time.perf_counter()
    for decision in decisions:
        exchange = decision.observation
        sample_exchange("GET /search", exchange.request, None, 1, T0)  # type: ignore[union-attr]
    profile_rate = samples / (time.perf_counter() - started)
    statistics = Statistics()
    started = time.perf_counter()
    for sample in prepared:
        if sample is not None:
            statistics.add(sample)
    count_rate = samples / (time.perf_counter() - started)
    return count_rate, profile_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--fields", type=int, default=256)
    parser.add_argument("--samples", type=int, default=20000)
    args = parser.parse_args()
    huge = Bounds(max_routes=1 << 20, max_fields=1 << 30, fields_new_route=1 << 20)
    bounded = run_scan(LearnSettings(), args.requests, args.fields)
    unbounded = run_scan(
        LearnSettings(bounds=huge, max_policy_fields=1 << 30, min_clients=1, min_windows=1),
        args.requests,
        args.fields,
    )
    print(f"crafted scan: {args.requests} requests to new paths, {args.fields} parameters each")
    print(f"{'':22} {'bounded (default)':>18} {'unbounded, K=W=1':>18} {'ratio':>8}")
    for key in bounded:
        a, b = bounded[key], unbounded[key]
        ratio = f"{a / b:8.3f}" if b else "       -"
        print(f"{key:22} {a:18.3f} {b:18.3f} {ratio}")
    count_rate, profile_rate = ingest_rate(args.samples)
    print()
    print(f"samples counted into statistics: {count_rate:10.0f}/s")
    print(
        f"samples profiled (baseline):     {profile_rate:10.0f}/s  ratio {count_rate / profile_rate:.2f}"
    )


if __name__ == "__main__":
    main()
