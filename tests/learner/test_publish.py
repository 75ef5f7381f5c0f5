"""Published policies: ETags, If-None-Match, publishing order and bounded long polls."""

from __future__ import annotations

import asyncio

import pytest

from vigil.behavior.policy import Policy
from vigil.learner.publish import (
    Publications,
    Published,
    TooManyWaiters,
    etag_of,
    matches,
    policy_json,
)


def entry(version: int, service: str = "users") -> Published:
    body = policy_json(Policy(service=service, version=version))
    return Published(service, version, etag_of(version, body), body)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ('"3-abc"', True),
        ('W/"3-abc"', True),
        ('"1-x", "3-abc"', True),
        ("*", True),
        ('"3-abd"', False),
    ],
)
def test_if_none_match(header: str | None, expected: bool) -> None:
    assert matches(header, '"3-abc"') is expected


def test_etags_follow_the_content() -> None:
    assert etag_of(1, b"a") != etag_of(1, b"b")
    assert etag_of(1, b"a").startswith('"1-')


def test_only_newer_versions_are_published() -> None:
    publications = Publications(10)
    assert publications.publish(entry(2))
    assert not publications.publish(entry(1))
    assert not publications.publish(entry(2))
    current = publications.get("users")
    assert current is not None
    assert current.version == 2
    assert publications.services() == ["users"]


async def test_a_long_poll_is_answered_by_the_next_publication() -> None:
    publications = Publications(10)
    publications.publish(entry(1))
    first = publications.get("users")
    assert first is not None
    waiter = asyncio.create_task(publications.wait_newer("users", first.etag, 30))
    await asyncio.sleep(0)
    assert publications.waiting == 1
    publications.publish(entry(2))
    newer = await waiter
    assert newer is not None
    assert newer.version == 2
    assert publications.waiting == 0


async def test_a_long_poll_ends_empty_and_a_stale_etag_answers_at_once() -> None:
    publications = Publications(10)
    publications.publish(entry(1))
    current = publications.get("users")
    assert current is not None
    assert await publications.wait_newer("users", current.etag, 0.01) is None
    assert await publications.wait_newer("users", '"0-old"', 30) is current


async def test_long_polls_are_bounded() -> None:
    publications = Publications(1)
    held = asyncio.create_task(publications.wait_newer("users", "", 30))
    await asyncio.sleep(0)
    with pytest.raises(TooManyWaiters, match="bound 1"):
        await publications.wait_newer("orders", "", 30)
    publications.publish(entry(1))
    assert await held is not None
