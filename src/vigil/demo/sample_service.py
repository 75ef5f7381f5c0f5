"""A small sample service with the classic weakness, for the demo and the tests.

**This service is intentionally vulnerable.** ``GET /users?username=...`` builds its SQL query by
string concatenation, so ``' OR '1'='1`` dumps every user and a lone quote leaks the SQLite error
message. It exists to show what the gate stops; never expose it. :func:`start_sample_service`
binds to the loopback interface only (``127.0.0.1``) and refuses any other host.

Routes:

- ``GET /users?username=NAME``: the injectable lookup; ``{"users": [{id, username, email}]}``.
- ``GET /users/{id}``: a safe, parameterised lookup by integer id; 404 when absent.
- ``POST /login`` with ``{"username": ..., "password": ...}``: 200 with a token, or 401.
- ``GET /health``: ``{"status": "ok"}``.

The data is deterministic: :data:`USERNAMES` (50 short lower-case names) in an in-memory SQLite
database, each with the password :func:`password_of` gives.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from aiohttp import web

LOOPBACK = "127.0.0.1"

USERNAMES: tuple[str, ...] = (
    "tom", "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
    "judy", "mallory", "oscar", "peggy", "rupert", "sybil", "trent", "victor", "walter", "wendy",
    "amelia", "bruno", "chloe", "dmitri", "elena", "felix", "gustav", "hannah", "isabel", "jonas",
    "katrin", "lukas", "marta", "nadia", "olivia", "pablo", "quentin", "rosa", "stefan", "tereza",
    "ulrich", "vera", "xavier", "yusuf", "zoe", "anouk", "bastian", "celine", "dario", "emilia",
)  # fmt: skip
"""The 50 users of the sample database; user ``i`` (from 0) has id ``i + 1``."""

_SECRET = b"vigil-demo"


def password_of(username: str) -> str:
    """The (deterministic, demo-only) password of a sample user: 12 lower-case hex characters."""
    return hmac.new(_SECRET, username.encode(), hashlib.sha256).hexdigest()[:12]


def _hash(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def create_database(usernames: tuple[str, ...] = USERNAMES) -> sqlite3.Connection:
    """An in-memory SQLite database with one row per user (id, username, email, password hash)."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL,"
        " email TEXT NOT NULL, password_sha256 TEXT NOT NULL)"
    )
    db.executemany(
        "INSERT INTO users (id, username, email, password_sha256) VALUES (?, ?, ?, ?)",
        [
            (i + 1, name, f"{name}@example.com", _hash(password_of(name)))
            for i, name in enumerate(usernames)
        ],
    )
    db.commit()
    return db


DB_KEY = web.AppKey("db", sqlite3.Connection)


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    return [{"id": r[0], "username": r[1], "email": r[2]} for r in cursor.fetchall()]


async def find_users(request: web.Request) -> web.Response:
    """``GET /users?username=NAME``: DELIBERATELY INJECTABLE (string-concatenated SQL)."""
    username = request.query.get("username", "")
    query = "SELECT id, username, email FROM users WHERE username = '" + username + "'"
    try:
        users = _rows(request.app[DB_KEY].execute(query))
    except sqlite3.Error as exc:
        # Leaking the database error is part of the classic weakness.
        return web.json_response({"error": f"database error: {exc}"}, status=500)
    return web.json_response({"users": users})


async def get_user(request: web.Request) -> web.Response:
    """``GET /users/{id}``: a safe, parameterised lookup."""
    try:
        user_id = int(request.match_info["id"])
    except ValueError:
        return web.json_response({"error": "id must be an integer"}, status=400)
    rows = _rows(
        request.app[DB_KEY].execute(
            "SELECT id, username, email FROM users WHERE id = ?", (user_id,)
        )
    )
    if not rows:
        return web.json_response({"error": "no such user"}, status=404)
    return web.json_response(rows[0])


async def login(request: web.Request) -> web.Response:
    """``POST /login`` with a JSON body ``{"username": ..., "password": ...}``."""
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        return web.json_response({"error": "expected a JSON body"}, status=400)
    if not isinstance(data, dict):
        return web.json_response({"error": "expected a JSON object"}, status=400)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return web.json_response({"error": "username and password are required"}, status=400)
    row = (
        request.app[DB_KEY]
        .execute("SELECT password_sha256 FROM users WHERE username = ?", (username,))
        .fetchone()
    )
    if row is None or not hmac.compare_digest(row[0], _hash(password)):
        return web.json_response({"ok": False, "error": "invalid credentials"}, status=401)
    token = hashlib.sha256(f"{username}:{password}".encode()).hexdigest()[:32]
    return web.json_response({"ok": True, "token": token})


async def health(_request: web.Request) -> web.Response:
    """``GET /health``."""
    return web.json_response({"status": "ok"})


def build_app(db: sqlite3.Connection | None = None) -> web.Application:
    """The sample application over ``db`` (a fresh :func:`create_database` by default)."""
    app = web.Application()
    app[DB_KEY] = db if db is not None else create_database()
    app.router.add_get("/users", find_users)
    app.router.add_get("/users/{id}", get_user)
    app.router.add_post("/login", login)
    app.router.add_get("/health", health)
    return app


@dataclass
class SampleService:
    """A running sample service; :meth:`close` stops it and closes its database."""

    runner: web.AppRunner
    db: sqlite3.Connection
    host: str
    port: int

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:43117``."""
        return f"http://{self.host}:{self.port}"

    async def close(self) -> None:
        """Stop listening and close the database."""
        await self.runner.cleanup()
        self.db.close()


async def start_sample_service(host: str = LOOPBACK, port: int = 0) -> SampleService:
    """Start the sample service on the running event loop (port 0: an ephemeral port).

    Only the loopback address is accepted: the service is vulnerable on purpose.
    """
    if host != LOOPBACK:
        raise ValueError(f"the sample service is vulnerable and binds to {LOOPBACK} only")
    db = create_database()
    runner = web.AppRunner(build_app(db), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = next(
            int(address[1])
            for address in runner.addresses
            if isinstance(address, tuple) and len(address) >= 2
        )
    except BaseException:
        await runner.cleanup()
        db.close()
        raise
    return SampleService(runner, db, host, bound)


def summarize(status: int, body: bytes) -> str:
    """A short, human summary of a ``/users`` answer: how many users it returned."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return f"{status}: {len(body)} bytes"
    if isinstance(data, dict) and isinstance(data.get("users"), list):
        count = len(data["users"])
        if count == len(USERNAMES):
            return f"{status}: ALL {count} users dumped"
        return f"{status}: {count} user{'' if count == 1 else 's'}"
    if isinstance(data, dict) and "error" in data:
        return f"{status}: {str(data['error'])[:40]}"
    return f"{status}"
