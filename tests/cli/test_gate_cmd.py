"""``vigil gate``: option errors exit 2 with one line; a real gate process learns, saves, enforces."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from click.testing import CliRunner

from tests.gate.conftest import ATTACK, upstream_app, usernames
from vigil.cli.gate_cmd import parse_listen
from vigil.cli.main import cli

VIGIL = str(Path(sys.executable).parent / "vigil")
TIMEOUT = aiohttp.ClientTimeout(total=10)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["gate", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--upstream", "ftp://x"], "--upstream"),
        (["--upstream", "http://127.0.0.1:8080/app"], "must not have a path"),
        (["--upstream", "http://127.0.0.1:8080", "--listen", "8000"], "--listen"),
        (["--upstream", "http://127.0.0.1:8080", "--listen", "127.0.0.1:70000"], "--listen"),
        (["--upstream", "http://127.0.0.1:8080", "--metrics-listen", "x:y"], "--metrics-listen"),
        (
            ["--upstream", "http://127.0.0.1:8080", "--listen", "127.0.0.1:0", "--workers", "2"],
            "fixed port",
        ),
        (["--upstream", "http://127.0.0.1:8080", "--mode", "block"], "--mode"),
        (["--upstream", "http://127.0.0.1:8080", "--identity", "forwarded"], "trusted proxy"),
        (
            [
                "--upstream",
                "http://127.0.0.1:8080",
                "--identity",
                "forwarded",
                "--trusted-proxy",
                "10.0.0.0/33",
            ],
            "--trusted-proxy",
        ),
        (["--upstream", "http://127.0.0.1:8080", "--identity", "header"], "header's name"),
        (["--upstream", "http://127.0.0.1:8080", "--min-clients", "0"], "--min-clients"),
    ],
)
def test_bad_options_exit_2(args: list[str], needle: str) -> None:
    code, out = run(*args)
    assert code == 2
    assert needle in out


def test_invalid_policy_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("apiVersion: vigil.dev/v1\nbody:\n  oversize: maybe\n")
    code, out = run("--upstream", "http://127.0.0.1:8080", "--policy", str(path))
    assert code == 2
    assert out.strip().splitlines() == [out.strip()]
    assert str(path) in out
    assert "body.oversize" in out


def test_policy_in_missing_directory(tmp_path: Path) -> None:
    code, out = run(
        "--upstream", "http://127.0.0.1:8080", "--policy", str(tmp_path / "no" / "p.yaml")
    )
    assert code == 2
    assert "does not exist" in out


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:8000", "--listen") == ("127.0.0.1", 8000)
    assert parse_listen("[::1]:0", "--listen") == ("::1", 0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    runner = web.AppRunner(upstream_app(), shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def start_gate(tmp_path: Path, *args: str) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    out = (tmp_path / f"gate-{port}.log").open("w")
    proc = await asyncio.create_subprocess_exec(
        VIGIL,
        "gate",
        "--listen",
        f"127.0.0.1:{port}",
        *args,
        stdout=out,
        stderr=asyncio.subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as client:
        for _ in range(150):
            try:
                async with client.get(f"{url}/headers"):
                    return proc, url
            except (aiohttp.ClientError, TimeoutError):
                await asyncio.sleep(0.1)
    proc.kill()
    await proc.wait()
    raise AssertionError((tmp_path / f"gate-{port}.log").read_text())


async def stop(proc: asyncio.subprocess.Process) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(proc.wait(), 20)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise


async def test_gate_process_learns_saves_and_enforces(upstream: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    metrics = free_port()
    proc, url = await start_gate(
        tmp_path,
        "--upstream",
        upstream,
        "--policy",
        str(policy),
        "--mode",
        "learn",
        "--metrics-listen",
        f"127.0.0.1:{metrics}",
        "--learn-every",
        "0",
        "--min-clients",
        "1",
        "--min-windows",
        "1",
    )
    host = {"host": "service.test"}
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            for name in usernames(60):
                async with client.get(f"{url}/users?username={name}", headers=host) as resp:
                    assert resp.status == 200
            async with client.get(f"http://127.0.0.1:{metrics}/metrics") as resp:
                assert "vigil_requests_inspected_total" in await resp.text()
    finally:
        assert await stop(proc) == 0
    assert "GET /users" in policy.read_text()

    proc, url = await start_gate(
        tmp_path, "--upstream", upstream, "--policy", str(policy), "--mode", "enforce"
    )
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.get(f"{url}/users?username=tom", headers=host) as resp:
                assert resp.status == 200
            async with client.get(f"{url}/users?username={ATTACK}", headers=host) as resp:
                assert resp.status == 403
                assert resp.headers["content-type"] == "application/problem+json"
    finally:
        assert await stop(proc) == 0
    assert '"verdict":"block"' in "".join(p.read_text() for p in tmp_path.glob("gate-*.log"))


async def test_two_workers_share_the_port(upstream: str, tmp_path: Path) -> None:
    proc, url = await start_gate(
        tmp_path, "--upstream", upstream, "--workers", "2", "--log-level", "warning"
    )
    try:
        async with aiohttp.ClientSession(
            timeout=TIMEOUT, connector=aiohttp.TCPConnector(force_close=True)
        ) as client:
            for name in usernames(20):
                async with client.get(f"{url}/users?username={name}") as resp:
                    assert resp.status == 200
    finally:
        assert await stop(proc) == 0
