"""Checking the upstream URL of the proxy."""

from __future__ import annotations

import pytest

from vigil.gate.proxy_config import UpstreamError, parse_upstream


@pytest.mark.parametrize(
    "url", ["ftp://host", "http://", "http://h/path", "http://h?q=1", "http://h:99999", "not a url"]
)
def test_parse_upstream_rejects(url: str) -> None:
    with pytest.raises(UpstreamError):
        parse_upstream(url)


def test_parse_upstream_accepts() -> None:
    assert str(parse_upstream("http://127.0.0.1:8080/")) == "http://127.0.0.1:8080"
