"""Throughput and latency of the vigil gate against nginx, on 127.0.0.1, in one run.

Measured with wrk (fixed duration, one thread, N connections, ``--latency``):

(a) the upstream directly: an nginx instance answering ``return 200 '<json>'`` (fast, so the
    upstream is never the bottleneck);
(b) nginx as a plain reverse proxy in front of it (one worker, keep-alive to the upstream);
(c) ``vigil gate --mode enforce`` in front of it, one worker, after a short learning phase
    (wrk replaying ``GET /users?username=<name>`` over 50 names and ``GET /report?id=<n>`` in
    ``--mode learn``), so the policy it enforces is a real learned one; then the same with
    ``--workers 2``;
(d) availability: the enforcing gate (one worker) in front of an upstream whose ``/report``
    hangs (nginx proxying it to a socket that never answers), measured with wrk on
    ``GET /users`` before, during and after an attack by ``benchmarks/attack.py``: 1,000 slow
    clients (a third silent, a third sending heads one byte per second, a third sending bodies
    at 10 bytes/s), each from its own loopback address, and 300 clients keeping requests to the
    hung route outstanding; refused clients wait the ``Retry-After`` second before trying
    again. Quiet runs and runs under attack alternate (``--rounds`` attacks, each between two
    quiet runs, all on one gate process); the ratio of the median 2xx throughput under attack
    to the median quiet one is printed: the target of issue 7 is at least 80%. With ``--unprotected`` the
    same attack is run again against a gate with the availability bounds turned off, to show
    what they buy.

Every request of the measured runs is ``GET /users?username=alice`` with wrk's own headers.
The target of issue 2: the gate reaches at least 15% of nginx's throughput with one worker.

nginx and wrk come from Debian: when missing, the script runs ``apt-get update`` once and
``apt-get install -y nginx-light wrk`` (``nginx`` when ``nginx-light`` is unavailable), without
starting the system's nginx service. Each nginx here is a private instance with its own temporary
prefix, configuration, pid and logs, listening on 127.0.0.1 high ports only; the system nginx
configuration and port 80 are never touched. Every process the script starts is stopped at
the end (SIGTERM, bounded wait, then SIGKILL).

    .venv/bin/python benchmarks/proxy.py [--duration 10] [--connections 32]
        [--runs all|throughput|availability] [--slow-clients 1000] [--slow-sources 1000]
        [--hang-clients 300] [--unprotected]
"""

# ruff: noqa: E402 - the standard library imports must come after the sys.path fix below
from __future__ import annotations

import os
import sys

# Running `python benchmarks/proxy.py` puts benchmarks/ first on sys.path, where
# benchmarks/inspect.py would shadow the standard library's inspect module.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import json
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vigil.demo.sample_service import USERNAMES as LEARN_NAMES

LOOPBACK = "127.0.0.1"
MEASURED_PATH = "/users?username=alice"
HUNG_TARGET = "/report?id=7"
ATTACK_SCRIPT = Path(__file__).with_name("attack.py")
UNPROTECTED = [
    *("--max-client-connections", "0", "--max-client-in-flight", "0", "--max-receiving", "0"),
    *("--min-body-rate", "0", "--first-byte-timeout", "75", "--route-concurrency", "0"),
]
"""The availability bounds turned off, as the gate was before issue 7 (global bounds only),
except that idle connections still make room at the connection bound."""
UPSTREAM_BODY = (
    '{"users": [{"id": 2, "username": "alice", "email": "alice@example.com"}]}'  # 72 bytes
)
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which."""


# --------------------------------------------------------------------------------------------
# Tools


def run_root(args: list[str]) -> None:
    """Run a package-manager command as root (through sudo when not root)."""
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise BenchError(f"need root to run {' '.join(args)}; run it yourself, then retry")
        args = ["sudo", "-n", *args]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", RUNLEVEL="1")
    print(f"$ {' '.join(args)}", file=sys.stderr, flush=True)
    result = subprocess.run(args, env=env, check=False, timeout=900)
    if result.returncode != 0:
        raise BenchError(f"{' '.join(args)} failed with status {result.returncode}")


def find_nginx() -> str | None:
    """The nginx binary, if installed."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def ensure_tools() -> tuple[str, str]:
    """nginx and wrk, installed from Debian when missing; returns their paths."""
    nginx, wrk = find_nginx(), shutil.which("wrk")
    if nginx is not None and wrk is not None:
        return nginx, wrk
    if shutil.which("apt-get") is None:
        raise BenchError("nginx and wrk are needed and apt-get is not available: install them")
    run_root(["apt-get", "update"])
    packages = [] if wrk is not None else ["wrk"]
    if nginx is None:
        light = subprocess.run(
            ["apt-cache", "policy", "nginx-light"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        has_light = "Candidate:" in light.stdout and "Candidate: (none)" not in light.stdout
        packages.append("nginx-light" if has_light else "nginx")
    run_root(["apt-get", "install", "-y", "--no-install-recommends", *packages])
    nginx, wrk = find_nginx(), shutil.which("wrk")
    if nginx is None or wrk is None:
        raise BenchError("nginx or wrk still missing after apt-get install")
    return nginx, wrk


def free_port() -> int:
    """A currently free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], name: str, log: Path) -> None:
    """Wait until ``port`` accepts connections, or fail when ``proc`` exits or time runs out."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{name} exited with status {proc.returncode}:\n{tail(log)}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise BenchError(f"{name} did not listen on {LOOPBACK}:{port} within {STARTUP_TIMEOUT} s")


def tail(path: Path, limit: int = 1500) -> str:
    """The end of a log file."""
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return "(no log)"


def http_get(url: str) -> int:
    """Status of ``GET url`` sent exactly as wrk sends it (only a Host header), with a timeout."""
    rest = url.removeprefix("http://")
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.rpartition(":")
    request = f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    parts = data.split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise BenchError(f"GET {url}: no HTTP status line in {data[:80]!r}")
    return int(parts[1])


class Processes:
    """Every process the benchmark started, stopped in reverse order at the end."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        self.procs.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.procs = [(n, p) for n, p in self.procs if p is not proc]

    def stop_all(self) -> None:
        for _, proc in reversed(list(self.procs)):
            self.stop(proc)


# --------------------------------------------------------------------------------------------
# nginx


def nginx_conf(prefix: Path, server: str) -> str:
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""worker_processes 1;
daemon off;
error_log {prefix / "error.log"} warn;
pid {prefix / "nginx.pid"};
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
{temp}
{server}
}}
"""


def start_nginx(
    procs: Processes, nginx: str, workdir: Path, *, name: str, server: str, port: int
) -> None:
    prefix = workdir / name
    prefix.mkdir()
    prefix.chmod(0o755)
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_conf(prefix, server))
    log = prefix / "stderr.log"
    check = subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    if check.returncode != 0:
        raise BenchError(f"nginx -t failed for {name}:\n{check.stderr}")
    proc = procs.start(
        name, [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)], log
    )
    wait_for_port(port, proc, name, prefix / "error.log")


def nginx_version(nginx: str) -> str:
    out = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False, timeout=10)
    return (out.stderr or out.stdout).strip().removeprefix("nginx version: ")


# --------------------------------------------------------------------------------------------
# wrk


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    errors: str

    @property
    def good_rps(self) -> float:
        """Requests/s answered 2xx or 3xx (wrk's rate counts every answer)."""
        return self.rps * (self.requests - self.non_2xx) / self.requests if self.requests else 0.0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise BenchError(f"cannot read a wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(name: str, output: str) -> Result:
    """Requests/s, p50 and p99, request count, non-2xx count and socket errors of wrk's output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if rps is None or p50 is None or p99 is None or total is None:
        raise BenchError(f"cannot parse wrk's output for {name}:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:[^\n]*", output)
    return Result(
        name=name,
        rps=float(rps.group(1)),
        p50_ms=to_ms(p50.group(1)),
        p99_ms=to_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=errors.group(0) if errors else "",
    )


def run_wrk(
    wrk: str, url: str, duration: float, connections: int, script: Path | None = None
) -> str:
    args = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
    if script is not None:
        args += ["-s", str(script)]
    result = subprocess.run(
        [*args, url], capture_output=True, text=True, check=False, timeout=duration + 60
    )
    if result.returncode != 0:
        raise BenchError(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def measure(wrk: str, name: str, base: str, duration: float, connections: int) -> Result:
    url = base + MEASURED_PATH
    status = http_get(url)
    if status != 200:
        raise BenchError(f"{name}: GET {url} answered {status} before the run, expected 200")
    run_wrk(wrk, url, 1, connections)  # warm-up
    result = parse_wrk(name, run_wrk(wrk, url, duration, connections))
    print(
        f"  {name}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
        f"p99 {result.p99_ms:.2f} ms",
        file=sys.stderr,
        flush=True,
    )
    return result


LEARN_SCRIPT = """-- wrk: GET /users?username=<name> cycling over the names, every 4th GET /report?id=<n>
names = {%s}
i = 0
request = function()
  i = i + 1
  if i %% 4 == 0 then
    return wrk.format("GET", "/report?id=" .. (i %% 97 + 1))
  end
  return wrk.format("GET", "/users?username=" .. names[(i %% #names) + 1])
end
"""


# --------------------------------------------------------------------------------------------
# the gate


def vigil_command() -> list[str]:
    script = Path(sys.executable).parent / "vigil"
    if script.exists():
        return [str(script), "gate"]
    return [sys.executable, "-c", "from vigil.cli.main import main; main()", "gate"]


def start_gate(
    procs: Processes,
    workdir: Path,
    *,
    name: str,
    upstream: int,
    port: int,
    policy: Path,
    mode: str,
    workers: int = 1,
    extra: list[str] | None = None,
) -> subprocess.Popen[bytes]:
    log = workdir / f"{name}.log"
    args = [
        *vigil_command(),
        "--upstream",
        f"http://{LOOPBACK}:{upstream}",
        "--listen",
        f"{LOOPBACK}:{port}",
        "--policy",
        str(policy),
        "--mode",
        mode,
        "--learn-every",
        "0",
        "--learn-seconds",
        "0",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        *(extra or []),
    ]
    proc = procs.start(name, args, log)
    wait_for_port(port, proc, name, log)
    if workers > 1:
        time.sleep(1.0)  # let every worker bind its SO_REUSEPORT socket
    return proc


# --------------------------------------------------------------------------------------------
# availability under attack


def scrape(port: int) -> dict[str, float]:
    """The gate's metrics as ``{series: value}`` (``name{labels}`` keys)."""
    with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    series: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            series[key] = float(value)
    return series


def figures(metrics: dict[str, float]) -> str:
    """The listener's figures and the refusals so far, in one line."""
    shown = [
        f"{label} {metrics.get(key, 0):,.0f}"
        for key, label in (
            ("vigil_open_connections", "connections"),
            ("vigil_open_clients", "clients"),
            ("vigil_requests_in_progress", "in progress"),
            ("vigil_requests_receiving", "receiving bodies"),
            ("vigil_connections_evicted_total", "evicted"),
        )
    ]
    refusals = {
        key.split('"')[1]: value
        for key, value in metrics.items()
        if key.startswith("vigil_refusals_total{") and value
    }
    refused = ", ".join(f"{reason} {count:,.0f}" for reason, count in sorted(refusals.items()))
    return "; ".join(shown) + f"; refusals: {refused or 'none'}"


def measure_any(wrk: str, name: str, base: str, duration: float, connections: int) -> Result:
    """Like :func:`measure`, without requiring a 200 first (the gate may be starved)."""
    url = base + MEASURED_PATH
    run_wrk(wrk, url, 1, connections)
    result = parse_wrk(name, run_wrk(wrk, url, duration, connections))
    print(
        f"  {name}: {result.good_rps:,.0f} 2xx req/s ({result.non_2xx:,} non-2xx), "
        f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms"
        + (f", {result.errors}" if result.errors else ""),
        file=sys.stderr,
        flush=True,
    )
    return result


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user and system) a process used so far; 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Measured:
    """One wrk run and the share of a core the gate and the attacker used meanwhile."""

    result: Result
    gate_cpu: float
    attack_cpu: float

    @property
    def per_gate_cpu(self) -> float:
        """2xx answers per CPU second of the gate."""
        return self.result.good_rps / self.gate_cpu if self.gate_cpu else 0.0


def measured(run: Callable[[], Result], gate: int, attack: int | None = None) -> Measured:
    """``run()`` with the CPU time of the gate and of the attacker sampled around it."""
    started, gate0, attack0 = time.monotonic(), cpu_seconds(gate), cpu_seconds(attack)
    result = run()
    wall = time.monotonic() - started
    measured = Measured(
        result, (cpu_seconds(gate) - gate0) / wall, (cpu_seconds(attack) - attack0) / wall
    )
    print(
        f"    gate used {measured.gate_cpu:.0%} of a core"
        + (f", the attacker {measured.attack_cpu:.0%}" if attack is not None else ""),
        file=sys.stderr,
        flush=True,
    )
    return measured


@dataclass(frozen=True, slots=True)
class Availability:
    name: str
    quiet: list[Measured]
    """Quiet runs: one before the first attack, then one after each."""
    under: list[Measured]
    """One run under each attack."""
    gate_figures: str
    tallies: dict[str, dict[str, object]]

    @property
    def ratio(self) -> float:
        """Median 2xx throughput under attack over the median of the quiet runs."""
        quiet = statistics.median(m.result.good_rps for m in self.quiet)
        under = statistics.median(m.result.good_rps for m in self.under)
        return under / quiet if quiet else 0.0

    @property
    def cpu_ratio(self) -> float:
        """The same ratio per CPU second of the gate: what the attack cost the gate itself."""
        quiet = statistics.median(m.per_gate_cpu for m in self.quiet)
        under = statistics.median(m.per_gate_cpu for m in self.under)
        return under / quiet if quiet else 0.0


def start_attack(
    procs: Processes, workdir: Path, port: int, options: argparse.Namespace
) -> tuple[Path, int]:
    log = workdir / "attack.log"
    log.write_text("")
    args = [
        sys.executable,
        str(ATTACK_SCRIPT),
        *("--port", str(port), "--hang-target", HUNG_TARGET),
        *("--slow-clients", str(options.slow_clients), "--sources", str(options.slow_sources)),
        *("--hang-clients", str(options.hang_clients), "--kinds", options.slow_kinds),
        *("--retry-pause", str(options.retry_pause)),
    ]
    proc = procs.start("attack", args, log)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while "attack-started" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise BenchError(f"the attack did not start:\n{tail(log)}")
        time.sleep(0.1)
    return log, proc.pid


def stop_attack(procs: Processes, log: Path) -> dict[str, dict[str, object]]:
    for name, proc in list(procs.procs):
        if name == "attack":
            procs.stop(proc)
    for line in reversed(log.read_text().splitlines()):
        if line.startswith("{"):
            tallies: dict[str, dict[str, object]] = json.loads(line)
            return tallies
    raise BenchError(f"the attack printed no tallies:\n{tail(log)}")


def availability(
    procs: Processes,
    wrk: str,
    workdir: Path,
    *,
    name: str,
    upstream: int,
    learned: Path,
    options: argparse.Namespace,
    protected: bool,
) -> Availability:
    """Throughput of GET /users before, under and after the attack, on one gate process."""
    gate_port, metrics_port = free_port(), free_port()
    policy = workdir / f"{name}.yaml"
    shutil.copyfile(learned, policy)
    extra = ["--metrics-listen", f"{LOOPBACK}:{metrics_port}"]
    gate = start_gate(
        procs,
        workdir,
        name=name,
        upstream=upstream,
        port=gate_port,
        policy=policy,
        mode="enforce",
        extra=extra if protected else [*extra, *UNPROTECTED],
    )
    base = f"http://{LOOPBACK}:{gate_port}"
    duration, connections = options.duration, options.connections
    print(f"measuring {name}", file=sys.stderr, flush=True)
    quiet = [
        measured(lambda: measure(wrk, f"{name}: quiet", base, duration, connections), gate.pid)
    ]
    under: list[Measured] = []
    gate_figures, tallies = "", {}
    for _ in range(options.rounds):
        log, attacker = start_attack(procs, workdir, gate_port, options)
        print(
            f"  attack started; letting it settle for {options.settle:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        time.sleep(options.settle)
        print(f"  gate under attack: {figures(scrape(metrics_port))}", file=sys.stderr, flush=True)
        under.append(
            measured(
                lambda: measure_any(wrk, f"{name}: under attack", base, duration, connections),
                gate.pid,
                attacker,
            )
        )
        gate_figures = figures(scrape(metrics_port))
        print(f"  gate after the measured run: {gate_figures}", file=sys.stderr, flush=True)
        tallies = stop_attack(procs, log)
        hang = tallies.get("hang", {}).get("statuses", {})
        answered = hang if isinstance(hang, dict) else {}
        unexpected = {s: n for s, n in answered.items() if s not in {"200", "429", "503", "504"}}
        if unexpected:
            raise BenchError(
                f"{name}: requests to the hung route were answered {unexpected}; the gate "
                "should have passed them to the upstream (is the policy enforcing them?)"
            )
        time.sleep(1.0)
        quiet.append(
            measured(
                lambda: measure_any(wrk, f"{name}: quiet", base, duration, connections), gate.pid
            )
        )
    procs.stop(gate)
    return Availability(name, quiet, under, gate_figures, tallies)


def hung_upstream_server(up: int, hole: int) -> str:
    """nginx: ``/report`` proxied to a socket that never answers, the rest ``return 200``."""
    return f"""    server {{
        listen {LOOPBACK}:{up};
        location /report {{
            proxy_pass http://{LOOPBACK}:{hole};
            proxy_connect_timeout 75s;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
        }}
        location / {{ default_type application/json; return 200 '{UPSTREAM_BODY}'; }}
    }}"""


KIND_TEXT = {
    "silent": "silent",
    "slow-head": "sending heads at 1 byte/s",
    "slow-body": "sending bodies at 10 bytes/s",
}


def print_availability(runs: list[Availability], options: argparse.Namespace) -> None:
    print()
    kinds = options.slow_kinds.split(",")
    shares = [
        f"{len(range(i, options.slow_clients, len(kinds))):,} {KIND_TEXT.get(kind, kind)}"
        for i, kind in enumerate(kinds)
    ]
    hung = HUNG_TARGET.split("?", maxsplit=1)[0]
    print(
        f"availability: {options.slow_clients:,} slow clients ({', '.join(shares)}; from "
        f"{min(options.slow_sources, options.slow_clients):,} addresses) and "
        f"{options.hang_clients:,} clients of a hung route (GET {hung}); "
        f"wrk {options.connections} connections on GET {MEASURED_PATH}"
    )
    width = max(len(run.name) for run in runs) + 16
    print(
        f"{'run':<{width}}  {'2xx req/s':>9}  {'p99 ms':>7}  {'non-2xx':>7}  "
        f"{'gate CPU':>8}  {'attacker CPU':>12}"
    )
    for run in runs:
        rows = [("quiet", run.quiet[0])]
        for attacked, after in zip(run.under, run.quiet[1:], strict=True):
            rows += [("under attack", attacked), ("quiet", after)]
        for label, one in rows:
            result = one.result
            print(
                f"{run.name + ': ' + label:<{width}}  {result.good_rps:>9,.0f}  "
                f"{result.p99_ms:>7.2f}  {result.non_2xx:>7,}  {one.gate_cpu:>8.0%}  "
                f"{one.attack_cpu:>12.0%}" + (f"  {result.errors}" if result.errors else "")
            )
    for run in runs:
        print(f"{run.name}: under attack / quiet (medians) = {run.ratio:.1%}")
        print(
            f"  per CPU second of the gate (what handling the attack cost the gate itself): "
            f"{run.cpu_ratio:.1%}"
        )
        print(f"  gate figures after the measured run: {run.gate_figures}")
        for kind, tally in run.tallies.items():
            print(f"  {kind}: {tally}")
    protected = runs[0]
    met = protected.ratio >= 0.80
    print(
        f"target: >= 80% of the quiet throughput under attack: "
        f"{'MET' if met else 'NOT MET'} ({protected.ratio:.1%})"
    )


# --------------------------------------------------------------------------------------------


def start_upstreams(procs: Processes, nginx: str, workdir: Path, runs: str) -> tuple[int, int]:
    """The upstream nginx, and nginx as a reverse proxy when throughput is measured."""
    up, nginx_port = free_port(), free_port()
    start_nginx(
        procs,
        nginx,
        workdir,
        name="upstream",
        server=f"""    server {{
        listen {LOOPBACK}:{up};
        location / {{ default_type application/json; return 200 '{UPSTREAM_BODY}'; }}
    }}""",
        port=up,
    )
    if runs != "availability":
        start_nginx(
            procs,
            nginx,
            workdir,
            name="proxy",
            server=f"""    upstream backend {{ server {LOOPBACK}:{up}; keepalive 128; }}
    server {{
        listen {LOOPBACK}:{nginx_port};
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}""",
            port=nginx_port,
        )
    return up, nginx_port


def learn(procs: Processes, wrk: str, workdir: Path, up: int, options: argparse.Namespace) -> Path:
    """A policy learned by ``vigil gate --mode learn`` under wrk traffic; returns its file."""
    learned = workdir / "learned.yaml"
    gate_port = free_port()
    print(
        f"learning: vigil gate --mode learn under {options.learn_duration:.0f} s of wrk "
        f"traffic over {len(LEARN_NAMES)} user names and GET /report",
        file=sys.stderr,
        flush=True,
    )
    gate = start_gate(
        procs,
        workdir,
        name="gate-learn",
        upstream=up,
        port=gate_port,
        policy=learned,
        mode="learn",
        extra=["--min-clients", "1", "--min-windows", "1"],  # wrk is one client, for seconds
    )
    script = workdir / "learn.lua"
    script.write_text(LEARN_SCRIPT % ", ".join(f'"{n}"' for n in LEARN_NAMES))
    learn_out = parse_wrk(
        "learn",
        run_wrk(
            wrk,
            f"http://{LOOPBACK}:{gate_port}/",
            options.learn_duration,
            options.connections,
            script,
        ),
    )
    procs.stop(gate)  # SIGTERM: the gate learns and saves the policy
    if not learned.exists():
        raise BenchError(f"the learning gate saved no policy:\n{tail(workdir / 'gate-learn.log')}")
    routes = re.findall(r"^  (GET [^:]+):", learned.read_text(), re.MULTILINE)
    print(
        f"  learned from {learn_out.requests:,} requests: routes {routes}",
        file=sys.stderr,
        flush=True,
    )
    return learned


def throughput(
    procs: Processes,
    wrk: str,
    workdir: Path,
    *,
    up: int,
    nginx_port: int,
    learned: Path,
    options: argparse.Namespace,
) -> list[Result]:
    """Runs (a), (b) and (c)."""
    results: list[Result] = []
    for name, port in (
        ("(a) upstream direct", up),
        ("(b) nginx reverse proxy, 1 worker", nginx_port),
    ):
        print(f"measuring {name}", file=sys.stderr, flush=True)
        results.append(
            measure(wrk, name, f"http://{LOOPBACK}:{port}", options.duration, options.connections)
        )
    gate_port = free_port()
    for workers in (1, 2):
        policy = workdir / f"enforce-{workers}.yaml"
        shutil.copyfile(learned, policy)
        name = f"(c) vigil gate enforce, {workers} worker{'s' if workers > 1 else ''}"
        print(f"measuring {name}", file=sys.stderr, flush=True)
        gate = start_gate(
            procs,
            workdir,
            name=f"gate-enforce-{workers}",
            upstream=up,
            port=gate_port,
            policy=policy,
            mode="enforce",
            workers=workers,
        )
        attack = f"http://{LOOPBACK}:{gate_port}/users?username=%27%20OR%20%271%27%3D%271"
        if http_get(attack) != 403:
            raise BenchError(f"{name}: the SQL injection was not blocked; policy not enforced")
        results.append(
            measure(
                wrk, name, f"http://{LOOPBACK}:{gate_port}", options.duration, options.connections
            )
        )
        procs.stop(gate)
    return results


def availability_runs(
    procs: Processes,
    nginx: str,
    wrk: str,
    workdir: Path,
    *,
    learned: Path,
    options: argparse.Namespace,
) -> list[Availability]:
    """Run (d), protected, then (with ``--unprotected``) with the bounds turned off."""
    with socket.socket() as hole:
        hole.bind((LOOPBACK, 0))
        hole.listen(4096)
        hung_up = free_port()
        start_nginx(
            procs,
            nginx,
            workdir,
            name="upstream-hung",
            server=hung_upstream_server(hung_up, int(hole.getsockname()[1])),
            port=hung_up,
        )
        variants = [("(d) gate, availability bounds", True)]
        if options.unprotected:
            variants.append(("(e) gate, bounds off", False))
        return [
            availability(
                procs,
                wrk,
                workdir,
                name=name,
                upstream=hung_up,
                learned=learned,
                options=options,
                protected=protected,
            )
            for name, protected in variants
        ]


def print_throughput(results: list[Result], nginx: str, options: argparse.Namespace) -> None:
    direct, proxy, gate1 = results[0], results[1], results[2]
    print()
    print(
        f"vigil proxy benchmark on {LOOPBACK}: wrk 1 thread, {options.connections} connections, "
        f"{options.duration:.0f} s per run (+1 s warm-up), GET {MEASURED_PATH}"
    )
    print(
        f"upstream: nginx {nginx_version(nginx)} `return 200` of a {len(UPSTREAM_BODY)}-byte "
        f"JSON body (1 worker); {os.cpu_count()} CPUs shared by wrk, nginx and the gate"
    )
    print()
    name_width = max(len(r.name) for r in results)
    print(f"{'target':<{name_width}}  {'req/s':>9}  {'p50 ms':>7}  {'p99 ms':>7}  {'non-2xx':>7}")
    for r in results:
        print(
            f"{r.name:<{name_width}}  {r.rps:>9,.0f}  {r.p50_ms:>7.2f}  {r.p99_ms:>7.2f}  "
            f"{r.non_2xx:>7}" + (f"  {r.errors}" if r.errors else "")
        )
    print()
    ratio_nginx = gate1.rps / proxy.rps if proxy.rps else 0.0
    ratio_direct = gate1.rps / direct.rps if direct.rps else 0.0
    print(f"gate/nginx  (1 worker): {ratio_nginx:.1%}")
    print(f"gate/direct (1 worker): {ratio_direct:.1%}")
    if len(results) > 3:
        print(f"gate 2 workers / 1 worker: {results[3].rps / gate1.rps:.2f}x")
    met = ratio_nginx >= 0.15 and gate1.non_2xx == 0
    print(
        f"target: gate >= 15% of nginx's throughput with one worker: "
        f"{'MET' if met else 'NOT MET'} ({ratio_nginx:.1%})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32-64)")
    parser.add_argument(
        "--learn-duration", type=float, default=3.0, help="seconds of learning traffic"
    )
    parser.add_argument(
        "--runs",
        choices=("all", "throughput", "availability"),
        default="all",
        help="throughput: runs (a)-(c); availability: run (d)",
    )
    parser.add_argument("--slow-clients", type=int, default=1000, help="slow clients in (d)")
    parser.add_argument(
        "--slow-sources", type=int, default=1000, help="loopback addresses the slow clients use"
    )
    parser.add_argument(
        "--slow-kinds",
        default="silent,slow-head,slow-body",
        help="kinds of slow clients, shared evenly (see benchmarks/attack.py)",
    )
    parser.add_argument(
        "--hang-clients", type=int, default=300, help="clients of the hung route in (d)"
    )
    parser.add_argument(
        "--settle", type=float, default=8.0, help="seconds between starting the attack and wrk"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="attacks in (d), each followed by a quiet run (medians are compared)",
    )
    parser.add_argument(
        "--retry-pause",
        type=float,
        default=1.0,
        help="seconds attacking clients wait after a 429 or 503 (0: they hammer)",
    )
    parser.add_argument(
        "--unprotected",
        action="store_true",
        help="also run (d)'s attack against a gate with the availability bounds off",
    )
    options = parser.parse_args()
    if not 1 <= options.connections <= 1024 or options.duration <= 0:
        parser.error("--connections must be 1..1024 and --duration positive")
    if (
        options.slow_clients < 0
        or options.hang_clients < 0
        or not 1 <= options.slow_sources <= 64516
    ):
        parser.error("--slow-clients/--hang-clients must be >= 0 and --slow-sources 1..64516")

    nginx, wrk = ensure_tools()
    procs = Processes()
    workdir = Path(tempfile.mkdtemp(prefix="vigil-bench-proxy-"))
    workdir.chmod(0o755)
    results: list[Result] = []
    runs: list[Availability] = []
    try:
        up, nginx_port = start_upstreams(procs, nginx, workdir, options.runs)
        learned = learn(procs, wrk, workdir, up, options)
        if options.runs != "availability":
            results = throughput(
                procs,
                wrk,
                workdir,
                up=up,
                nginx_port=nginx_port,
                learned=learned,
                options=options,
            )
        if options.runs != "throughput":
            runs = availability_runs(procs, nginx, wrk, workdir, learned=learned, options=options)
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)

    if results:
        print_throughput(results, nginx, options)
    if runs:
        print_availability(runs, options)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"benchmarks/proxy.py: {exc}", file=sys.stderr)
        sys.exit(1)
