"""The learner as it runs: start, learn, publish, restart on the same store, listen errors."""

from __future__ import annotations

import asyncio
import io
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.learner.builders import OPERATOR, TOKENS, USERS, bearer, sample
from vigil.behavior.wire import encode_batch
from vigil.learner.auth import Tokens
from vigil.learner.config import LearnerConfig, override
from vigil.learner.log import LearnerLog
from vigil.learner.server import ListenError, RunningLearner, start_learner

T0 = 1_700_000_000.0


def config(tmp_path: Path, **given: Any) -> LearnerConfig:
    base = {
        "listen": "127.0.0.1:0",
        "database": str(tmp_path / "learner.db"),
        "learn": {"worker": "thread", "seconds": 3600},
        "thresholds": {"clients": 3, "windows": 2, "window_seconds": 60},
    }
    base.update(given)
    return override(LearnerConfig(), base, "test")


async def start(tmp_path: Path, **given: Any) -> tuple[RunningLearner, io.StringIO]:
    log = io.StringIO()
    running = await start_learner(
        config(tmp_path, **given), Tokens.parse(TOKENS, "t"), log=LearnerLog(log)
    )
    return running, log


async def until(condition: Callable[[], Any], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.05)


def benign_batch() -> bytes:
    samples = [sample(client=c, time=T0 + 60 * w) for w in range(2) for c in range(1, 6)]
    return encode_batch("users", samples)


@pytest.mark.parametrize("worker", ["thread", "process"])
async def test_posted_observations_are_learned_published_and_kept_across_a_restart(
    tmp_path: Path, worker: str
) -> None:
    running, log = await start(tmp_path, learn={"worker": worker, "seconds": 3600})
    policy_url = f"{running.url}/v1/services/users/policy"
    try:
        async with aiohttp.ClientSession() as client:
            async with client.post(
                f"{running.url}/v1/services/users/observations",
                data=benign_batch(),
                headers={"Content-Type": "application/json", **bearer(USERS)},
            ) as response:
                assert response.status == 202
            async with client.post(
                f"{running.url}/v1/services/users/learn", headers=bearer(OPERATOR)
            ) as response:
                assert response.status == 202

            async def published() -> bool:
                async with client.get(policy_url, headers=bearer(USERS)) as answer:
                    return answer.status == 200

            await until(published)
            async with client.get(policy_url, headers=bearer(USERS)) as answer:
                etag = answer.headers["ETag"]
                assert "GET /users" in (await answer.json())["routes"]
            async with client.get(f"{running.url}/metrics") as answer:
                metrics = await answer.text()
            labels = '{route="GET /users",service="users"}'
            assert f"vigil_learning_route_samples{labels} 10.0" in metrics
            assert f"vigil_learning_route_clients{labels} 3.0" in metrics
            assert f"vigil_learning_route_ready{labels} 0.0" in metrics
            assert 'vigil_learner_policy_version{service="users"} 1.0' in metrics
    finally:
        await running.close()
    assert '"event":"policy-published"' in log.getvalue()

    again, _ = await start(tmp_path)
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(
                f"{again.url}/v1/services/users/policy",
                headers={**bearer(USERS), "If-None-Match": etag},
            ) as answer:
                assert answer.status == 304
            async with client.get(
                f"{again.url}/v1/services/users", headers=bearer(OPERATOR)
            ) as answer:
                service = await answer.json()
                assert service["observations"] == 10
                assert service["pending"] == 0
                assert service["policy_version"] == 1
    finally:
        await again.close()


async def test_pending_observations_are_learned_after_a_restart(tmp_path: Path) -> None:
    running, _ = await start(tmp_path, learn={"worker": "thread", "seconds": 3600})
    try:
        async with (
            aiohttp.ClientSession() as client,
            client.post(
                f"{running.url}/v1/services/users/observations",
                data=benign_batch(),
                headers={"Content-Type": "application/json", **bearer(USERS)},
            ) as response,
        ):
            assert response.status == 202
    finally:
        await running.close()
    again, _ = await start(tmp_path, learn={"worker": "thread", "seconds": 0.05})
    try:

        async def learned() -> bool:
            return again.state.publications.get("users") is not None

        await until(learned)
        assert again.state.pending["users"] == 0
    finally:
        await again.close()


async def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ListenError) as caught:
            await start(tmp_path, listen=f"127.0.0.1:{port}")
    assert str(caught.value) == f"--listen 127.0.0.1:{port}: address already in use"


async def test_no_auth_is_refused_off_loopback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"refused on 0\.0\.0\.0"):
        await start_learner(
            config(tmp_path, listen="0.0.0.0:0", insecure_dev=True),
            None,
            log=LearnerLog(io.StringIO()),
        )
    with pytest.raises(ValueError, match="tokens file is required"):
        await start_learner(config(tmp_path), None, log=LearnerLog(io.StringIO()))


def test_the_configured_bounds_reach_the_statistics(tmp_path: Path) -> None:
    from vigil.learner.server import learn_settings

    settings = learn_settings(
        config(
            tmp_path,
            bounds={"routes_per_service": 10, "keys_per_route": 5, "fields_per_service": 50},
        )
    )
    assert (settings.min_clients, settings.min_windows, settings.window_seconds) == (3, 2, 60)
    statistics = settings.statistics()
    assert statistics.bounds.max_routes == 10
    assert statistics.bounds.fields_per_route == 5
    assert statistics.bounds.max_fields == 50
    for i in range(20):
        statistics.add(sample(f"GET /scan/{i}", client=i, time=T0))
    assert len(statistics.routes) <= 11
    assert statistics.dropped_routes >= 9
