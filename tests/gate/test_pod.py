"""The pod name on alert lines comes from POD_NAME, then HOSTNAME, then the host name."""

from __future__ import annotations

import socket

import pytest

from vigil.gate.pod import pod_name


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"POD_NAME": "shop-7d9f", "HOSTNAME": "x"}, "shop-7d9f"),
        ({"HOSTNAME": "shop-abc12"}, "shop-abc12"),
        ({"POD_NAME": " padded "}, "padded"),
        ({"POD_NAME": "p" * 300}, "p" * 253),
    ],
)
def test_pod_name(environ: dict[str, str], expected: str) -> None:
    assert pod_name(environ) == expected


def test_the_host_name_stands_in() -> None:
    assert pod_name({}) == socket.gethostname()
