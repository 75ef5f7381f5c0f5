"""Every vector of issue 7 through the proxy and the middlewares, in front of real frameworks.

For each vector and each way the gate meets the request, either the request was refused (the
application never saw it), or every value the application parsed was inspected by the gate,
decoded the same way (:func:`tests.differential.coverage.uninspected`). Ordinary requests
(``benign``) must reach the application (a refusal, or a redirect by the framework's router,
means it parsed nothing); vectors whose documented answer is a refusal
(``refused``) must not; headers the proxy must drop (trailers, underscores) must not arrive.
"""

from __future__ import annotations

import pytest

from tests.differential.conftest import TARGET_NAMES, Target, request_id
from tests.differential.coverage import uninspected
from tests.differential.vectors import VECTORS, Vector


def check(target: Target, vector: Vector) -> None:
    """Send ``vector`` to ``target`` and assert the differential invariant."""
    rid = request_id()
    reply = target.send(vector.raw(rid))
    echo = reply.echo
    if echo is None:
        assert not vector.benign, (
            f"{target.name}: an ordinary request was refused: {reply.status} {reply.body[:300]!r}"
            f"\n{target.upstream.output()}"
        )
        assert reply.status, f"{target.name}: no answer ({reply.body[:200]!r})"
        return
    refused = vector.refused or (vector.proxy_refuses and target.recorder is not None)
    assert not refused, f"{target.name}: the application saw a request the gate must refuse"
    record = target.record(reply, rid)
    assert record is not None, f"{target.name}: the application answered an uninspected request"
    assert record["refused"] is None, f"{target.name}: refused by the gate, yet forwarded"
    missing = uninspected(echo, record)
    assert not missing, f"{target.name}: parsed by {echo['framework']}, not inspected:\n" + (
        "\n".join(missing)
    )
    if target.recorder is not None:
        arrived = {name for name, _ in echo["headers"]}
        leaked = arrived & {name.lower() for name in vector.not_forwarded}
        assert not leaked, f"{target.name}: forwarded {sorted(leaked)}"


@pytest.mark.parametrize("target_name", TARGET_NAMES)
@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v.part}: {v.name}")
def test_inspected_or_refused(targets: dict[str, Target], target_name: str, vector: Vector) -> None:
    check(targets[target_name], vector)
