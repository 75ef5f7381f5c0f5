"""Checking the upstream URL of the proxy; the bounds derived from its settings."""

from __future__ import annotations

import pytest

from vigil.gate.proxy_config import ProxyConfig, UpstreamError, parse_upstream


@pytest.mark.parametrize(
    "url", ["ftp://host", "http://", "http://h/path", "http://h?q=1", "http://h:99999", "not a url"]
)
def test_parse_upstream_rejects(url: str) -> None:
    with pytest.raises(UpstreamError):
        parse_upstream(url)


def test_parse_upstream_accepts() -> None:
    assert str(parse_upstream("http://127.0.0.1:8080/")) == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("settings", "shares"),
    [
        ({}, (64, 64)),
        ({"upstream_connections": 10}, (2, 2)),
        ({"upstream_connections": 2}, (1, 1)),
        ({"route_concurrency": 8}, (8, 8)),
        ({"route_concurrency": 8, "route_queue": 0}, (8, 0)),
        ({"route_concurrency": 0}, None),
    ],
)
def test_route_shares_default_to_a_quarter_of_the_pool(
    settings: dict[str, int], shares: tuple[int, int] | None
) -> None:
    assert ProxyConfig(upstream="http://h", **settings).route_shares() == shares  # type: ignore[arg-type]
