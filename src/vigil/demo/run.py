"""``vigil demo``: two gates and a learner learn a vulnerable service together, then stop attacks.

The demo runs everything on 127.0.0.1 and stops everything it started:

1. two replicas of the sample service (:mod:`vigil.demo.sample_service`, intentionally
   injectable) on ephemeral ports, in this process;
2. ``vigil learner serve`` as a subprocess, with a tokens file holding an operator token and
   the ``users`` service's gate token (made fresh for the run);
3. two ``vigil gate`` subprocesses, one in front of each replica, each from a configuration file
   (``--config``) that points it at the learner in learn mode, with client identities read from
   the header an authentication layer would set (:data:`~vigil.demo.traffic.CLIENT_HEADER`);
4. seeded benign traffic (:mod:`vigil.demo.traffic`) replayed through both gates, with progress
   on stderr; the gates post what they observe to the learner, which learns one policy from
   both and publishes it;
5. the operator's step: each learned route is switched to enforce through the learner's API
   (as ``vigil policy mode ROUTE enforce --learner ...`` does); both gates pick the new version
   up by their long poll, without a restart;
6. benign controls and the attacks, sent through both gates in turn and straight to the
   service, and a table of each request's verdict and the alert's reason (read from the gate's
   JSON log by the ``request_id`` of the problem+json answer).

The exit status is 0 only when every attack is blocked and every benign control passes.
The demo talks to the learner and the gates only as processes and over HTTP, as a user would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import yaml
from yarl import URL

from vigil.demo.processes import DemoError, GateProcess, LearnerProcess, vigil_command
from vigil.demo.report import Outcome, injection_note, progress, reason_of, render_table
from vigil.demo.sample_service import LOOPBACK, SampleService, start_sample_service, summarize
from vigil.demo.traffic import CLIENT_HEADER, DemoRequest, attacks, benign_traffic, controls

PROBLEM_CONTENT_TYPE = "application/problem+json"
REQUEST_ID_HEADER = "x-request-id"
SERVICE = "users"
GATES = ("a", "b")
WINDOW_SECONDS = 0.2
"""The demo's replay lasts seconds, not hours: its learning windows are short."""

__all__ = ["DemoError", "DemoOptions", "GateProcess", "Outcome", "main", "run_demo"]


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """Knobs of a demo run; the defaults finish in well under a minute."""

    requests: int = 2000
    """Benign requests replayed through the learning gates."""
    keep_policy: Path | None = None
    """Where to copy the learned policy (YAML)."""
    seed: int = 2010
    concurrency: int = 16
    startup_timeout: float = 30.0
    """Seconds to wait for the learner or a gate to report that it listens."""
    stop_timeout: float = 15.0
    """Seconds to wait for a process to exit after SIGTERM before it is killed."""
    request_timeout: float = 10.0
    """Total timeout of every HTTP call."""
    learn_timeout: float = 60.0
    """Seconds to wait for the learner to publish, and for the gates to follow."""


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


async def replay(
    session: aiohttp.ClientSession,
    bases: list[str],
    requests: Iterable[DemoRequest],
    concurrency: int,
    update: Callable[[int], None],
) -> tuple[Counter[int], list[str]]:
    """Send ``requests`` through the gates in turn with ``concurrency`` workers."""
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    pending = enumerate(requests)

    async def worker() -> None:
        for index, request in pending:
            try:
                answer = await send(session, bases[index % len(bases)], request)
                statuses[answer.status] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors.append(f"{request.label}: {type(exc).__name__}: {exc}")
            update(1)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses, errors


class Operator:
    """The operator's calls to the learner (bearer token, JSON)."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        self.session = session
        self.base = f"{url}/v1/services/{SERVICE}"
        self.headers = {"Authorization": f"Bearer {token}"}

    async def get(self, path: str = "") -> Any:
        async with self.session.get(self.base + path, headers=self.headers) as response:
            if response.status != 200:
                raise DemoError(f"GET {self.base}{path}: {response.status} {await response.text()}")
            return await response.json()

    async def post(self, path: str, body: Any, expected: int) -> Any:
        async with self.session.post(self.base + path, json=body, headers=self.headers) as answer:
            if answer.status != expected:
                raise DemoError(f"POST {self.base}{path}: {answer.status} {await answer.text()}")
            return await answer.json()


async def until(what: str, timeout: float, check: Callable[[], Awaitable[bool]]) -> None:
    """Wait (polling) until ``check`` holds; DemoError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise DemoError(f"{what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(0.1)


# --------------------------------------------------------------------------------------------
# The demo


@dataclass(slots=True)
class Running:
    """Everything the demo started, stopped in reverse order at the end."""

    services: list[SampleService]
    learner: LearnerProcess | None = None
    gates: list[GateProcess] | None = None

    async def stop(self, timeout: float) -> None:
        for process in [*(self.gates or []), *([self.learner] if self.learner else [])]:
            try:
                await process.stop(timeout)
            except (DemoError, asyncio.CancelledError):
                process.kill()
        for service in self.services:
            await service.close()


def write_tokens(workdir: Path) -> tuple[str, Path, Path]:
    """A fresh operator token, the tokens file and the gates' token file."""
    operator, gate = secrets.token_hex(24), secrets.token_hex(24)
    tokens = workdir / "tokens.yaml"
    tokens.write_text(
        yaml.safe_dump(
            {
                "operators": [{"name": "demo", "token": operator}],
                "services": {SERVICE: [{"token": gate}]},
            }
        )
    )
    tokens.chmod(0o600)
    gate_token = workdir / "gate-token"
    gate_token.write_text(gate)
    gate_token.chmod(0o600)
    return operator, tokens, gate_token


def gate_config(workdir: Path, name: str, upstream: str, learner: str) -> Path:
    """The configuration file of one gate."""
    path = workdir / f"gate-{name}.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "upstream": upstream,
                "listen": f"{LOOPBACK}:0",
                "mode": "learn",
                "log_level": "info",
                "window_seconds": WINDOW_SECONDS,
                "client": {"source": "header", "header": CLIENT_HEADER},
                "learner": {
                    "url": learner,
                    "service": SERVICE,
                    "token_file": "gate-token",
                    "flush_seconds": 0.2,
                    "poll_seconds": 5,
                },
            },
            sort_keys=False,
        )
    )
    return path


async def start_all(options: DemoOptions, workdir: Path, out: TextIO) -> tuple[Running, str]:
    """The replicas, the learner and the gates; returns them and the operator token."""
    running = Running([await start_sample_service(), await start_sample_service()])
    operator, tokens, _ = write_tokens(workdir)
    print(
        "sample service (intentionally SQL-injectable, loopback only), two replicas: "
        + ", ".join(s.url for s in running.services),
        file=out,
    )
    learner = LearnerProcess(
        "users",
        vigil_command(
            *("learner", "serve", "--listen", f"{LOOPBACK}:0", "--tokens", str(tokens)),
            *("--database", str(workdir / "learner.db"), "--learn-seconds", "0.5"),
            *("--window-seconds", str(WINDOW_SECONDS), "--log-level", "info"),
        ),
        workdir,
    )
    running.learner = learner
    learner_url = await learner.start(options.startup_timeout)
    print(
        f"learner: {learner_url} (bearer tokens: one operator, one for the users gates)", file=out
    )
    running.gates = [
        GateProcess(
            name,
            vigil_command("gate", "--config", str(gate_config(workdir, name, s.url, learner_url))),
            workdir,
        )
        for name, s in zip(GATES, running.services, strict=True)
    ]
    urls = await asyncio.gather(*(g.start(options.startup_timeout) for g in running.gates))
    for gate, url, service in zip(running.gates, urls, running.services, strict=True):
        print(f"gate {gate.name} in learn mode: {url} -> {service.url}", file=out, flush=True)
    return running, operator


async def learn(
    options: DemoOptions, running: Running, operator: Operator, out: TextIO, err: TextIO
) -> dict[str, Any]:
    """Replay benign traffic through both gates; returns the policy the learner published."""
    gates = running.gates or []
    bases = [g.url or "" for g in gates]
    err.flush()
    timeout = aiohttp.ClientTimeout(total=options.request_timeout)
    connector = aiohttp.TCPConnector(limit=options.concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        with progress(options.requests, "learning", err) as update:
            statuses, errors = await replay(
                session,
                bases,
                benign_traffic(options.requests, options.seed),
                options.concurrency,
                update,
            )
    if len(errors) > options.requests // 100:
        raise DemoError(
            f"{len(errors)} of {options.requests} benign requests failed, e.g. {errors[0]}"
        )
    expected = sum(statuses.values())

    async def received() -> bool:
        return bool((await operator.get())["observations"] >= expected)

    await until("the learner receiving every observation", options.learn_timeout, received)
    await operator.post("/learn", None, 202)

    async def published() -> bool:
        routes = await operator.get("/routes")
        return bool(routes["version"]) and any(r["route"] == "GET /users" for r in routes["routes"])

    await until("the learner publishing a policy", options.learn_timeout, published)
    status_text = ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items()))
    routes = await operator.get("/routes")
    print(
        f"replayed {options.requests} benign requests through gates {' and '.join(GATES)} "
        f"({status_text}); the learner merged their {expected} observations into policy "
        f"version {routes['version']}:",
        file=out,
    )
    for route in routes["routes"]:
        print(
            f"  {route['route']:<18} {route['samples']:>5} samples  {route['clients']} clients  "
            f"{route['windows']} windows  {route['fields']} fields  {route['state']}",
            file=out,
        )
    if routes["unpublished"]:
        print(f"  not published (too few clients or windows): {routes['unpublished']}", file=out)
    return dict(routes)


async def enforce(
    options: DemoOptions, running: Running, operator: Operator, routes: dict[str, Any], out: TextIO
) -> int:
    """Switch every learned route to enforce at the learner; wait for both gates to follow."""
    for route in routes["routes"]:
        await operator.post(
            "/decisions", {"route": route["route"], "decision": {"mode": "enforce"}}, 201
        )

    wanted = {route["route"] for route in routes["routes"]}
    published: dict[str, Any] = {}

    async def enforced() -> bool:
        published.update(await operator.get("/policy"))
        decided = published.get("operator", {}).get("routes", {})
        return all(decided.get(r, {}).get("mode") == "enforce" for r in wanted)

    await until("the learner publishing the enforcing policy", options.learn_timeout, enforced)
    version = int(published["version"])
    gates = running.gates or []

    async def followed() -> bool:
        return all(g.policy_version() >= version for g in gates)

    await until("both gates following the new policy", options.learn_timeout, followed)
    print(
        f"operator: every learned route set to enforce at the learner (version {version}); "
        f"gates {' and '.join(GATES)} follow it without a restart",
        file=out,
        flush=True,
    )
    return version


async def judge(options: DemoOptions, running: Running) -> list[Outcome]:
    """Controls and attacks through the gates in turn, and straight to the service."""
    gates = running.gates or []
    requests = controls() + attacks()
    answers: list[tuple[DemoRequest, GateProcess, Answer, Answer]] = []
    timeout = aiohttp.ClientTimeout(total=options.request_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for index, request in enumerate(requests):
            gate = gates[index % len(gates)]
            through = await send(session, gate.url or "", request)
            direct = await send(session, running.services[0].url, request)
            answers.append((request, gate, through, direct))
    blocked = {
        rid
        for _, _, through, _ in answers
        if through.status == 403 and (rid := problem_request_id(through))
    }
    deadline = time.monotonic() + 3.0
    alerts: dict[str, list[dict[str, Any]]] = {}
    while time.monotonic() < deadline:
        alerts = {}
        for gate in gates:
            alerts.update(gate.alerts_by_request())
        if blocked <= alerts.keys():
            break
        await asyncio.sleep(0.1)
    outcomes = []
    for request, gate, through, direct in answers:
        is_blocked = through.status == 403 and through.content_type.startswith(PROBLEM_CONTENT_TYPE)
        rid = problem_request_id(through)
        outcomes.append(
            Outcome(
                request=request,
                status=through.status,
                blocked=is_blocked,
                request_id=rid,
                reason=reason_of(alerts.get(rid, [])) if rid else "",
                direct=summarize(direct.status, direct.body),
                direct_body=direct.body,
                gate=gate.name,
            )
        )
    return outcomes


async def run_demo(options: DemoOptions, out: TextIO, err: TextIO) -> int:
    """Run the whole demo; returns the exit status (0: all attacks blocked, controls passed)."""
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="vigil-demo-"))
    running: Running | None = None
    try:
        running, token = await start_all(options, workdir, out)
        timeout = aiohttp.ClientTimeout(total=options.request_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            operator = Operator(session, running.learner.url or "", token)  # type: ignore[union-attr]
            routes = await learn(options, running, operator, out, err)
            version = await enforce(options, running, operator, routes, out)
            if options.keep_policy is not None:
                async with session.get(
                    f"{operator.base}/policies/{version}?format=yaml", headers=operator.headers
                ) as answer:
                    options.keep_policy.write_text(await answer.text())
                print(f"learned policy kept in {options.keep_policy}", file=out)
        outcomes = await judge(options, running)
    finally:
        if running is not None:
            await running.stop(options.stop_timeout)
        shutil.rmtree(workdir, ignore_errors=True)

    print("", file=out)
    print(render_table(outcomes), file=out)
    print("", file=out)
    attack_rows = [o for o in outcomes if o.request.kind == "attack"]
    control_rows = [o for o in outcomes if o.request.kind == "control"]
    stopped = sum(o.as_expected for o in attack_rows)
    passed = sum(o.as_expected for o in control_rows)
    injection = next((o for o in attack_rows if "'1'='1" in o.request.label), None)
    if injection is not None:
        print(injection_note(injection), file=out)
    ok = stopped == len(attack_rows) and passed == len(control_rows)
    print(
        f"{stopped}/{len(attack_rows)} attacks blocked, {passed}/{len(control_rows)} benign "
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
