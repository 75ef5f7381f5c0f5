"""vigil against ModSecurity + OWASP CRS on the same requests, side by side.

Installs Debian's apache2, libapache2-mod-security2 and modsecurity-crs (apt-get, once; root
needed), starts an Apache of its own on 127.0.0.1 (a private configuration in a temporary
folder: the system's Apache configuration is neither read nor changed) with ModSecurity in
blocking mode, the CRS and its default inbound anomaly threshold (5), once at paranoia level 1
and once at level 2, and sends it every request over HTTP. One default is changed, as an
operator would: Accept-Charset is not a restricted header (see :data:`RESTRICTED_HEADERS`).
CRS blocked a request when Apache answers 403 (949110, the anomaly-score block); a 400 from
Apache itself (bytes it refuses before ModSecurity) is a refusal, counted as stopped and listed
apart.

vigil judges the very same bytes in process with the gate's inspector (same core, same HTTP
parser), after learning from CSIC 2010's normal training traffic: the learned model alone, the
built-in detectors alone, and both. The request sets are those of ``vigil eval --compare``
(:mod:`vigil.evaluation.compare_sets`): detection on CSIC's anomalous test set and on the CRS
attack payloads placed into CSIC requests (per CRS rule family); false positives on requests
whose benignity is known (CSIC's normal test set, people of 40 countries in CSIC's person
forms, CSIC requests sent by real clients, the CRS benign-traffic tests); the CRS near-misses
(one rule must not fire) apart, flagged share only; and the CRS requests as sent.

Target (issue 9): vigil (model plus detectors) detects more than CRS at PL2 with fewer false
positives than CRS at PL1. Every number printed is measured in this run.

Usage: python benchmarks/crs_compare.py [--sets NAME,...] [--limit N] [--concurrency 8]
       [--paranoia 1,2] [--examples 5] [--json FILE]
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
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import httptools  # noqa: E402

from vigil.behavior.engine import Engine  # noqa: E402
from vigil.evaluation.compare import CONFIGS, Judges, LabelledSet  # noqa: E402
from vigil.evaluation.compare_report import json_report, text_report  # noqa: E402
from vigil.evaluation.compare_run import NO_ANSWER, judge_set  # noqa: E402
from vigil.evaluation.compare_sets import SPECS, RequestSet, Sources, build_sets  # noqa: E402
from vigil.evaluation.crs_corpus import DEFAULT_CRS, read_corpus  # noqa: E402
from vigil.evaluation.detection import train  # noqa: E402
from vigil.evaluation.rawhttp import read_capture  # noqa: E402

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


def crs_statuses(
    request_sets: list[RequestSet], paranoia: int, concurrency: int
) -> list[list[int]]:
    """Apache + ModSecurity + CRS at ``paranoia``: its status for every request of every set."""
    apache = Apache(paranoia)
    apache.start()
    started = time.perf_counter()
    try:
        raw = [wire for request_set in request_sets for _, wire in request_set.items]
        print(
            f"CRS PL{paranoia}: sending {len(raw)} requests to 127.0.0.1:{apache.port}...",
            file=sys.stderr,
        )
        statuses = asyncio.run(send_all(apache.port, raw, concurrency))
    finally:
        apache.stop()
        shutil.rmtree(apache.folder, ignore_errors=True)
    seconds = time.perf_counter() - started
    unanswered = statuses.count(NO_ANSWER)
    print(
        f"CRS PL{paranoia}: {len(raw)} requests in {seconds:.0f} s"
        + (f"; {unanswered} got no answer (counted as passed)" if unanswered else ""),
        file=sys.stderr,
    )
    out: list[list[int]] = []
    for request_set in request_sets:
        out.append(statuses[: len(request_set.items)])
        statuses = statuses[len(request_set.items) :]
    return out


def positive(text: str) -> int:
    """A whole number of at least 1, for argparse."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of at least 1")
    return value


def paranoia_levels(text: str) -> list[int]:
    """``1,2`` as paranoia levels (1 to 4), for argparse."""
    try:
        levels = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected levels such as 1,2") from None
    if not levels or any(level not in {1, 2, 3, 4} for level in levels):
        raise argparse.ArgumentTypeError(f"{text!r}: paranoia levels are 1 to 4")
    return levels


def _progress(phase: str, count: int) -> None:
    print(f"  {phase}: {count} requests", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sets",
        default=",".join(spec.name for spec in SPECS),
        help="comma-separated set names (default: all): " + ", ".join(s.name for s in SPECS),
    )
    parser.add_argument(
        "--limit", type=positive, default=None, help="at most N requests of each set (quick runs)"
    )
    parser.add_argument(
        "--concurrency", type=positive, default=8, help="connections to Apache at once"
    )
    parser.add_argument(
        "--crs", type=Path, default=DEFAULT_CRS, help="folder of the CRS regression tests"
    )
    parser.add_argument(
        "--paranoia", type=paranoia_levels, default=[1, 2], help="CRS paranoia levels to run"
    )
    parser.add_argument(
        "--examples", type=int, default=5, help="wrong-way requests shown per set and system"
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the counts as JSON here"
    )
    parser.add_argument(
        "--people-per-form", type=positive, default=3, help="people placed into each person form"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated benign sets")
    args = parser.parse_args()
    if not (CSIC / "normalTrafficTraining.txt.gz").is_file():
        raise SystemExit(f"crs_compare: CSIC 2010 not found in {CSIC}")
    ensure_packages()
    sources = Sources(
        normal=list(read_capture(CSIC / "normalTrafficTest.txt.gz")),
        anomalous=list(read_capture(CSIC / "anomalousTrafficTest.txt.gz")),
        cases=[c for c in read_corpus(args.crs) if c.response is None],
        people_per_form=args.people_per_form,
        seed=args.seed,
    )
    try:
        request_sets, notes = build_sets(sources, set(args.sets.split(",")))
    except ValueError as exc:
        raise SystemExit(f"crs_compare: --sets: {exc}") from None
    if args.limit is not None:
        request_sets = [RequestSet(s.spec, s.items[: args.limit]) for s in request_sets]
    total = sum(len(s.items) for s in request_sets)
    print(f"{total} requests in {len(request_sets)} sets", file=sys.stderr)
    levels: list[int] = args.paranoia
    statuses = {
        f"CRS PL{level}": crs_statuses(request_sets, level, args.concurrency) for level in levels
    }
    started = time.perf_counter()
    print("vigil: learning from CSIC normal training traffic...", file=sys.stderr)
    engine = Engine()
    trained = train(engine, read_capture(CSIC / "normalTrafficTraining.txt.gz"))
    judges = Judges(engine.policy)
    sets: list[LabelledSet] = []
    for index, request_set in enumerate(request_sets):
        others = {system: per_set[index] for system, per_set in statuses.items()}
        sets.append(judge_set(judges, request_set, others, _progress))
    seconds = time.perf_counter() - started
    systems = (*statuses, *CONFIGS)
    print(
        "ModSecurity 2 + OWASP CRS (Debian packages), blocking, inbound anomaly threshold 5, at"
        " paranoia levels " + ", ".join(str(level) for level in levels) + ";"
    )
    print(
        f"vigil learned from {trained} CSIC 2010 normal training requests and judged the same"
        f" bytes in {seconds:.0f} s: model = learned policy alone, signatures = built-in"
        " detectors alone, both = the gate's inspector; 'n/a': vigil's model never learned the"
        " set's routes; 'stopped' = blocked (vigil; CRS 403) or refused with 400 before any"
        " inspection"
    )
    print()
    print("\n".join(text_report(sets, systems, args.examples)))
    for note in notes:
        print(note)
    if args.json is not None:
        args.json.write_text(
            json.dumps({"systems": list(systems), "sets": json_report(sets)}, indent=2)
        )


if __name__ == "__main__":
    main()
