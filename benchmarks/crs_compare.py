"""vigil against ModSecurity + OWASP CRS on the same requests, side by side.

Installs Debian's apache2, libapache2-mod-security2 and modsecurity-crs (apt-get, once; root
needed), starts an Apache of its own on 127.0.0.1 (a private ServerRoot-free configuration in a
temporary folder: the system's Apache configuration is neither read nor changed) with
ModSecurity in blocking mode, the CRS and its default inbound anomaly threshold (5), once at
paranoia level 1 and once at level 2, and sends it every request over HTTP. One default is
changed, as an operator would: Accept-Charset is not a restricted header (see
:data:`RESTRICTED_HEADERS`). A request counts as
detected by CRS when Apache answers 403 (949110, the anomaly-score block); answers 400 from Apache
itself (malformed requests, before ModSecurity) are counted apart.

vigil judges the same requests in process with the gate's inspector (identical verdicts to the
gate: same core), after learning from CSIC 2010's normal training traffic: the learned model
alone, the built-in detectors alone, and both.

Request sets (``--sets``): ``csic`` (CSIC 2010 normal and anomalous test sets), ``placed`` (the
CRS regression payloads placed into CSIC normal requests, and their benign near-misses),
``sent`` (the CRS regression requests as they are, signatures only on vigil's side).
Target (issue 9): vigil (model plus detectors) detects more than CRS at PL2 with fewer false
positives than CRS at PL1. Every number printed is measured in this run.

Usage: python benchmarks/crs_compare.py [--sets csic,placed,sent] [--limit N] [--concurrency 8]
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [
    p for p in sys.path if str(Path(p or ".").resolve()) != _HERE
]  # benchmarks/inspect.py would shadow the standard library's inspect

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import httptools  # noqa: E402

from vigil.behavior.engine import Engine  # noqa: E402
from vigil.evaluation.compare import PAYLOAD_FAMILIES, Judges  # noqa: E402
from vigil.evaluation.crs_corpus import DEFAULT_CRS, read_corpus  # noqa: E402
from vigil.evaluation.crs_placement import hosts, place_all  # noqa: E402
from vigil.evaluation.detection import train  # noqa: E402
from vigil.evaluation.rawhttp import read_capture  # noqa: E402
from vigil.http.model import Request  # noqa: E402

CSIC = Path("../shared/data/csic2010")
PACKAGES = ("apache2", "libapache2-mod-security2", "modsecurity-crs")
MODULES = Path("/usr/lib/apache2/modules")
CRS_RULES = Path("/usr/share/modsecurity-crs/rules")
CRS_SETUP = Path("/etc/modsecurity/crs/crs-setup.conf")
MODSEC_RECOMMENDED = Path("/etc/modsecurity/modsecurity.conf-recommended")
UNICODE_MAP = Path("/etc/modsecurity/unicode.mapping")
RESTRICTED_HEADERS = "/content-encoding/ /proxy/ /lock-token/ /content-range/ /if/"
"""CRS 3.3's restricted headers without ``/accept-charset/``: every CSIC 2010 request carries
Accept-Charset (as 2010 browsers did) and CRS 3.3 blocks it on its own at PL1 (920450); CRS 4
no longer restricts it. The one change made to CRS's defaults, and the one an operator would make."""
REQUEST_TIMEOUT = 10.0
"""Seconds allowed for one request to Apache (connect, send, answer)."""
DROPPED = frozenset(
    {"connection", "content-length", "keep-alive", "transfer-encoding", "proxy-connection"}
)


@dataclass(slots=True)
class Item:
    """One request of a set: its class, whether it is an attack, and whether vigil's model knows its route."""

    set_name: str
    klass: str
    attack: bool
    request: Request
    learned: bool = True


@dataclass(slots=True)
class Counts:
    """Per (set, class): requests and how many each system flagged."""

    total: Counter[tuple[str, str]] = field(default_factory=Counter)
    flagged: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    rejected: Counter[tuple[str, str]] = field(default_factory=Counter)


def ensure_packages() -> None:
    """Install the Debian packages when Apache or ModSecurity is missing."""
    if shutil.which("apache2") and (MODULES / "mod_security2.so").exists() and CRS_RULES.is_dir():
        return
    if os.geteuid() != 0:
        raise SystemExit("crs_compare: installing apache2 and ModSecurity needs root (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("installing " + " ".join(PACKAGES) + " with apt-get...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=900)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *PACKAGES], check=True, env=env, timeout=1800
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(folder: Path, port: int, paranoia: int) -> Path:
    """A self-contained Apache configuration with ModSecurity blocking and CRS at ``paranoia``."""
    (folder / "www").mkdir(exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    for sub in ("www", "data"):
        shutil.chown(folder / sub, "www-data", "www-data")
    recommended = MODSEC_RECOMMENDED.read_text()
    recommended = recommended.replace("SecRuleEngine DetectionOnly", "SecRuleEngine On")
    recommended = recommended.replace("SecAuditEngine RelevantOnly", "SecAuditEngine Off")
    recommended = recommended.replace(
        "SecAuditLog /var/log/apache2/modsec_audit.log", f"SecAuditLog {folder}/audit.log"
    )
    recommended = recommended.replace("SecTmpDir /tmp/", f"SecTmpDir {folder}/data/")
    recommended = recommended.replace(
        "SecUnicodeMapFile unicode.mapping", f"SecUnicodeMapFile {UNICODE_MAP}"
    )
    recommended = recommended.replace("SecDataDir /tmp/", f"SecDataDir {folder}/data/")
    (folder / "modsecurity.conf").write_text(recommended)
    setup = CRS_SETUP.read_text() + (
        f'\nSecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level={paranoia}"\n'
        f"SecAction \"id:900250,phase:1,nolog,pass,t:none,setvar:'tx.restricted_headers={RESTRICTED_HEADERS}'\"\n"
    )
    (folder / "crs-setup.conf").write_text(setup)
    config = folder / "httpd.conf"
    config.write_text(
        f"""ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {folder}/httpd.pid
ErrorLog {folder}/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule unique_id_module {MODULES}/mod_unique_id.so
LoadModule security2_module {MODULES}/mod_security2.so
StartServers 1
ServerLimit 2
ThreadsPerChild 32
MaxRequestWorkers 64
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
DocumentRoot {folder}/www
<Directory {folder}/www>
    Require all granted
</Directory>
SecDataDir {folder}/data
Include {folder}/modsecurity.conf
Include {folder}/crs-setup.conf
Include {CRS_RULES}/*.conf
"""
    )
    return config


class Apache:
    """An Apache process of this script, started and stopped by it."""

    def __init__(self, paranoia: int) -> None:
        self.paranoia = paranoia
        self.folder = Path(tempfile.mkdtemp(prefix=f"crs-pl{paranoia}-"))
        os.chmod(self.folder, 0o755)
        self.port = free_port()
        self.config = write_config(self.folder, self.port, paranoia)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["apache2", "-f", str(self.config), "-DFOREGROUND"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "stderr.log", "wb"),  # noqa: SIM115 - kept open while it runs
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"apache2 exited: {(self.folder / 'stderr.log').read_text()}{self._errors()}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"apache2 did not listen on 127.0.0.1:{self.port}: {self._errors()}")

    def _errors(self) -> str:
        log = self.folder / "error.log"
        return log.read_text()[-2000:] if log.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def serialise(request: Request) -> bytes:
    """The request as raw HTTP/1.1 bytes with keep-alive and an exact Content-Length."""
    target = request.path + ("?" + request.query if request.query else "")
    lines = [f"{request.method} {target} HTTP/1.1"]
    has_host = False
    for name, value in request.headers:
        if name in DROPPED:
            continue
        has_host = has_host or name == "host"
        lines.append(f"{name}: {value}")
    if not has_host:
        lines.append("host: localhost")
    if request.body or request.method in {"POST", "PUT", "PATCH"}:
        lines.append(f"content-length: {len(request.body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    return head + request.body


class _Answer:
    def __init__(self) -> None:
        self.done = False
        self.close = False

    def on_message_complete(self) -> None:
        self.done = True


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bool]:
    writer.write(raw)
    await writer.drain()
    answer = _Answer()
    parser = httptools.HttpResponseParser(answer)
    while not answer.done:
        chunk = await reader.read(65536)
        if not chunk:
            break
        parser.feed_data(chunk)
    if not answer.done:
        raise ConnectionError("connection closed before the answer ended")
    return parser.get_status_code(), not parser.should_keep_alive()


async def send_all(port: int, requests: list[bytes], concurrency: int) -> list[int]:
    """Statuses of ``requests`` sent to 127.0.0.1:``port`` over ``concurrency`` connections
    (0 when a request failed after one retry)."""
    statuses = [0] * len(requests)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(requests)):
        queue.put_nowait(index)

    async def worker() -> None:
        reader = writer = None
        while not queue.empty():
            index = queue.get_nowait()
            for _attempt in range(2):
                try:
                    if writer is None:
                        reader, writer = await asyncio.wait_for(
                            asyncio.open_connection("127.0.0.1", port), REQUEST_TIMEOUT
                        )
                    assert reader is not None
                    status, closed = await asyncio.wait_for(
                        _exchange(reader, writer, requests[index]), REQUEST_TIMEOUT
                    )
                    statuses[index] = status
                    if closed:
                        writer.close()
                        reader = writer = None
                    break
                except (OSError, ConnectionError, TimeoutError, httptools.HttpParserError):
                    if writer is not None:
                        writer.close()
                    reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def build_sets(names: set[str], limit: int | None, crs_dir: Path) -> list[Item]:
    """The labelled requests of the chosen sets."""
    items: list[Item] = []

    def capped(requests: Iterable[Request]) -> list[Request]:
        out = []
        for request in requests:
            out.append(request)
            if limit is not None and len(out) >= limit:
                break
        return out

    if "csic" in names:
        items += [
            Item("csic-normal", "normal", False, r)
            for r in capped(read_capture(CSIC / "normalTrafficTest.txt.gz"))
        ]
        items += [
            Item("csic-anomalous", "anomalous", True, r)
            for r in capped(read_capture(CSIC / "anomalousTrafficTest.txt.gz"))
        ]
    if names & {"placed", "sent"}:
        cases = [c for c in read_corpus(crs_dir) if c.response is None]
        if "placed" in names:
            carriers = hosts(read_capture(CSIC / "normalTrafficTest.txt.gz"))
            for placed in place_all(cases, carriers):
                case = placed.case
                if case.attack and case.family in PAYLOAD_FAMILIES:
                    items.append(Item("crs-placed-attacks", case.family, True, placed.request))
                elif not case.attack:
                    items.append(Item("crs-placed-benign", case.family, False, placed.request))
        if "sent" in names:
            for case in cases:
                name = "crs-sent-attacks" if case.attack else "crs-sent-benign"
                items.append(Item(name, case.family, case.attack, case.request, learned=False))
    return items


def judge_vigil(items: list[Item], counts: Counts) -> float:
    """Learn from CSIC training traffic, judge every item; returns the seconds it took."""
    started = time.perf_counter()
    engine = Engine()
    print("vigil: learning from CSIC normal training traffic...", file=sys.stderr)
    train(engine, read_capture(CSIC / "normalTrafficTraining.txt.gz"))
    judges = Judges(engine.policy)
    for item in items:
        verdicts = judges.request(item.request, item.learned)
        for config, flagged in verdicts.items():
            counts.flagged[(item.set_name, item.klass, f"vigil {config}")] += flagged
    return time.perf_counter() - started


def judge_crs(items: list[Item], counts: Counts, paranoia: int, concurrency: int) -> float:
    """Send every item to Apache + ModSecurity + CRS at ``paranoia``; returns the seconds."""
    apache = Apache(paranoia)
    apache.start()
    started = time.perf_counter()
    try:
        raw = [serialise(item.request) for item in items]
        print(
            f"CRS PL{paranoia}: sending {len(raw)} requests to 127.0.0.1:{apache.port}...",
            file=sys.stderr,
        )
        statuses = asyncio.run(send_all(apache.port, raw, concurrency))
    finally:
        apache.stop()
        shutil.rmtree(apache.folder, ignore_errors=True)
    failed = 0
    for item, status in zip(items, statuses, strict=True):
        key = (item.set_name, item.klass)
        counts.flagged[(*key, f"CRS PL{paranoia}")] += status == 403
        if paranoia == 1:
            counts.rejected[key] += status in (0, 400)
        failed += status == 0
    if failed:
        print(
            f"CRS PL{paranoia}: {failed} requests got no answer (counted as not blocked)",
            file=sys.stderr,
        )
    return time.perf_counter() - started


SYSTEMS = ("CRS PL1", "CRS PL2", "vigil model", "vigil signatures", "vigil both")


def print_tables(counts: Counts, sets: list[str]) -> None:
    for set_name in sets:
        classes = sorted(
            {k for s, k in counts.total if s == set_name},
            key=lambda k: (-counts.total[(set_name, k)], k),
        )
        if not classes:
            continue
        attack = "attacks" in set_name or set_name == "csic-anomalous"
        what = "detection" if attack else "false positives"
        print(f"\n{set_name} ({what}; share of requests flagged)")
        print(
            f"  {'class':18s} {'requests':>8s} "
            + " ".join(f"{s:>16s}" for s in SYSTEMS)
            + f" {'Apache 400':>11s}"
        )
        rows = [(k, [k]) for k in classes]
        headline = (
            [k for k in classes if k in PAYLOAD_FAMILIES]
            if set_name.endswith("attacks")
            else classes
        )
        rows.append(("all payload classes" if set_name.endswith("attacks") else "all", headline))
        for label, members in rows:
            total = sum(counts.total[(set_name, k)] for k in members)
            cells = []
            for system in SYSTEMS:
                flagged = sum(counts.flagged[(set_name, k, system)] for k in members)
                learned = any(
                    (set_name, k, system) in counts.flagged for k in members
                ) or not system.startswith("vigil")
                cells.append(f"{flagged / total:16.2%}" if total and learned else f"{'n/a':>16s}")
            rejected = sum(counts.rejected[(set_name, k)] for k in members)
            print(f"  {label:18s} {total:8d} " + " ".join(cells) + f" {rejected:11d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets", default="csic,placed,sent", help="comma-separated: csic, placed, sent"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="at most N requests of each CSIC file (quick runs)"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--crs", type=Path, default=DEFAULT_CRS)
    parser.add_argument("--paranoia", default="1,2", help="CRS paranoia levels to run")
    args = parser.parse_args()
    names = set(args.sets.split(","))
    if not (CSIC / "normalTrafficTraining.txt.gz").is_file():
        raise SystemExit(f"crs_compare: CSIC 2010 not found in {CSIC}")
    ensure_packages()
    items = build_sets(names, args.limit, args.crs)
    counts = Counts()
    for item in items:
        counts.total[(item.set_name, item.klass)] += 1
    print(f"{len(items)} requests in {len({i.set_name for i in items})} sets", file=sys.stderr)
    seconds = {"vigil": judge_vigil(items, counts)}
    for level in (int(p) for p in args.paranoia.split(",")):
        seconds[f"CRS PL{level}"] = judge_crs(items, counts, level, args.concurrency)
    print(
        "ModSecurity 2 + OWASP CRS (Debian packages), blocking, inbound anomaly threshold 5; vigil learned"
    )
    print(
        "from CSIC 2010 normal training traffic; 'n/a': vigil's model has no traffic for those routes"
    )
    print("time: " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    print_tables(
        counts,
        [
            "csic-anomalous",
            "csic-normal",
            "crs-placed-attacks",
            "crs-placed-benign",
            "crs-sent-attacks",
            "crs-sent-benign",
        ],
    )


if __name__ == "__main__":
    main()
