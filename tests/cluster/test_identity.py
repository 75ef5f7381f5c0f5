"""Naming an object of a document: kind, namespace (default, none when cluster-scoped), name."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.cluster.identity import identify


@pytest.mark.parametrize(
    ("doc", "display"),
    [
        (
            {"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}},
            "Deployment shop/web",
        ),
        ({"kind": "Pod", "metadata": {"name": "p"}}, "Pod default/p"),
        ({"kind": "Node", "metadata": {"name": "n1", "namespace": "ignored"}}, "Node n1"),
        ({"kind": "ClusterRole", "metadata": {"name": "r"}}, "ClusterRole r"),
        ({"kind": "Pod", "metadata": {"name": 5, "namespace": 7}}, "Pod default/"),
        ({"kind": 3, "metadata": "x"}, " default/"),
    ],
)
def test_identity_and_display(doc: dict[str, Any], display: str) -> None:
    assert identify(doc).display == display
