"""``vigil demo``: learn a vulnerable service's normal traffic, then stop attacks on it.

The demo runs everything on 127.0.0.1 and stops everything it started:

1. the sample service (:mod:`vigil.demo.sample_service`, intentionally injectable) on an
   ephemeral port, in this process;
2. ``vigil gate --mode learn`` in front of it as a subprocess, with a policy file in a temporary
   directory; seeded benign traffic (:mod:`vigil.demo.traffic`) is replayed through it, with
   progress on stderr;
3. the gate is stopped with SIGTERM, which makes it learn and save the policy;
4. ``vigil gate --mode enforce`` is started on that policy; benign controls and the attacks are
   sent through it, and also straight to the service to show what it would have answered alone;
5. a table gives each request's verdict (ALLOWED/BLOCKED with the status) and the alert reason,
   read from the gate's JSON log lines by the ``request_id`` of the problem+json answer.

The exit status is 0 only when every attack is blocked and every benign control passes.
The demo talks to the gate only as a process and over HTTP, as a user would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TextIO

import aiohttp
import click
from yarl import URL

from vigil.behavior.policy import PolicyError, load_policy
from vigil.demo.sample_service import LOOPBACK, USERNAMES, start_sample_service, summarize
from vigil.demo.traffic import CLIENT_HEADER, DemoRequest, attacks, benign_traffic, controls

PROBLEM_CONTENT_TYPE = "application/problem+json"
REQUEST_ID_HEADER = "x-request-id"
LEARN_RUNS = 4
"""The learning gate learns this many times during the replay (and once more when it stops), as
a gate under real traffic does: route templates found by one run are profiled by the next."""
SEVERITY_ORDER = {"critical": 4, "high": 3, "medium": 2, "low": 1}


class DemoError(RuntimeError):
    """Something the demo needs did not work; the message says what and where to look."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """Knobs of a demo run; the defaults finish in well under a minute."""

    requests: int = 2000
    """Benign requests replayed through the learning gate."""
    keep_policy: Path | None = None
    """Where to copy the learned policy (it lives in a temporary directory otherwise)."""
    seed: int = 2010
    concurrency: int = 16
    startup_timeout: float = 20.0
    """Seconds to wait for a gate to report that it listens."""
    stop_timeout: float = 15.0
    """Seconds to wait for a gate to exit after SIGTERM before it is killed."""
    request_timeout: float = 10.0
    """Total timeout of every HTTP call."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one control or attack."""

    request: DemoRequest
    status: int
    blocked: bool
    request_id: str | None
    reason: str
    direct: str
    """What the service answered when asked directly, without the gate."""
    direct_body: bytes = b""

    @property
    def verdict(self) -> str:
        """``BLOCKED 403`` or ``ALLOWED 200``."""
        return f"{'BLOCKED' if self.blocked else 'ALLOWED'} {self.status}"

    @property
    def as_expected(self) -> bool:
        """Attacks must be blocked; controls must pass the gate and succeed (2xx)."""
        if self.request.kind == "attack":
            return self.blocked
        return not self.blocked and 200 <= self.status < 300


# --------------------------------------------------------------------------------------------
# The gate as a subprocess


DEMO_WINDOW_SECONDS = 0.2
"""The demo's replay lasts seconds, not hours: its learning windows are short."""


def gate_command() -> list[str]:
    """How to run ``vigil gate`` with this interpreter's installation."""
    script = Path(sys.executable).parent / "vigil"
    if script.exists():
        return [str(script), "gate"]
    return [sys.executable, "-c", "from vigil.cli.main import main; main()", "gate"]


class GateProcess:
    """One ``vigil gate`` subprocess whose stdout (JSON log lines) goes to a file."""

    def __init__(
        self,
        name: str,
        upstream: str,
        policy: Path,
        mode: str,
        workdir: Path,
        *,
        learn_every: int = 0,
    ) -> None:
        self.name = name
        self.log_path = workdir / f"gate-{name}.log"
        self.err_path = workdir / f"gate-{name}.err"
        self.args = [
            *gate_command(),
            "--upstream",
            upstream,
            "--listen",
            f"{LOOPBACK}:0",
            "--policy",
            str(policy),
            "--mode",
            mode,
            "--learn-every",
            str(learn_every),
            "--learn-seconds",
            "0",
            "--identity",
            "header",
            "--identity-header",
            CLIENT_HEADER,
            "--window-seconds",
            str(DEMO_WINDOW_SECONDS),
            "--log-level",
            "info",
        ]
        self.proc: subprocess.Popen[bytes] | None = None
        self._files: list[IO[bytes]] = []
        self.url: str | None = None

    async def start(self, timeout: float) -> str:
        """Start the gate and wait (at most ``timeout`` s) for its ``gate-started`` line."""
        out = self.log_path.open("wb")
        self._files.append(out)
        err = self.err_path.open("wb")
        self._files.append(err)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            self.args, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines():
                if line.get("event") == "gate-started" and isinstance(line.get("listen"), str):
                    self.url = str(line["listen"])
                    return self.url
            code = self.proc.poll()
            if code is not None:
                raise DemoError(
                    f"the {self.name} gate exited with status {code} before listening:\n"
                    f"  command: {' '.join(self.args)}\n{self.stderr_tail()}"
                )
            await asyncio.sleep(0.05)
        raise DemoError(
            f"the {self.name} gate did not report 'gate-started' within {timeout:.0f} s:\n"
            f"  command: {' '.join(self.args)}\n{self.stderr_tail()}"
        )

    def lines(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (other lines are skipped)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        out: list[dict[str, Any]] = []
        for raw in text.splitlines():
            if not raw.startswith("{"):
                continue
            try:
                value = json.loads(raw)
            except ValueError:
                continue
            if isinstance(value, dict):
                out.append(value)
        return out

    def stderr_tail(self, limit: int = 2000) -> str:
        """The end of the gate's stderr, indented, for error messages."""
        try:
            text = self.err_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "  (no stderr)"
        text = text[-limit:].rstrip()
        return "\n".join(f"  | {line}" for line in text.splitlines()) or "  (stderr is empty)"

    async def stop(self, timeout: float) -> int | None:
        """SIGTERM, wait at most ``timeout`` s, then kill; returns the exit status."""
        proc = self.proc
        if proc is None:
            return None
        try:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
                deadline = time.monotonic() + timeout
                while proc.poll() is None and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
            if proc.poll() is None:
                self.kill()
                raise DemoError(
                    f"the {self.name} gate did not stop within {timeout:.0f} s of SIGTERM; killed"
                )
            return proc.returncode
        finally:
            self._close_files()

    def kill(self) -> None:
        """Kill the gate at once (the last resort, also on a second Ctrl-C)."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self._close_files()

    def _close_files(self) -> None:
        for handle in self._files:
            handle.close()
        self._files.clear()

    def alerts_by_request(self) -> dict[str, list[dict[str, Any]]]:
        """The request-phase alerts of each request id."""
        found: dict[str, list[dict[str, Any]]] = {}
        for line in self.lines():
            if line.get("event") != "alert" or line.get("phase", "request") != "request":
                continue
            rid = line.get("request_id")
            alerts = line.get("alerts")
            if isinstance(rid, str) and isinstance(alerts, list):
                found.setdefault(rid, []).extend(a for a in alerts if isinstance(a, dict))
        return found


# --------------------------------------------------------------------------------------------
# HTTP


@dataclass(frozen=True, slots=True)
class Answer:
    """A response as the demo needs it."""

    status: int
    content_type: str
    request_id: str | None
    body: bytes


async def send(session: aiohttp.ClientSession, base: str, request: DemoRequest) -> Answer:
    """Send ``request`` to ``base`` (the session carries the timeout)."""
    url = URL(base + request.target, encoded=True)
    async with session.request(
        request.method,
        url,
        headers=list(request.headers),
        data=request.body,
        allow_redirects=False,
    ) as response:
        body = await response.read()
        return Answer(
            status=response.status,
            content_type=response.headers.get("content-type", ""),
            request_id=response.headers.get(REQUEST_ID_HEADER),
            body=body,
        )


def problem_request_id(answer: Answer) -> str | None:
    """The request id of a problem+json answer (its body first, then its header)."""
    if answer.content_type.startswith(PROBLEM_CONTENT_TYPE):
        with contextlib.suppress(ValueError):
            data = json.loads(answer.body)
            if isinstance(data, dict) and isinstance(data.get("request_id"), str):
                return str(data["request_id"])
    return answer.request_id


@contextlib.contextmanager
def progress(total: int, label: str, stream: TextIO) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal, else a line every tenth of the way."""
    if stream.isatty():
        with click.progressbar(length=total, label=label, file=stream, show_pos=True) as bar:
            yield bar.update
        return
    step = max(1, total // 10)
    state = {"done": 0, "mark": step}

    def update(count: int) -> None:
        state["done"] += count
        if state["done"] >= state["mark"] or state["done"] >= total:
            print(f"  {label}: {state['done']}/{total} requests", file=stream, flush=True)
            state["mark"] = state["done"] + step

    yield update


async def replay(
    session: aiohttp.ClientSession,
    base: str,
    requests: Iterable[DemoRequest],
    concurrency: int,
    update: Callable[[int], None],
) -> tuple[Counter[int], list[str]]:
    """Send ``requests`` with ``concurrency`` workers; returns status counts and errors."""
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    pending = iter(requests)

    async def worker() -> None:
        for request in pending:
            try:
                answer = await send(session, base, request)
                statuses[answer.status] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors.append(f"{request.label}: {type(exc).__name__}: {exc}")
            update(1)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses, errors


# --------------------------------------------------------------------------------------------
# Report


def format_alert(alert: dict[str, Any]) -> str:
    """``name field: expected ..., seen ...`` from an alert of the gate's log."""
    return (
        f"{alert.get('name', alert.get('code', '?'))} {alert.get('field', '?')}: "
        f"expected {alert.get('expected', '?')}, seen {alert.get('seen', '?')}"
    )


def reason_of(alerts: list[dict[str, Any]]) -> str:
    """The most severe alert, plus how many others there were."""
    if not alerts:
        return ""
    worst = max(alerts, key=lambda a: SEVERITY_ORDER.get(str(a.get("severity")), 0))
    text = f"[{worst.get('severity', '?')}] {format_alert(worst)}"
    if len(alerts) > 1:
        text += f" (+{len(alerts) - 1} more)"
    return text


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 3] + "..."


def injection_note(outcome: Outcome) -> str:
    """What the SQL injection gets from the service alone, against what the gate answered."""
    emails: list[str] = []
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        emails = [str(u["email"]) for u in json.loads(outcome.direct_body)["users"]]
    leaked = (
        f"returns {len(emails)} of the {len(USERNAMES)} users with their e-mail addresses "
        f"({', '.join(emails[:3])}, ...)"
        if emails
        else f"answers {outcome.direct}"
    )
    return (
        f"Without the gate, {outcome.request.label} {leaked}: the service builds its SQL by "
        f"string concatenation.\nThrough the gate the same request is {outcome.verdict} "
        f"(problem+json, request_id {outcome.request_id})."
    )


def render_table(outcomes: list[Outcome]) -> str:
    """The result table, one row per control and attack."""
    headers = ("", "request", "through the gate", "service alone", "alert reason (gate log)")
    rows = [
        (
            "ok" if o.as_expected else "FAIL",
            clip(o.request.label, 46),
            o.verdict,
            clip(o.direct, 24),
            clip(o.reason or ("-" if not o.blocked else "(no alert line found)"), 110),
        )
        for o in outcomes
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for kind, title in (("control", "benign controls"), ("attack", "attacks")):
        lines.append(f"{title}:")
        for outcome, row in zip(outcomes, rows, strict=True):
            if outcome.request.kind == kind:
                lines.append(
                    "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The demo


async def _judge(
    session: aiohttp.ClientSession,
    gate: GateProcess,
    gate_url: str,
    service_url: str,
    requests: list[DemoRequest],
) -> list[Outcome]:
    answers: list[tuple[DemoRequest, Answer, Answer]] = []
    for request in requests:
        through = await send(session, gate_url, request)
        direct = await send(session, service_url, request)
        answers.append((request, through, direct))
    blocked_ids = {
        rid
        for _, through, _ in answers
        if through.status == 403 and (rid := problem_request_id(through))
    }
    deadline = time.monotonic() + 3.0
    alerts = gate.alerts_by_request()
    while not blocked_ids <= alerts.keys() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        alerts = gate.alerts_by_request()
    outcomes = []
    for request, through, direct in answers:
        blocked = through.status == 403 and through.content_type.startswith(PROBLEM_CONTENT_TYPE)
        rid = problem_request_id(through)
        outcomes.append(
            Outcome(
                request=request,
                status=through.status,
                blocked=blocked,
                request_id=rid,
                reason=reason_of(alerts.get(rid, [])) if rid else "",
                direct=summarize(direct.status, direct.body),
                direct_body=direct.body,
            )
        )
    return outcomes


async def run_demo(options: DemoOptions, out: TextIO, err: TextIO) -> int:
    """Run the whole demo; returns the exit status (0: all attacks blocked, controls passed)."""
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="vigil-demo-"))
    policy_path = workdir / "policy.yaml"
    gate: GateProcess | None = None
    service = await start_sample_service()
    timeout = aiohttp.ClientTimeout(total=options.request_timeout)
    try:
        print(
            f"sample service (intentionally SQL-injectable, loopback only): {service.url}",
            file=out,
        )
        gate = GateProcess(
            "learn",
            service.url,
            policy_path,
            "learn",
            workdir,
            learn_every=max(100, options.requests // LEARN_RUNS),
        )
        gate_url = await gate.start(options.startup_timeout)
        print(f"gate in learn mode: {gate_url} -> {service.url}", file=out, flush=True)
        err.flush()
        connector = aiohttp.TCPConnector(limit=options.concurrency)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            with progress(options.requests, "learning", err) as update:
                statuses, errors = await replay(
                    session,
                    gate_url,
                    benign_traffic(options.requests, options.seed),
                    options.concurrency,
                    update,
                )
        if len(errors) > options.requests // 100:
            raise DemoError(
                f"{len(errors)} of {options.requests} benign requests failed, e.g. {errors[0]}"
            )
        await gate.stop(options.stop_timeout)
        gate = None
        try:
            policy = load_policy(policy_path)
        except PolicyError as exc:
            raise DemoError(f"the learning gate did not save a usable policy: {exc}") from None
        status_text = ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items()))
        print(
            f"replayed {options.requests} benign requests ({status_text}); the gate learned "
            f"policy version {policy.version} with {len(policy.routes)} routes: "
            f"{', '.join(sorted(policy.routes))}",
            file=out,
        )
        if options.keep_policy is not None:
            shutil.copyfile(policy_path, options.keep_policy)
            print(f"learned policy kept in {options.keep_policy}", file=out)

        gate = GateProcess("enforce", service.url, policy_path, "enforce", workdir)
        gate_url = await gate.start(options.startup_timeout)
        print(f"gate in enforce mode: {gate_url} -> {service.url}", file=out, flush=True)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            outcomes = await _judge(session, gate, gate_url, service.url, controls() + attacks())
        await gate.stop(options.stop_timeout)
        gate = None
    finally:
        if gate is not None:
            try:
                await gate.stop(options.stop_timeout)
            except (DemoError, asyncio.CancelledError):
                gate.kill()
        await service.close()
        shutil.rmtree(workdir, ignore_errors=True)

    print("", file=out)
    print(render_table(outcomes), file=out)
    print("", file=out)
    attack_rows = [o for o in outcomes if o.request.kind == "attack"]
    control_rows = [o for o in outcomes if o.request.kind == "control"]
    blocked = sum(o.as_expected for o in attack_rows)
    passed = sum(o.as_expected for o in control_rows)
    injection = next((o for o in attack_rows if "'1'='1" in o.request.label), None)
    if injection is not None:
        print(injection_note(injection), file=out)
    ok = blocked == len(attack_rows) and passed == len(control_rows)
    print(
        f"{blocked}/{len(attack_rows)} attacks blocked, {passed}/{len(control_rows)} benign "
        f"controls passed in {time.monotonic() - started:.1f} s: {'OK' if ok else 'FAILED'}",
        file=out,
        flush=True,
    )
    return 0 if ok else 1


def main(options: DemoOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the demo on a fresh event loop; errors become one message and status 1."""
    stdout = out if out is not None else sys.stdout
    stderr = err if err is not None else sys.stderr
    try:
        return asyncio.run(run_demo(options, stdout, stderr))
    except DemoError as exc:
        print(f"vigil demo: {exc}", file=stderr)
        return 1
    except KeyboardInterrupt:
        print("vigil demo: interrupted; everything it started was stopped", file=stderr)
        return 130
