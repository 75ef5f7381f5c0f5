"""A small operator client of the learner API, for the ``vigil policy`` commands.

Blocking calls (each runs its own short event loop) with a connect and a total timeout, an
operator bearer token, and one error type: :class:`LearnerClientError`, whose message is one
line naming the learner, the call and what it answered (the problem document's detail when
there is one), never a traceback and never the token.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from vigil.behavior.operator import RouteDecision
from vigil.behavior.policy import Policy, PolicyError, parse_policy

TIMEOUT_SECONDS = 10.0
CONNECT_SECONDS = 3.0
MAX_ANSWER_BYTES = 64 << 20
"""Largest answer read from the learner (a policy document is far below)."""


class LearnerClientError(RuntimeError):
    """A call to the learner that failed; the message is one line saying where and why."""


def read_operator_token(path: Path | None) -> str | None:
    """The operator token: from ``path``, else ``$VIGIL_TOKEN``, else None."""
    if path is not None:
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise LearnerClientError(f"{path}: cannot read the token: {reason}") from None
        if not token:
            raise LearnerClientError(f"{path}: the token file is empty")
        return token
    return os.environ.get("VIGIL_TOKEN") or None


class LearnerClient:
    """Operator calls to one learner (``http://host:port``)."""

    def __init__(self, url: str, token: str | None, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        expect: tuple[int, ...] = (200,),
    ) -> Any:
        return asyncio.run(self._request(method, path, params, body, expect))

    async def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Any,
        expect: tuple[int, ...],
    ) -> Any:
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        data = None
        if body is not None:
            data = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        timeout = aiohttp.ClientTimeout(total=self.timeout, connect=CONNECT_SECONDS)
        where = f"{method} {self.url}{path}"
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.request(
                    method, self.url + path, params=params, data=data, headers=headers
                ) as response,
            ):
                raw = await response.content.read(MAX_ANSWER_BYTES + 1)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            reason = (
                "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
            )
            raise LearnerClientError(f"{where}: {reason}") from None
        if status not in expect:
            raise LearnerClientError(f"{where}: {status} {_detail(raw)}")
        if not raw:
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise LearnerClientError(f"{where}: the answer is not JSON") from None

    def policy(self, service: str, version: int | None = None, layer: str = "published") -> Policy:
        """A service's newest published policy, or one kept version (``layer``: learned)."""
        if version is None:
            data = self._call("GET", f"/v1/services/{service}/policy")
        else:
            data = self._call(
                "GET", f"/v1/services/{service}/policies/{version}", params={"layer": layer}
            )
        try:
            return parse_policy(data, f"{self.url} {service} policy")
        except PolicyError as exc:
            raise LearnerClientError(str(exc)) from None

    def routes(self, service: str) -> dict[str, Any]:
        """The routes of the newest policy with their learning progress."""
        return dict(self._call("GET", f"/v1/services/{service}/routes"))

    def alerts(self, service: str, request_id: str) -> list[dict[str, Any]]:
        """The alerts the gates reported for one request."""
        data = self._call(
            "GET", f"/v1/services/{service}/alerts", params={"request_id": request_id}
        )
        return list(data["alerts"])

    def decide(self, service: str, route: str, decision: RouteDecision) -> int:
        """Record a decision; returns its id."""
        data = self._call(
            "POST",
            f"/v1/services/{service}/decisions",
            body={
                "route": route,
                "decision": decision.model_dump(mode="json", exclude_defaults=True),
            },
            expect=(201,),
        )
        return int(data["id"])


def _detail(raw: bytes) -> str:
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw[:200].decode("utf-8", "replace").strip() or "(no body)"
    if isinstance(document, dict) and "detail" in document:
        return str(document.get("detail"))[:300]
    return str(document)[:200]
