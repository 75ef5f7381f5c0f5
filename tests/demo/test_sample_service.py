"""The sample service: its benign routes work and its ``/users`` lookup is injectable on purpose."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

from vigil.demo.sample_service import (
    USERNAMES,
    SampleService,
    create_database,
    password_of,
    start_sample_service,
    summarize,
)

TIMEOUT = aiohttp.ClientTimeout(total=10)


@pytest.fixture
async def service() -> AsyncIterator[SampleService]:
    running = await start_sample_service()
    try:
        yield running
    finally:
        await running.close()


async def fetch(service: SampleService, method: str, target: str, **kwargs: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.request(method, URL(service.url + target, encoded=True), **kwargs) as response,
    ):
        return response.status, await response.json(content_type=None)


def test_database_has_fifty_short_lowercase_users() -> None:
    db = create_database()
    try:
        rows = db.execute("SELECT id, username, email FROM users ORDER BY id").fetchall()
    finally:
        db.close()
    assert len(rows) == len(USERNAMES) == 50
    assert rows[0] == (1, "tom", "tom@example.com")
    assert all(name.isascii() and name.isalpha() and name.islower() for _, name, _ in rows)
    assert all(3 <= len(name) <= 10 for _, name, _ in rows)


async def test_binds_to_loopback_only(service: SampleService) -> None:
    assert service.url.startswith("http://127.0.0.1:")
    assert service.port > 0
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        await start_sample_service("0.0.0.0")


async def test_lookup_by_username(service: SampleService) -> None:
    status, data = await fetch(service, "GET", "/users?username=alice")
    assert status == 200
    assert data == {"users": [{"id": 2, "username": "alice", "email": "alice@example.com"}]}
    status, data = await fetch(service, "GET", "/users?username=nobody")
    assert (status, data) == (200, {"users": []})


async def test_lookup_is_injectable_on_purpose(service: SampleService) -> None:
    status, data = await fetch(service, "GET", "/users?username=%27%20OR%20%271%27%3D%271")
    assert status == 200
    assert len(data["users"]) == len(USERNAMES)
    status, data = await fetch(service, "GET", "/users?username=%27")
    assert status == 500
    assert "database error" in data["error"]


async def test_user_by_id(service: SampleService) -> None:
    assert await fetch(service, "GET", "/users/7") == (
        200,
        {"id": 7, "username": "frank", "email": "frank@example.com"},
    )
    assert (await fetch(service, "GET", "/users/999"))[0] == 404
    assert (await fetch(service, "GET", "/users/abc"))[0] == 400


async def test_login(service: SampleService) -> None:
    status, data = await fetch(
        service, "POST", "/login", json={"username": "bob", "password": password_of("bob")}
    )
    assert status == 200
    assert data["ok"] is True
    assert len(data["token"]) == 32
    status, data = await fetch(service, "POST", "/login", json={"username": "bob", "password": "x"})
    assert (status, data["ok"]) == (401, False)
    assert (await fetch(service, "POST", "/login", data=b"{not json"))[0] == 400
    assert (await fetch(service, "POST", "/login", json=["bob"]))[0] == 400
    assert (await fetch(service, "POST", "/login", json={"username": "bob"}))[0] == 400


async def test_health(service: SampleService) -> None:
    assert await fetch(service, "GET", "/health") == (200, {"status": "ok"})


def test_summarize() -> None:
    assert summarize(200, b'{"users": []}') == "200: 0 users"
    assert summarize(200, b'{"users": [{"id": 1}]}') == "200: 1 user"
    everyone = b'{"users": [' + b",".join(b"{}" for _ in USERNAMES) + b"]}"
    assert summarize(200, everyone) == "200: ALL 50 users dumped"
    assert summarize(500, b'{"error": "database error: boom"}') == "500: database error: boom"
    assert summarize(502, b"<html>") == "502: 6 bytes"
    assert summarize(200, b'{"status": "ok"}') == "200"
