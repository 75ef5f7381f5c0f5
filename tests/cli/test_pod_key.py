"""Pods named on the command line."""

from __future__ import annotations

import click
import pytest

from vigil.cli.pod_key import pod_key


@pytest.mark.parametrize(("text", "key"), [("web", "default/web"), ("shop/web", "shop/web")])
def test_pod_keys(text: str, key: str) -> None:
    assert pod_key(text) == key


@pytest.mark.parametrize("text", ["", "a/b/c", "/web", "shop/"])
def test_bad_pod_keys(text: str) -> None:
    with pytest.raises(click.BadParameter):
        pod_key(text)
