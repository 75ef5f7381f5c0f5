"""Judging a request set: vigil on the bytes, other systems read from their HTTP statuses."""

from __future__ import annotations

import random

import pytest

from tests.behavior.builders import RequestBuilder, words
from vigil.behavior.engine import Engine
from vigil.evaluation.compare import Judges, Outcome, SetKind
from vigil.evaluation.compare_run import NO_ANSWER, judge_set, status_verdict
from vigil.evaluation.compare_sets import RequestSet, SetSpec
from vigil.evaluation.detection import train
from vigil.evaluation.wire import to_wire
from vigil.http.model import Request


def users(name: str) -> Request:
    return RequestBuilder().get("/users").query(username=name).headers().build()


@pytest.fixture(scope="module")
def judges() -> Judges:
    rng = random.Random(3)
    engine = Engine()
    train(engine, (users(words(rng)) for _ in range(300)), seconds_per_request=30)
    return Judges(engine.policy)


BENIGN = SetSpec("benign", SetKind.BENIGN, "benign users", "ordinary user names")
SENT = SetSpec("sent", SetKind.DETECTION, "sent", "made-up routes", learned=False)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (403, Outcome.BLOCKED),
        (400, Outcome.REFUSED),
        (200, Outcome.PASSED),
        (404, Outcome.PASSED),
        (NO_ANSWER, Outcome.PASSED),
    ],
)
def test_statuses_read_as_outcomes(status: int, outcome: Outcome) -> None:
    assert status_verdict(status).outcome is outcome


def test_vigil_and_another_system_are_counted_side_by_side(judges: Judges) -> None:
    items = [
        ("plain", to_wire(users("tom"))),
        ("plain", to_wire(users("anna"))),
        ("quote", to_wire(users("x' or '1'='1"))),
        ("broken", b"GET /users HTTP/1.1\r\nno colon\r\n\r\n"),
    ]
    labelled = judge_set(judges, RequestSet(BENIGN, items), {"waf": [200, 403, 403, 400]})
    assert labelled.systems == ("waf", "model", "signatures", "both")
    plain, quote, broken = (labelled.classes[k] for k in ("plain", "quote", "broken"))
    assert (plain.total, plain.flagged["waf"], plain.flagged["both"]) == (2, 1, 0)
    assert quote.flagged == {"waf": 1, "model": 1, "signatures": 1, "both": 1}
    assert broken.refused == {"waf": 1, "model": 1, "signatures": 1, "both": 1}
    assert labelled.examples["waf"][0].startswith("[plain] GET /users?username=anna")
    assert (
        labelled.examples["model"][-1]
        == "[broken] GET /users HTTP/1.1 -- the gate's HTTP parser refuses the bytes"
    )


def test_unlearned_sets_are_judged_by_the_detectors_alone(judges: Judges) -> None:
    items = [("sqli", to_wire(Request("GET", "/get", "x=1%20union%20select%201,2")))]
    labelled = judge_set(judges, RequestSet(SENT, items))
    assert labelled.systems == ("signatures",)
    assert labelled.classes["sqli"].flagged == {"signatures": 1}


def test_statuses_must_match_the_requests(judges: Judges) -> None:
    with pytest.raises(ValueError, match="waf: 1 statuses for 2 requests"):
        judge_set(judges, RequestSet(BENIGN, [("a", b""), ("b", b"")]), {"waf": [200]})
