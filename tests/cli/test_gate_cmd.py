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


def test_invalid_rules_are_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - id: r\n    forbid: {regex: '(a'}\n")
    code, out = run("--upstream", "http://127.0.0.1:8080", "--rules", str(path))
    assert code == 2
    assert out.strip().splitlines() == [out.strip()]
    assert f"{path}:3: rules[0].forbid.regex: invalid RE2 pattern" in out


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


def test_a_config_file_is_read_and_options_override_it(tmp_path: Path) -> None:
    config = tmp_path / "gate.yaml"
    config.write_text("upstream: http://127.0.0.1:8080\nworkers: 2\nlisten: 127.0.0.1:0\n")
    code, out = run("--config", str(config))
    assert code == 2
    assert "fixed port" in out
    code, out = run("--config", str(config), "--listen", "127.0.0.1:8000", "--mode", "bad")
    assert code == 2
    assert "--mode" in out


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("upstream: http://127.0.0.1:8080\nmode: block\n", "mode: expected one of"),
        ("upstream: http://127.0.0.1:8080\nlearn_evry: 3\n", "learn_evry: unknown option"),
        ("workers: 2\n", "the upstream is required"),
        (
            "upstream: http://127.0.0.1:8080\nlearner:\n  url: http://127.0.0.1:1\n"
            "  service: users\n  token_file: missing-token\n",
            "cannot read the learner token",
        ),
    ],
)
def test_config_file_errors_are_one_line_naming_file_and_field(
    tmp_path: Path, text: str, needle: str
) -> None:
    config = tmp_path / "gate.yaml"
    config.write_text(text)
    code, out = run("--config", str(config))
    assert code == 2
    assert needle in out
    assert len(out.strip().splitlines()) == 1
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--service", "users"], "needs --learner URL"),
        (["--learner", "http://127.0.0.1:1"], "needs --service NAME"),
        (["--learner", "ftp://x", "--service", "users"], "learner URL"),
    ],
)
def test_learner_options_go_together(args: list[str], needle: str) -> None:
    code, out = run("--upstream", "http://127.0.0.1:8080", *args)
    assert code == 2
    assert needle in out


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path, workers: str) -> None:
    import subprocess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                *(VIGIL, "gate", "--upstream", "http://127.0.0.1:9"),
                *("--listen", f"127.0.0.1:{port}", "--workers", workers),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"vigil gate: --listen 127.0.0.1:{port}: address already in use"]


def test_a_metrics_port_in_use_is_named(tmp_path: Path) -> None:
    import subprocess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                *(VIGIL, "gate", "--upstream", "http://127.0.0.1:9", "--listen", "127.0.0.1:0"),
                *("--metrics-listen", f"127.0.0.1:{port}"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        f"vigil gate: --metrics-listen 127.0.0.1:{port}: address already in use"
    )


async def test_sighup_reloads_an_edited_policy_and_a_broken_one_keeps_the_last_good(
    upstream: str, tmp_path: Path
) -> None:
    from vigil.behavior.decision import Mode
    from vigil.behavior.policy import load_policy, save_policy

    policy = tmp_path / "policy.yaml"
    proc, url = await start_gate(
        tmp_path,
        *("--upstream", upstream, "--policy", str(policy), "--learn-every", "0"),
        *("--min-clients", "1", "--min-windows", "1"),
    )
    host = {"host": "service.test"}
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            for name in usernames(60):
                async with client.get(f"{url}/users?username={name}", headers=host) as resp:
                    assert resp.status == 200
            proc.send_signal(signal.SIGTERM)
            assert await proc.wait() == 0
        learned = load_policy(policy)
        proc, url = await start_gate(
            tmp_path, "--upstream", upstream, "--policy", str(policy), "--no-watch-policy"
        )
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.get(f"{url}/users?username={ATTACK}", headers=host) as resp:
                assert resp.status == 200
            save_policy(learned.model_copy(update={"mode": Mode.ENFORCE}), policy)
            proc.send_signal(signal.SIGHUP)
            for _ in range(100):
                async with client.get(f"{url}/users?username={ATTACK}", headers=host) as resp:
                    if resp.status == 403:
                        break
                await asyncio.sleep(0.1)
            assert resp.status == 403
            policy.write_text("mode: sometimes\n")
            proc.send_signal(signal.SIGHUP)
            await wait_for_log(tmp_path, '"event":"policy-reload-failed"')
            async with client.get(f"{url}/users?username={ATTACK}", headers=host) as resp:
                assert resp.status == 403
            async with client.get(f"{url}/users?username=tom", headers=host) as resp:
                assert resp.status == 200
    finally:
        assert await stop(proc) == 0
    assert policy.read_text() == "mode: sometimes\n"
    logs = "".join(p.read_text() for p in tmp_path.glob("gate-*.log"))
    assert '"event":"policy-reloaded"' in logs
    assert '"event":"policy-reload-failed"' in logs


async def wait_for_log(tmp_path: Path, needle: str) -> None:
    for _ in range(200):
        if needle in "".join(p.read_text() for p in tmp_path.glob("gate-*.log")):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{needle} never logged")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--identity", "forwarded"], "needs at least one trusted proxy"),
        (["--identity", "header"], "needs the header's name"),
        (["--identity", "forwarded", "--trusted-proxy", "10.0.0.0/99"], "not an address or CIDR"),
        (["--min-clients", "0"], "--min-clients"),
    ],
)
def test_identity_and_threshold_options(args: list[str], needle: str) -> None:
    code, out = run("--upstream", "http://127.0.0.1:8080", *args)
    assert code == 2
    assert needle in out.strip().splitlines()[-1]
    assert "Traceback" not in out


def test_identity_options_merge_into_the_files_client_section(tmp_path: Path) -> None:
    from vigil.cli.gate_cmd import given_options

    config = tmp_path / "gate.yaml"
    config.write_text(
        "upstream: http://127.0.0.1:8080\nmin_clients: 5\nclient:\n  source: header\n"
        "  header: x-user\n"
    )
    from vigil.gate.config import load_gate_config, override

    base = load_gate_config(config)
    merged = override(base, {"client": {"header": "x-account"}, "min_windows": 4})
    assert merged.client.source == "header"
    assert merged.client.header == "x-account"
    assert merged.learn_settings().min_clients == 5
    assert merged.learn_settings().min_windows == 4
    assert callable(given_options)


async def wait_for_line(log: Path, needle: str, count: int = 1) -> None:
    for _ in range(400):
        if log.read_text().count(needle) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{needle!r} x{count} never logged:\n{log.read_text()[-2000:]}")


async def test_gate_process_applies_and_reloads_its_rules(upstream: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rule = "rules:\n  - id: patch\n    action: block\n    fields: query.username\n    require: {{regex: '{}'}}\n"
    rules.write_text(rule.format("^[a-z]{1,4}$"))
    proc, url = await start_gate(
        tmp_path, "--upstream", upstream, "--rules", str(rules), "--reload-seconds", "0.1"
    )
    log = next(tmp_path.glob("gate-*.log"))
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as client:
            async with client.get(f"{url}/users?username=tom") as resp:
                assert resp.status == 200
            async with client.get(f"{url}/users?username=thomas") as resp:
                assert resp.status == 403
            rules.write_text(rule.format("^[a-z]{1,8}$") + "\n")
            await wait_for_line(log, '"event":"rules-loaded"', 2)
            async with client.get(f"{url}/users?username=thomas") as resp:
                assert resp.status == 200
            rules.write_text("rules: [broken\n")
            await wait_for_line(log, '"event":"rules-rejected"')
            async with client.get(f"{url}/users?username=thomas") as resp:
                assert resp.status == 200
            async with client.get(f"{url}/users?username=thomasina") as resp:
                assert resp.status == 403
    finally:
        assert await stop(proc) == 0
    text = log.read_text()
    assert '"pod":' in text
    assert f"{rules}:2: invalid YAML" in text


def test_a_broken_rule_file_named_in_the_config_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("rules: [broken\n")
    config = tmp_path / "gate.yaml"
    config.write_text("upstream: http://127.0.0.1:8080\nrules: rules.yaml\n")
    code, out = run("--config", str(config))
    assert code == 2
    assert f"{tmp_path / 'rules.yaml'}:2: invalid YAML" in out
    assert len(out.strip().splitlines()) == 1


def test_rules_signatures_and_bounds_reach_the_worker_settings(tmp_path: Path) -> None:
    from vigil.cli.gate_cmd import settings_of
    from vigil.gate.config import load_gate_config, override

    (tmp_path / "rules.yaml").write_text("rules: []\n")
    config = tmp_path / "gate.yaml"
    config.write_text(
        "upstream: http://127.0.0.1:8080\nrules: rules.yaml\nsignatures: false\n"
        "reload_seconds: 0.5\nbounds:\n  max_in_flight: 32\n  max_client_in_flight: 4\n"
    )
    merged = override(load_gate_config(config), {"bounds": {"max_client_in_flight": 0}})
    settings = settings_of(merged, str(config))
    assert settings.signatures.rules_path == str(tmp_path / "rules.yaml")
    assert settings.signatures.builtin is False
    assert settings.reload_seconds == 0.5
    assert (settings.proxy.max_in_flight, settings.proxy.max_client_in_flight) == (32, 0)
