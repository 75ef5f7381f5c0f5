"""The learner's msgspec batch decoder agrees with the reference pydantic wire model."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.learner.builders import batch, sample
from vigil.behavior.sample import ExchangeSample, FieldSample, ResponseSample
from vigil.behavior.values import SEQUENCES, SHAPES
from vigil.behavior.wire import WireError, decode_batch, encode_batch
from vigil.learner.batch_decoder import decode_batch_fast

EXCHANGE: dict[str, Any] = {
    "route": "GET /users",
    "client": "0123456789abcdef",
    "time": 1.0,
    "fields": [{"path": "query.username", "length": 5, "classes": 1, "shape": "word"}],
}
ALERT: dict[str, Any] = {
    "code": "V101",
    "route": "GET /users",
    "field": "query.username",
    "expected": "x",
    "seen": "y",
    "severity": "high",
}


def document(**changes: Any) -> bytes:
    data: dict[str, Any] = {
        "apiVersion": "vigil.dev/v1",
        "kind": "ObservationBatch",
        "schema": 1,
        "service": "users",
        "exchanges": [EXCHANGE],
        "alerts": [ALERT],
    }
    data.update(changes)
    return orjson.dumps(data)


def exchange(**changes: Any) -> list[dict[str, Any]]:
    return [{**EXCHANGE, **changes}]


def field(**changes: Any) -> list[dict[str, Any]]:
    return exchange(fields=[{**EXCHANGE["fields"][0], **changes}])


REFUSED = [
    ("service", document(service="")),
    ("kind", document(kind="Batch")),
    ("apiVersion", document(apiVersion="v2")),
    ("schema", document(schema=2)),
    ("extra", document(extra=1)),
    ("exchanges.0.route", document(exchanges=exchange(route="get /users"))),
    ("exchanges.0.client", document(exchanges=exchange(client="XYZ"))),
    ("exchanges.0.time", document(exchanges=exchange(time=-1))),
    ("exchanges.0.fields.0.classes", document(exchanges=field(classes=256))),
    ("exchanges.0.fields.0.flags", document(exchanges=field(flags=-1))),
    ("exchanges.0.fields.0.kind", document(exchanges=field(kind="blob"))),
    ("exchanges.0.fields.0.shape", document(exchanges=field(shape="triangle"))),
    ("exchanges.0.fields.0.sequences", document(exchanges=field(sequences=["<?php"]))),
    ("exchanges.0.fields.0.value", document(exchanges=field(value="v" * 65))),
    ("exchanges.0.fields.0.specials", document(exchanges=field(specials="!" * 65))),
    ("exchanges.0.fields.0.entropy", document(exchanges=field(entropy=99.0))),
    ("exchanges.0.fields.0.path", document(exchanges=field(path="p" * 1025))),
    ("exchanges.0.response.status", document(exchanges=exchange(response={"status": 42}))),
    ("exchanges", document(exchanges=[EXCHANGE] * 1001)),
    ("alerts.0.code", document(alerts=[{**ALERT, "code": "V999"}])),
    ("alerts.0.severity", document(alerts=[{**ALERT, "severity": "severe"}])),
    ("alerts.0.verdict", document(alerts=[{**ALERT, "verdict": "maybe"}])),
    ("(top)", b"{"),
    ("(top)", b"[]"),
]


def test_a_valid_document_is_read_the_same() -> None:
    body = document()
    assert decode_batch_fast(body).exchanges[0].sample() == decode_batch(body).samples()[0]


@pytest.mark.parametrize(("where", "body"), REFUSED, ids=[w for w, _ in REFUSED])
def test_both_refuse_the_same_documents_at_the_same_field(where: str, body: bytes) -> None:
    with pytest.raises(WireError) as reference:
        decode_batch(body)
    with pytest.raises(WireError) as fast:
        decode_batch_fast(body)
    assert str(fast.value).startswith(where.split(".", maxsplit=1)[0])
    assert (
        str(reference.value).split(":")[0].split(".")[0]
        == str(fast.value).split(":")[0].split(".")[0]
    )


texts = st.text(max_size=64)
fields = st.builds(
    FieldSample,
    path=st.text(min_size=1, max_size=40),
    kind=st.sampled_from(["string", "number", "value", "object"]),
    length=st.integers(0, 10_000),
    profiled=st.booleans(),
    classes=st.integers(0, 255),
    flags=st.integers(0, 255),
    specials=st.text(max_size=8),
    sequences=st.lists(st.sampled_from(SEQUENCES), max_size=3, unique=True).map(tuple),
    shape=st.sampled_from(SHAPES),
    pattern=st.none() | texts,
    value=st.none() | texts,
    entropy=st.none() | st.floats(0, 8),
    grammars=st.integers(0, 255),
    dangers=st.integers(0, 63),
)
exchanges = st.builds(
    ExchangeSample,
    route=st.sampled_from(["GET /users", "POST /login", "GET /users/{int}"]),
    client=st.integers(0, (1 << 64) - 1),
    time=st.floats(0, 2e9),
    content_type=st.sampled_from(["", "application/json"]),
    fields=st.lists(fields, max_size=6),
    response=st.none()
    | st.builds(
        ResponseSample,
        status=st.integers(100, 599),
        size=st.integers(0, 10_000),
        latency_ms=st.floats(0, 1000),
        fields=st.lists(fields, max_size=3),
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(exchanges, max_size=8))
def test_generated_batches_read_the_same(samples: list[ExchangeSample]) -> None:
    body = encode_batch("users", samples)
    reference = decode_batch(body).samples()
    fast = [e.sample() for e in decode_batch_fast(body).exchanges]
    assert fast == reference


def test_builders_batches_are_valid() -> None:
    assert len(decode_batch_fast(batch(count=3)).exchanges) == 3
    assert decode_batch_fast(encode_batch("users", [sample()])).service == "users"


@pytest.mark.parametrize(
    ("fast", "reference"),
    [
        ("FieldFast", "FieldWire"),
        ("ResponseFast", "ResponseWire"),
        ("ExchangeFast", "ExchangeWire"),
        ("AlertFast", "AlertWire"),
        ("BatchFast", "ObservationBatch"),
    ],
)
def test_every_field_of_the_reference_is_mirrored(fast: str, reference: str) -> None:
    from vigil.behavior import wire
    from vigil.learner import batch_decoder

    mirrored = set(getattr(batch_decoder, fast).__struct_fields__)
    assert mirrored == set(getattr(wire, reference).model_fields)


@settings(max_examples=40, deadline=None)
@given(st.lists(exchanges, max_size=8))
def test_counting_the_structs_equals_counting_the_samples(samples: list[ExchangeSample]) -> None:
    from vigil.behavior.learn import LearnSettings
    from vigil.behavior.wire import encode_statistics

    decoded = decode_batch_fast(encode_batch("users", samples))
    reference, fast = LearnSettings().statistics(), LearnSettings().statistics()
    for exchange in decoded.exchanges:
        reference.add(exchange.sample())
        fast.add(exchange.counted())
    assert encode_statistics(fast) == encode_statistics(reference)
