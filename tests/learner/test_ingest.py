"""Checking a posted batch: wire validation, the learner's bounds, ids, gzip bounds."""

from __future__ import annotations

import gzip

import orjson
import pytest

from tests.learner.builders import batch
from vigil.learner.config import Bounds
from vigil.learner.ingest import check_batch, inflate, stored_json
from vigil.learner.problems import Kind, ProblemError

ALERT = {
    "code": "V101",
    "route": "GET /users",
    "field": "query.username",
    "expected": "specials 'none'",
    "seen": '"\'" in "\' OR 1"',
    "severity": "high",
    "verdict": "block",
    "request_id": "req-1",
    "time": 1.0,
}


def test_a_valid_batch_is_compressed_and_identified_by_its_digest() -> None:
    body = batch(count=3, alerts=[ALERT])
    checked = check_batch(body, "users", Bounds(), None)
    assert checked.count == 3
    assert checked.gate == "pod-1"
    assert checked.batch_id.startswith("sha256:")
    assert check_batch(body, "users", Bounds(), None).batch_id == checked.batch_id
    assert stored_json(checked.stored) == body
    assert len(checked.stored) < len(body)
    assert [a.request_id for a in checked.alerts] == ["req-1"]
    assert orjson.loads(checked.alerts[0].data)["code"] == "V101"
    assert check_batch(body, "users", Bounds(), "gate-1:batch-0001").batch_id == "gate-1:batch-0001"


@pytest.mark.parametrize(
    ("body", "bounds", "key", "kind", "needle"),
    [
        (batch(service="orders"), Bounds(), None, Kind.INVALID, "for service 'orders'"),
        (batch(count=5), Bounds(observations_per_batch=4), None, Kind.TOO_LARGE, "holds 5"),
        (batch(fields=6), Bounds(fields_per_observation=5), None, Kind.TOO_LARGE, "exchanges.0"),
        (
            batch(alerts=[ALERT, ALERT]),
            Bounds(alerts_per_batch=1),
            None,
            Kind.TOO_LARGE,
            "2 alerts",
        ),
        (b"{", Bounds(), None, Kind.INVALID, "invalid batch"),
        (
            batch().replace(b'"classes":1', b'"classes":999'),
            Bounds(),
            None,
            Kind.INVALID,
            "exchanges.0.fields.0.classes",
        ),
        (batch(), Bounds(), "short", Kind.INVALID, "Idempotency-Key"),
        (batch(), Bounds(), "bad key with spaces", Kind.INVALID, "Idempotency-Key"),
    ],
)
def test_bad_batches(body: bytes, bounds: Bounds, key: str | None, kind: Kind, needle: str) -> None:
    with pytest.raises(ProblemError) as caught:
        check_batch(body, "users", bounds, key)
    assert caught.value.kind is kind
    assert needle in caught.value.detail


def test_inflate_is_bounded() -> None:
    assert inflate(gzip.compress(b"x" * 100), 100) == b"x" * 100
    bomb = gzip.compress(b"\0" * (10 << 20))
    assert len(bomb) < 20_000
    with pytest.raises(ProblemError) as caught:
        inflate(bomb, 1 << 20)
    assert caught.value.kind is Kind.TOO_LARGE
    with pytest.raises(ProblemError, match="cannot be inflated"):
        inflate(b"\x1f\x8bnot gzip", 100)
    with pytest.raises(ProblemError, match="cut short"):
        inflate(gzip.compress(b"y" * 1000)[:20], 10_000)


def test_a_gzip_body_is_inflated_checked_and_stored_as_sent() -> None:
    from vigil.learner.ingest import Body

    body = batch(count=2)
    sent = gzip.compress(body)
    checked = check_batch(Body(sent, True), "users", Bounds(), None)
    assert checked.stored == sent
    assert checked.count == 2
    with pytest.raises(ProblemError, match="data after its end"):
        check_batch(Body(sent + gzip.compress(b"{}"), True), "users", Bounds(), None)
    with pytest.raises(ProblemError) as caught:
        check_batch(
            Body(gzip.compress(b" " * 5000), True), "users", Bounds(request_bytes=4096), None
        )
    assert caught.value.kind is Kind.TOO_LARGE
