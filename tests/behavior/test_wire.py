"""Wire models: observation batches and statistics snapshots, versioned and validated."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.behavior.diff import diff_policies
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings, learn_policy
from vigil.behavior.policy import Policy
from vigil.behavior.sample import ExchangeSample, FieldSample, ResponseSample
from vigil.behavior.statistics import Statistics
from vigil.behavior.wire import (
    AlertWire,
    WireError,
    decode_batch,
    encode_batch,
)
from vigil.http.model import Request
from vigil.inspection.alerts import Alert, Severity

from .builders import RequestBuilder


def sample(client: int = 0xABCDEF, route: str = "POST /login", time: float = 1e9) -> ExchangeSample:
    return ExchangeSample(
        route,
        client,
        time,
        "application/json",
        [
            FieldSample("json.user", "string", 5, True, 1, 0, "", (), "word", "a", "alice"),
            FieldSample("json.password", "string", 9, True, 5, 0, "", (), "alnum", "a9", None),
            FieldSample(
                "json.note", "string", 70, True, 9, 0, "'-", ("--",), "text", None, None, 3.75
            ),
            FieldSample("json.tags", "array", 3, profiled=False),
        ],
        ResponseSample(
            200, 42, 3.5, [FieldSample("json.ok", "bool", 4, True, 1, 0, "", (), "word")]
        ),
    )


def test_a_batch_round_trips_to_the_same_samples() -> None:
    samples = [sample(), sample(client=1, route="GET /users/{int}")]
    alert = Alert("V101", "POST /login", "json.user", "specials none", '"\'"', Severity.HIGH)
    data = encode_batch(
        "shop",
        samples,
        gate="shop-7d9f",
        policy_version=3,
        alerts=[AlertWire.of(alert, verdict="block", request_id="r1", client=7, time=5.0)],
    )
    batch = decode_batch(data)
    assert batch.samples() == samples
    assert (batch.service, batch.gate, batch.policy_version) == ("shop", "shop-7d9f", 3)
    assert batch.alerts[0].weight is Severity.HIGH
    assert batch.alerts[0].client == "0000000000000007"


def _batch(**changes: object) -> bytes:
    data = orjson.loads(encode_batch("shop", [sample()]))
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        target[keys[-1]] = value
    return orjson.dumps(data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"schema": 2}, "schema: Value error, schema 2 is not supported", id="schema"),
        pytest.param({"kind": "Policy"}, "kind: Input should be 'ObservationBatch'", id="kind"),
        pytest.param({"service": ""}, "service: String should have at least 1", id="no-service"),
        pytest.param({"exchanges__0__client": "xyz"}, "exchanges.0.client: String should match",
                     id="bad-digest"),
        pytest.param({"exchanges__0__route": "users"}, "exchanges.0.route: String should match",
                     id="bad-route"),
        pytest.param({"exchanges__0__fields__0__classes": 256},
                     "exchanges.0.fields.0.classes: Input should be less than or equal to 255",
                     id="classes"),
        pytest.param({"exchanges__0__fields__0__shape": "blob"}, "unknown shape 'blob'",
                     id="shape"),
        pytest.param({"exchanges__0__fields__0__sequences": ["<script"]}, "unknown sequence",
                     id="sequence"),
        pytest.param({"exchanges__0__fields__0__value": "x" * 65}, "at most 64 characters",
                     id="long-value"),
        pytest.param({"exchanges__0__fields__0__extra": 1}, "Extra inputs are not permitted",
                     id="extra"),
        pytest.param({"alerts": [{"code": "V999"}]}, "alerts.0", id="bad-alert"),
    ],
)  # fmt: skip
def test_bad_batches_name_the_field(changes: dict[str, object], message: str) -> None:
    with pytest.raises(WireError, match=message):
        decode_batch(_batch(**changes))


def test_a_batch_over_the_exchange_bound_is_refused() -> None:
    data = encode_batch("shop", [sample()] * 1001)
    with pytest.raises(WireError, match="exchanges: Tuple should have at most 1000 items"):
        decode_batch(data)


def test_nan_times_and_non_json_are_refused() -> None:
    with pytest.raises(WireError, match="time"):
        decode_batch(_batch(exchanges__0__time=-1))
    with pytest.raises(WireError, match="Invalid JSON"):
        decode_batch(b"{not json")


# Many gates, one learner -------------------------------------------------------------------------

NAMES = ("tom", "ann", "o-neil", "bob smith", "zed", "amy@x.io", "a'b")
PATHS = ("/users", "/users/7", "/users/8", "/orders", "/admin")


@st.composite
def traffic(draw: st.DrawFn) -> list[Request]:
    requests = []
    for i in range(draw(st.integers(1, 60))):
        request = (
            RequestBuilder()
            .get(draw(st.sampled_from(PATHS)))
            .query(q=draw(st.sampled_from(NAMES)))
            .client(f"10.0.0.{draw(st.integers(0, 5))}")
            .at(1e9 + 300.0 * draw(st.integers(0, 6)) + i)
            .build()
        )
        requests.append(request)
    return requests


@settings(max_examples=40)
@given(traffic(), st.integers(1, 4))
def test_learning_from_many_gates_through_the_wire_gives_the_policy_of_one_place(
    requests: list[Request], gates: int
) -> None:
    one_place = Engine()
    for request in requests:
        one_place.observe(one_place.inspect_request(request))
    expected = one_place.learn()
    learner = Statistics()
    batches: list[list[ExchangeSample]] = [[] for _ in range(gates)]
    gate_engines = [Engine() for _ in range(gates)]
    for i, request in enumerate(requests):
        gate = gate_engines[i % gates]
        sample = gate.collector.sample(gate.inspect_request(request))
        if sample is not None:
            batches[i % gates].append(sample)
    for batch in reversed(batches):
        for exchange in decode_batch(encode_batch("svc", batch)).samples():
            learner.add(exchange)
    learned = learn_policy(learner, LearnSettings(), Policy())
    assert diff_policies(expected, learned.policy, counters=True).lines() == []
    assert learned.policy == expected


def test_the_batch_example_in_the_docs_is_valid() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "learning.md"
    example = docs.read_text().split("```json\n", 1)[1].split("```", 1)[0]
    batch = decode_batch(example)
    (exchange,) = batch.samples()
    assert (exchange.route, exchange.fields[0].value) == ("GET /users", "alice")
