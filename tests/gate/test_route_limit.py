"""Per-route upstream shares: keys, the cap, the bounded queue, hand-over and clean-up."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from vigil.gate.refusals import Refusal
from vigil.gate.route_limit import RouteHints, RouteLimiter, route_key

KNOWN = {"GET /users/{int}", "POST /login", "GET /{other}"}


@pytest.mark.parametrize(
    ("route", "key"),
    [
        ("GET /users/{int}", "GET /users/{int}"),
        ("POST /login", "POST /login"),
        ("GET /{other}", "GET /{other}"),
        ("GET /slow/x1", "GET /slow/*"),
        ("GET /slow/x2/deeper", "GET /slow/*"),
        ("GET /slow", "GET /slow/*"),
        ("DELETE /slow/x1", "DELETE /slow/*"),
        ("GET /", "GET /"),
        ("GET *", "GET /"),
    ],
)
def test_route_key_groups_unknown_routes_by_first_segment(route: str, key: str) -> None:
    assert route_key(route, KNOWN) == key


async def test_shares_within_the_limit_are_taken_at_once() -> None:
    limiter = RouteLimiter(limit=2, queue=0)
    assert await limiter.acquire("a", 1.0) is None
    assert limiter.try_take("a")
    assert await limiter.acquire("b", 1.0) is None
    assert not limiter.try_take("a")
    assert await limiter.acquire("a", 1.0) is Refusal.ROUTE_CONCURRENCY
    assert (limiter.active("a"), limiter.active("b")) == (2, 1)
    assert limiter.saturated == 1
    limiter.release("a")
    assert limiter.saturated == 0
    assert limiter.try_take("b")
    assert limiter.saturated == 1


async def test_waiters_get_released_shares_in_order() -> None:
    limiter = RouteLimiter(limit=1, queue=2)
    assert await limiter.acquire("a", 1.0) is None
    order: list[str] = []

    async def wait(name: str) -> None:
        assert await limiter.acquire("a", 5.0) is None
        order.append(name)

    first = asyncio.ensure_future(wait("first"))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(wait("second"))
    await asyncio.sleep(0)
    assert limiter.waiting("a") == 2
    assert await limiter.acquire("a", 1.0) is Refusal.ROUTE_CONCURRENCY
    limiter.release("a")
    await first
    limiter.release("a")
    await second
    assert order == ["first", "second"]
    assert (limiter.active("a"), limiter.saturated) == (1, 1)
    limiter.release("a")
    assert (limiter.tracked(), limiter.saturated) == (0, 0)


async def test_a_wait_longer_than_allowed_is_refused_and_leaves_no_trace() -> None:
    limiter = RouteLimiter(limit=1, queue=1)
    assert await limiter.acquire("a", 1.0) is None
    assert await limiter.acquire("a", 0.01) is Refusal.ROUTE_QUEUE_TIMEOUT
    assert limiter.waiting("a") == 0
    limiter.release("a")
    assert limiter.tracked() == 0


async def test_a_cancelled_waiter_gives_its_place_up() -> None:
    limiter = RouteLimiter(limit=1, queue=1)
    assert await limiter.acquire("a", 1.0) is None
    waiting = asyncio.ensure_future(limiter.acquire("a", 5.0))
    await asyncio.sleep(0)
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    assert limiter.waiting("a") == 0
    limiter.release("a")
    assert limiter.tracked() == 0


async def test_a_share_handed_over_to_a_waiter_that_timed_out_is_passed_on() -> None:
    limiter = RouteLimiter(limit=1, queue=2)
    assert await limiter.acquire("a", 1.0) is None
    late = asyncio.ensure_future(limiter.acquire("a", 5.0))
    await asyncio.sleep(0)
    next_one = asyncio.ensure_future(limiter.acquire("a", 5.0))
    await asyncio.sleep(0)
    limiter.release("a")
    late.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await late
    assert await next_one is None
    assert limiter.active("a") == 1
    limiter.release("a")
    assert limiter.tracked() == 0


@pytest.mark.parametrize(("limit", "queue"), [(0, 1), (1, -1)])
def test_bad_bounds_are_refused(limit: int, queue: int) -> None:
    with pytest.raises(ValueError, match="route limit"):
        RouteLimiter(limit, queue)


async def test_a_route_is_full_once_its_share_and_queue_are_taken() -> None:
    limiter = RouteLimiter(limit=1, queue=1)
    assert not limiter.full("a")
    assert await limiter.acquire("a", 1.0) is None
    assert not limiter.full("a")
    waiting = asyncio.ensure_future(limiter.acquire("a", 5.0))
    await asyncio.sleep(0)
    assert limiter.full("a")
    limiter.release("a")
    assert await waiting is None
    assert not limiter.full("a")
    limiter.release("a")


@pytest.mark.parametrize(
    ("steps", "method", "path", "version", "hint"),
    [
        ([("GET", "/hang", 1, "GET /hang")], "GET", "/hang", 1, "GET /hang"),
        ([("GET", "/hang", 1, "GET /hang")], "POST", "/hang", 1, None),
        ([("GET", "/hang", 1, "GET /hang")], "GET", "/hang", 2, None),
        ([("GET", "/a", 1, "GET /a"), ("GET", "/b", 1, "GET /b")], "GET", "/a", 1, "GET /a"),
        (
            [("GET", "/a", 1, "GET /a"), ("GET", "/b", 1, "GET /b"), ("GET", "/c", 1, "GET /c")],
            "GET",
            "/a",
            1,
            None,
        ),
        ([("GET", "/a", 1, "GET /a"), ("GET", "/b", 2, "GET /b")], "GET", "/a", 2, None),
    ],
)
def test_route_hints_are_bounded_and_forgotten_with_the_policy(
    steps: list[tuple[str, str, int, str]],
    method: str,
    path: str,
    version: int,
    hint: str | None,
) -> None:
    hints = RouteHints(limit=2)
    for step_method, step_path, step_version, key in steps:
        hints.get(step_method, step_path, step_version)
        hints.remember(step_method, step_path, step_version, key)
    assert hints.get(method, path, version) == hint
    assert len(hints) <= 2
