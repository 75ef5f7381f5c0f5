"""``vigil learner``: option errors exit 2 in one line; a real learner survives kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
import yaml
from click.testing import CliRunner

from tests.learner.builders import OPERATOR, TOKENS, USERS, batch, bearer
from vigil.cli.main import cli
from vigil.learner.auth import Tokens

VIGIL = str(Path(sys.executable).parent / "vigil")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["learner", *args])
    return result.exit_code, result.output


def tokens_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.yaml"
    path.write_text(yaml.safe_dump(TOKENS))
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_help_lists_serve_and_token() -> None:
    code, out = run("--help")
    assert code == 0
    assert "serve" in out
    assert "token" in out
    code, out = run("serve", "--help")
    assert code == 0
    for option in ("--tokens", "--insecure-dev", "--database", "--clients", "--windows"):
        assert option in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "--tokens FILE is required"),
        (["--insecure-dev", "--listen", "0.0.0.0:7070"], "refused on 0.0.0.0"),
        (["--tokens", "TOKENS", "--insecure-dev"], "exclude each other"),
        (["--tokens", "MISSING"], "cannot read"),
        (["--tokens", "TOKENS", "--database", "/nonexistent/dir/l.db"], "does not exist"),
        (["--listen", "7070"], "--listen"),
        (["--config", "BADCONFIG", "--insecure-dev"], "bounds.alerts_kept"),
    ],
)
def test_serve_errors_are_one_line_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    bad = tmp_path / "learner.yaml"
    bad.write_text("bounds:\n  alerts_kept: -1\n")
    replaced = [
        str(tokens_file(tmp_path))
        if a == "TOKENS"
        else str(tmp_path / "missing.yaml")
        if a == "MISSING"
        else str(bad)
        if a == "BADCONFIG"
        else a
        for a in args
    ]
    if "--database" not in args:
        replaced += ["--database", str(tmp_path / "l.db")]
    code, out = run("serve", *replaced)
    assert code == 2
    assert needle in out
    assert "Traceback" not in out


def test_a_token_and_its_entry(tmp_path: Path) -> None:
    code, out = run("token", "--service", "users")
    assert code == 0
    token = out.splitlines()[0].removeprefix("token: ")
    entry = yaml.safe_load(out.split("tokens file:\n", 1)[1])
    tokens = Tokens.parse(entry, "printed")
    principal = tokens.authenticate(f"Bearer {token}")
    assert getattr(principal, "service", None) == "users"
    assert run("token")[0] == 2
    assert run("token", "--service", "Bad Name")[0] == 2


def test_a_port_in_use_is_one_line_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                *(VIGIL, "learner", "serve", "--listen", f"127.0.0.1:{port}"),
                *("--tokens", str(tokens_file(tmp_path)), "--database", str(tmp_path / "l.db")),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: --listen 127.0.0.1:{port}: address already in use"
    )


async def start_learner(tmp_path: Path, port: int, *extra: str) -> asyncio.subprocess.Process:
    out = (tmp_path / f"learner-{time.monotonic_ns()}.log").open("w")
    proc = await asyncio.create_subprocess_exec(
        *(VIGIL, "learner", "serve", "--listen", f"127.0.0.1:{port}"),
        *("--tokens", str(tokens_file(tmp_path)), "--database", str(tmp_path / "learner.db")),
        *extra,
        stdout=out,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as client:
        for _ in range(300):
            try:
                async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return proc
            except (aiohttp.ClientError, TimeoutError):
                await asyncio.sleep(0.1)
    proc.kill()
    await proc.wait()
    raise AssertionError("the learner did not start")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_every_acknowledged_batch_survives_kill_9_mid_burst(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = await start_learner(
        tmp_path, port, "--learn-seconds", "0.2", "--clients", "1", "--windows", "1"
    )
    acked: dict[str, int] = {}
    enough = asyncio.Event()
    killed = asyncio.Event()

    async def gate(index: int) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            for n in range(10_000):
                key = f"gate-{index}:{n:06d}"
                body = batch(count=20, name=f"user{index}x{n % 7}")
                try:
                    async with client.post(
                        f"{base}/v1/services/users/observations",
                        data=body,
                        headers={
                            "Content-Type": "application/json",
                            "Idempotency-Key": key,
                            **bearer(USERS),
                        },
                    ) as response:
                        if response.status == 202:
                            acked[key] = 20
                except (aiohttp.ClientError, TimeoutError):
                    if killed.is_set():
                        return
                if len(acked) >= 80:
                    enough.set()

    posters = [asyncio.create_task(gate(i)) for i in range(8)]
    await asyncio.wait_for(enough.wait(), 120)
    workers = children_of(proc.pid)
    proc.send_signal(signal.SIGKILL)
    killed.set()
    assert await asyncio.wait_for(proc.wait(), 30) == -signal.SIGKILL
    await asyncio.wait_for(asyncio.gather(*posters), 60)
    acknowledged = dict(acked)
    with sqlite3.connect(tmp_path / "learner.db") as connection:
        stored = dict(connection.execute("SELECT batch_id, count FROM batches").fetchall())
    missing = set(acknowledged) - set(stored)
    assert not missing, f"{len(missing)} acknowledged batches lost"
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not any(alive(pid) for pid in workers)

    proc = await start_learner(tmp_path, port, "--learn-seconds", "3600")
    try:
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"{base}/v1/services/users", headers=bearer(OPERATOR)) as answer,
        ):
            service = await answer.json()
        assert service["observations"] >= 20 * len(acknowledged)
        assert service["observations"] == sum(stored.values())
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    assert os.path.exists(tmp_path / "learner.db")
