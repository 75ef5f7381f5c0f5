"""The learner service: ingestion rate, time to learn, and a hung learner seen from the gate.

Three parts, each with a baseline measured in the same run:

``ingest``
    ``vigil learner serve`` (SQLite WAL, ``synchronous=FULL``, learning held off) and 8
    concurrent gates posting gzip batches of 500 observations (each one a real profiled
    exchange: 3 query parameters, 7 headers, a JSON response) with an idempotency key, as the
    gate's client does. Reported: observations acknowledged per second (acknowledged means
    durable), the p50/p99 of one post, and the ratio against a baseline server that reads the
    same bodies and answers 202 without validating or storing them. Then the same with a
    learning run every second in the worker process. Target: at least 20,000 observations/s.
``learn``
    A store holding 100,000 observations (200 batches, 60 clients, 6 windows, 5 routes) and one
    learning run of it in the learner's job (fold + learn + publish); baseline: the same
    100,000 exchanges added to a gate's local collector and learned there.
``hung``
    ``vigil gate`` in front of nginx under wrk, on a policy it learned locally first: without a
    learner, with ``--learner`` pointed at a learner that accepts connections and never
    answers, and with a healthy learner; in enforce mode (nothing is observed: only the policy
    long poll and alert reports reach the learner) and in learn mode (every exchange is
    observed: learned locally without a learner, buffered and sent with one, dropped when the
    buffer is full). Rounds alternate so noise shows. Reported: p99 per run, the median p99 of
    each setup and its ratio to the run without a learner.

    .venv/bin/python benchmarks/learner.py [--part ingest|learn|hung|all] [--duration 10]

nginx and wrk are installed from Debian when missing (see benchmarks/proxy.py). Every process
started is stopped at the end.
"""

# ruff: noqa: E402 - the standard library imports must come after the sys.path fix below
from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import asyncio
import gzip
import importlib.util
import shutil
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import yaml

from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.sample import ExchangeSample
from vigil.behavior.wire import encode_batch
from vigil.http.model import Request, Response
from vigil.learner import job as learner_job
from vigil.learner import store
from vigil.learner.config import Bounds
from vigil.learner.ingest import check_batch

LOOPBACK = "127.0.0.1"
SERVICE = "users"
TOKEN = "bench-gate-token-0123456789abcdef"
GATES = 8
BATCH = 500
TARGET = 20_000.0
T0 = 1_700_000_000.0


def load_proxy_helpers() -> ModuleType:
    """benchmarks/proxy.py as a module (its nginx, wrk and process helpers)."""
    spec = importlib.util.spec_from_file_location("proxy_bench", Path(_HERE) / "proxy.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["proxy_bench"] = module
    spec.loader.exec_module(module)
    return module


P = load_proxy_helpers()


def vigil(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "vigil"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from vigil.cli.main import main; main()", *args]


# --------------------------------------------------------------------------------------------
# Realistic samples


HEADERS = [
    ("host", "users.example.test"),
    ("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    ("accept", "application/json"),
    ("accept-language", "en-US,en;q=0.9"),
    ("accept-encoding", "gzip, deflate"),
    ("connection", "keep-alive"),
    ("x-request-id", "0f3a"),
]
ROUTES = ["/users", "/users/{id}", "/orders", "/search", "/health"]


def samples(count: int, *, clients: int, windows: int, seed: int = 0) -> list[ExchangeSample]:
    """``count`` profiled exchanges of a gate, spread over clients, windows and routes."""
    engine = Engine(settings=LearnSettings(min_clients=1, min_windows=1))
    out: list[ExchangeSample] = []
    for i in range(count):
        n = i + seed
        route = ROUTES[n % len(ROUTES)].replace("{id}", str(n % 97 + 1))
        query = f"username=user{n % 50}&page={n % 7}&sort=name" if route != "/health" else ""
        request = Request(
            "GET",
            route,
            query,
            list(HEADERS),
            client=f"10.{n % clients // 250}.{n % clients % 250}.1",
            received_at=T0 + 60.0 * (n % windows) + (n % 60),
        )
        decision = engine.inspect_request(request)
        body = b'{"users": [{"id": %d, "name": "user%d", "email": "u@example.test"}]}' % (n, n)
        final = engine.inspect_response(
            decision, Response(200, [("content-type", "application/json")], body, latency_ms=2.0)
        )
        sample = engine.collector.sample(final)
        if sample is not None:
            out.append(sample)
    return out


def batch_bodies(count: int) -> list[bytes]:
    """``count`` distinct gzip batches of BATCH observations, as a gate posts them."""
    return [
        gzip.compress(
            encode_batch(SERVICE, samples(BATCH, clients=60, windows=6, seed=i * BATCH)), 1
        )
        for i in range(count)
    ]


# --------------------------------------------------------------------------------------------
# ingest


BASELINE_SERVER = """
import sys
from aiohttp import web

async def post(request):
    await request.read()
    return web.json_response({"accepted": 0}, status=202)

app = web.Application(client_max_size=64 << 20)
app.router.add_post("/v1/services/{service}/observations", post)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


@dataclass(frozen=True, slots=True)
class Ingested:
    name: str
    observations: int
    seconds: float
    p50_ms: float
    p99_ms: float
    refused: int

    @property
    def rate(self) -> float:
        return self.observations / self.seconds if self.seconds else 0.0


async def post_for(url: str, bodies: list[bytes], duration: float, name: str) -> Ingested:
    """GATES concurrent posters for ``duration`` seconds; observations acknowledged."""
    acknowledged = 0
    refused = 0
    latencies: list[float] = []
    deadline = time.monotonic() + duration
    started = time.monotonic()

    async def gate(index: int) -> None:
        nonlocal acknowledged, refused
        timeout = aiohttp.ClientTimeout(total=60)
        headers = {
            "Authorization": f"Bearer {TOKEN}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        }
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            n = index
            while time.monotonic() < deadline:
                body = bodies[n % len(bodies)]
                n += GATES
                sent = time.perf_counter()
                async with session.post(
                    url, data=body, headers={"Idempotency-Key": f"g{index}:{uuid.uuid4().hex}"}
                ) as response:
                    await response.read()
                    if response.status in {200, 202}:
                        acknowledged += BATCH
                    else:
                        refused += 1
                latencies.append((time.perf_counter() - sent) * 1000.0)

    await asyncio.gather(*(gate(i) for i in range(GATES)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return Ingested(
        name,
        acknowledged,
        elapsed,
        latencies[len(latencies) // 2] if latencies else 0.0,
        latencies[int(len(latencies) * 0.99)] if latencies else 0.0,
        refused,
    )


def start_learner(procs: Any, workdir: Path, port: int, name: str, learn_seconds: float) -> Any:
    tokens = workdir / "tokens.yaml"
    tokens.write_text(
        yaml.safe_dump(
            {
                "operators": [{"token": "bench-operator-token-0123456789abcdef"}],
                "services": {SERVICE: [{"token": TOKEN}]},
            }
        )
    )
    log = workdir / f"{name}.log"
    args = vigil(
        *("learner", "serve", "--listen", f"{LOOPBACK}:{port}", "--tokens", str(tokens)),
        *("--database", str(workdir / f"{name}.db"), "--learn-seconds", str(learn_seconds)),
        *("--clients", "3", "--windows", "2", "--window-seconds", "60", "--log-level", "warning"),
    )
    proc = procs.start(name, args, log)
    P.wait_for_port(port, proc, name, log)
    return proc


def part_ingest(duration: float) -> list[str]:
    print("building 32 batches of 500 profiled exchanges", file=sys.stderr, flush=True)
    bodies = batch_bodies(32)
    raw = sum(len(gzip.decompress(b)) for b in bodies) / len(bodies)
    print(
        f"  one batch: {raw / 1024:.0f} KiB of JSON, {sum(map(len, bodies)) / len(bodies) / 1024:.0f}"
        " KiB gzip",
        file=sys.stderr,
    )
    procs = P.Processes()
    workdir = Path(tempfile.mkdtemp(prefix="vigil-bench-learner-"))
    results: list[Ingested] = []
    try:
        port = P.free_port()
        log = workdir / "baseline.log"
        base_proc = procs.start("baseline", [sys.executable, "-c", BASELINE_SERVER, str(port)], log)
        P.wait_for_port(port, base_proc, "baseline", log)
        url = f"http://{LOOPBACK}:{port}/v1/services/{SERVICE}/observations"
        asyncio.run(post_for(url, bodies, 1.0, "warm-up"))
        print("measuring the baseline server (read body, answer 202)", file=sys.stderr, flush=True)
        results.append(asyncio.run(post_for(url, bodies, duration, "baseline: read + 202")))
        procs.stop(base_proc)

        for name, learn_seconds in (
            ("learner, learning held off", 3600.0),
            ("learner, learning every 1 s", 1.0),
        ):
            port = P.free_port()
            proc = start_learner(procs, workdir, port, f"learner-{len(results)}", learn_seconds)
            url = f"http://{LOOPBACK}:{port}/v1/services/{SERVICE}/observations"
            asyncio.run(post_for(url, bodies, 1.0, "warm-up"))
            print(f"measuring {name}", file=sys.stderr, flush=True)
            results.append(asyncio.run(post_for(url, bodies, duration, name)))
            procs.stop(proc)
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    baseline = results[0]
    lines = [
        f"ingestion: {GATES} concurrent gates, gzip batches of {BATCH} observations, "
        f"{duration:.0f} s per run, {os.cpu_count()} CPUs shared by posters and server",
        f"{'run':<32} {'obs/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'refused':>8} {'vs baseline':>12}",
    ]
    for r in results:
        lines.append(
            f"{r.name:<32} {r.rate:>9,.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.refused:>8} "
            f"{r.rate / baseline.rate if baseline.rate else 0:>11.2f}x"
        )
    held = results[1]
    lines.append(
        f"target: >= {TARGET:,.0f} observations/s acknowledged (durable): "
        f"{'MET' if held.rate >= TARGET else 'NOT MET'} ({held.rate:,.0f}/s with learning held off, "
        f"{results[2].rate:,.0f}/s while learning)"
    )
    return lines


# --------------------------------------------------------------------------------------------
# learn


def part_learn(total: int = 100_000) -> list[str]:
    print(f"building a store of {total:,} observations", file=sys.stderr, flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="vigil-bench-learn-"))
    try:
        path = workdir / "learner.db"
        store.open_store(path)
        connection = store.connect(path)
        all_samples: list[ExchangeSample] = []
        for i in range(total // BATCH):
            chunk = samples(BATCH, clients=60, windows=6, seed=i * BATCH)
            all_samples.extend(chunk)
            checked = check_batch(encode_batch(SERVICE, chunk), SERVICE, Bounds(), f"batch-{i:05d}")
            store.store_batch(
                connection,
                SERVICE,
                batch_id=checked.batch_id,
                gate="bench",
                count=checked.count,
                dropped=0,
                body=checked.stored,
                now=T0,
            )
        connection.close()
        settings = LearnSettings(min_clients=3, min_windows=2, window_seconds=60)
        learner_job._CACHE.clear()
        started = time.perf_counter()
        result = learner_job.run_learn_job(
            learner_job.LearnJob(
                database=str(path), service=SERVICE, relearn=True, settings=settings, per_run=total
            )
        )
        learner_seconds = time.perf_counter() - started

        engine = Engine(settings=settings)
        started = time.perf_counter()
        for sample in all_samples:
            engine.collector.add(sample)
        policy = engine.learn()
        local_seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return [
        f"time to learn: {result.folded:,} stored observations -> policy version {result.version} "
        f"with {result.routes} routes",
        f"  learner job (read, decompress, validate, fold, learn, commit): {learner_seconds:.2f} s "
        f"({result.folded / learner_seconds:,.0f} observations/s)",
        f"  baseline, gate-local collector (add samples in memory, learn): {local_seconds:.2f} s "
        f"({len(policy.routes)} routes); learner/local {learner_seconds / local_seconds:.2f}x",
    ]


# --------------------------------------------------------------------------------------------
# hung


HUNG_SERVER = """
import asyncio, sys

async def hold(reader, writer):
    while await reader.read(65536):
        pass

async def main():
    server = await asyncio.start_server(hold, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


def start_gate(
    procs: Any,
    workdir: Path,
    *,
    name: str,
    upstream: int,
    port: int,
    learner: str | None,
    mode: str,
    policy: Path,
) -> Any:
    log = workdir / f"{name}.log"
    args = vigil(
        *("gate", "--upstream", f"http://{LOOPBACK}:{upstream}", "--listen", f"{LOOPBACK}:{port}"),
        *("--mode", mode, "--log-level", "warning", "--learn-every", "1000"),
        *("--policy", str(policy), "--no-watch-policy"),
    )
    if learner is not None:
        token = workdir / "gate-token"
        token.write_text(TOKEN)
        args += ["--learner", learner, "--service", SERVICE, "--learner-token-file", str(token)]
    proc = procs.start(name, args, log)
    P.wait_for_port(port, proc, name, log)
    return proc


def learn_policy_file(procs: Any, wrk: str, workdir: Path, upstream: int) -> Path:
    """A policy learned locally from 3 s of wrk traffic (what enforcing gates start from)."""
    policy = workdir / "learned.yaml"
    port = P.free_port()
    log = workdir / "gate-learn.log"
    args = vigil(
        *("gate", "--upstream", f"http://{LOOPBACK}:{upstream}", "--listen", f"{LOOPBACK}:{port}"),
        *("--mode", "learn", "--policy", str(policy), "--learn-every", "0"),
        *("--min-clients", "1", "--min-windows", "1", "--log-level", "warning"),
    )
    gate = procs.start("gate-learn", args, log)
    P.wait_for_port(port, gate, "gate-learn", log)
    script = workdir / "learn.lua"
    script.write_text(P.LEARN_SCRIPT % ", ".join(f'"{n}"' for n in P.LEARN_NAMES))
    P.run_wrk(wrk, f"http://{LOOPBACK}:{port}/", 3, 32, script)
    procs.stop(gate)
    if not policy.exists():
        raise P.BenchError(f"the learning gate saved no policy:\n{P.tail(log)}")
    return policy


def part_hung(duration: float, rounds: int, connections: int) -> list[str]:
    nginx, wrk = P.ensure_tools()
    procs = P.Processes()
    workdir = Path(tempfile.mkdtemp(prefix="vigil-bench-hung-"))
    workdir.chmod(0o755)
    setups = ("no learner", "hung learner", "healthy learner")
    runs: dict[tuple[str, str], list[Any]] = {(m, s): [] for m in MODES for s in setups}
    try:
        up = P.free_port()
        P.start_nginx(
            procs,
            nginx,
            workdir,
            name="upstream",
            server=f"""    server {{
        listen {LOOPBACK}:{up};
        location / {{ default_type application/json; return 200 '{P.UPSTREAM_BODY}'; }}
    }}""",
            port=up,
        )
        learned = learn_policy_file(procs, wrk, workdir, up)
        hung_port, healthy_port = P.free_port(), P.free_port()
        hung_log = workdir / "hung.log"
        hung = procs.start("hung", [sys.executable, "-c", HUNG_SERVER, str(hung_port)], hung_log)
        P.wait_for_port(hung_port, hung, "hung learner", hung_log)
        start_learner(procs, workdir, healthy_port, "healthy-learner", 5.0)
        learners = {
            "no learner": None,
            "hung learner": f"http://{LOOPBACK}:{hung_port}",
            "healthy learner": f"http://{LOOPBACK}:{healthy_port}",
        }
        for round_ in range(rounds):
            for mode in MODES:
                for name, learner in learners.items():
                    policy = workdir / f"policy-{round_}-{mode}-{name.split()[0]}.yaml"
                    shutil.copyfile(learned, policy)
                    port = P.free_port()
                    gate = start_gate(
                        procs, workdir, name=f"gate-{policy.stem}", upstream=up, port=port,
                        learner=learner, mode=mode, policy=policy,
                    )  # fmt: skip
                    print(f"round {round_ + 1}: {mode}, {name}", file=sys.stderr, flush=True)
                    runs[(mode, name)].append(
                        P.measure(
                            wrk,
                            f"{mode}, {name}",
                            f"http://{LOOPBACK}:{port}",
                            duration,
                            connections,
                        )
                    )
                    procs.stop(gate)
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    lines = [
        f"hung learner: vigil gate in front of nginx on a locally learned policy, wrk 1 thread, "
        f"{connections} connections, {duration:.0f} s per run, {rounds} alternating rounds",
        f"{'mode, setup':<26} {'req/s (median)':>15} {'p99 ms per run':>26} {'median p99':>11} "
        f"{'vs none':>8}",
    ]
    for mode in MODES:
        base = statistics.median(r.p99_ms for r in runs[(mode, "no learner")])
        for name in setups:
            results = runs[(mode, name)]
            p99s = [r.p99_ms for r in results]
            median = statistics.median(p99s)
            lines.append(
                f"{mode + ', ' + name:<26} {statistics.median(r.rps for r in results):>15,.0f} "
                f"{', '.join(f'{p:.2f}' for p in p99s):>26} {median:>11.2f} {median / base:>7.2f}x"
            )
        none = [r.p99_ms for r in runs[(mode, "no learner")]]
        lines.append(
            f"{mode}: the no-learner runs alone spread {max(none) / min(none):.2f}x (noise)"
        )
    return lines


MODES = ("enforce", "learn")
"""enforce: what a protected service runs in (no observations are sent); learn: every exchange
is observed (learned locally without a learner, buffered and sent with one)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--part", choices=["ingest", "learn", "hung", "all"], default="all")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (hung)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (hung)")
    options = parser.parse_args()
    report: list[str] = []
    if options.part in {"ingest", "all"}:
        report += [*part_ingest(options.duration), ""]
    if options.part in {"learn", "all"}:
        report += [*part_learn(), ""]
    if options.part in {"hung", "all"}:
        report += part_hung(options.duration, options.rounds, options.connections)
    print("\n".join(report).rstrip())
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except P.BenchError as exc:
        print(f"benchmarks/learner.py: {exc}", file=sys.stderr)
        sys.exit(1)
