"""The three configurations on the same requests, counted per set, class and system."""

from __future__ import annotations

import random

import pytest

from tests.behavior.builders import RequestBuilder, words
from vigil.behavior.engine import Engine
from vigil.evaluation.compare import (
    EXAMPLES_KEPT,
    Judges,
    LabelledSet,
    Outcome,
    SetKind,
    Tally,
    Verdict,
    describe,
)
from vigil.evaluation.detection import train
from vigil.evaluation.wire import to_wire
from vigil.http.model import Request, Response

PASSED = Verdict(Outcome.PASSED)
BLOCKED = Verdict(Outcome.BLOCKED, "why")
REFUSED = Verdict(Outcome.REFUSED)


def users(name: str) -> Request:
    return RequestBuilder().get("/users").query(username=name).headers().build()


@pytest.fixture(scope="module")
def judges() -> Judges:
    rng = random.Random(3)
    engine = Engine()
    train(engine, (users(words(rng)) for _ in range(300)), seconds_per_request=30)
    return Judges(engine.policy)


def stopped(verdicts: dict[str, Verdict]) -> dict[str, bool]:
    return {system: v.outcome.stopped for system, v in verdicts.items()}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tom", {"model": False, "signatures": False, "both": False}),
        ("o'brien", {"model": True, "signatures": False, "both": True}),
        ("x' or '1'='1", {"model": True, "signatures": True, "both": True}),
        ("a" * 40, {"model": True, "signatures": False, "both": True}),
        ("<script>alert(1)</script>", {"model": True, "signatures": True, "both": True}),
    ],
)
def test_each_configuration_judges_the_request(
    judges: Judges, value: str, expected: dict[str, bool]
) -> None:
    assert stopped(judges.request(users(value))) == expected


def test_a_block_says_why(judges: Judges) -> None:
    verdict = judges.request(users("x' or '1'='1"))["signatures"]
    assert verdict.outcome is Outcome.BLOCKED
    assert "query.username" in verdict.reason


def test_unlearned_requests_are_judged_by_signatures_only(judges: Judges) -> None:
    sent = judges.request(Request("GET", "/get", "x=1%20union%20select%201,2"), learned=False)
    assert stopped(sent) == {"signatures": True}


def test_bytes_are_read_as_the_gate_reads_them(judges: Judges) -> None:
    sent = users("x' or '1'='1")
    verdicts, request = judges.wire(to_wire(sent))
    assert request is not None
    assert (request.method, request.path, request.query) == (sent.method, sent.path, sent.query)
    assert stopped(verdicts) == {"model": True, "signatures": True, "both": True}


def test_bytes_the_gate_cannot_parse_are_refused(judges: Judges) -> None:
    verdicts, request = judges.wire(b"GET /users HTTP/1.1\r\nbad header\r\n\r\n", learned=False)
    assert request is None
    assert verdicts == {"signatures": Verdict(Outcome.REFUSED, verdicts["signatures"].reason)}


def test_requests_the_gate_refuses_as_ambiguous_are_refused(judges: Judges) -> None:
    raw = b"GET /users?username=tom HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n"
    verdicts, request = judges.wire(raw)
    assert request is not None
    assert {v.outcome for v in verdicts.values()} == {Outcome.REFUSED}
    assert verdicts["model"].reason.startswith("ambiguous: ")


def test_leaks_are_judged_on_responses(judges: Judges) -> None:
    assert judges.response(Response(500, [], b"You have an error in your SQL syntax"))
    assert not judges.response(Response(200, [], b'{"ok": true}'))


@pytest.mark.parametrize(
    ("kind", "verdict", "kept"),
    [
        (SetKind.DETECTION, PASSED, True),
        (SetKind.DETECTION, BLOCKED, False),
        (SetKind.BENIGN, BLOCKED, True),
        (SetKind.BENIGN, REFUSED, True),
        (SetKind.BENIGN, PASSED, False),
        (SetKind.NEAR_MISS, BLOCKED, True),
        (SetKind.NEAR_MISS, PASSED, False),
    ],
)
def test_examples_are_the_requests_that_went_the_wrong_way(
    kind: SetKind, verdict: Verdict, kept: bool
) -> None:
    labelled = LabelledSet("x", kind, systems=("a",))
    labelled.add("c", {"a": verdict}, lambda: "GET /q")
    why = " -- why" if verdict.reason else ""
    assert labelled.examples["a"] == ([f"[c] GET /q{why}"] if kept else [])


def test_refusals_count_as_stopped_and_apart() -> None:
    labelled = LabelledSet("x", SetKind.BENIGN, systems=("a", "b"))
    for verdicts in ({"a": REFUSED, "b": PASSED}, {"a": BLOCKED, "b": PASSED}):
        labelled.add("c", verdicts, lambda: "GET /")
    tally = labelled.classes["c"]
    assert (tally.total, tally.flagged["a"], tally.refused["a"], tally.flagged["b"]) == (2, 2, 1, 0)


def test_examples_are_bounded() -> None:
    labelled = LabelledSet("x", SetKind.BENIGN, systems=("a",))
    for _ in range(EXAMPLES_KEPT + 5):
        labelled.add("c", {"a": BLOCKED}, lambda: "GET /")
    assert len(labelled.examples["a"]) == EXAMPLES_KEPT
    assert labelled.classes["c"].flagged["a"] == EXAMPLES_KEPT + 5


def test_rates() -> None:
    labelled = LabelledSet("x", SetKind.DETECTION)
    labelled.classes = {
        "a": Tally(2),
        "b": Tally(8),
    }
    labelled.classes["a"].flagged.update({"model": 2, "both": 2})
    labelled.classes["b"].flagged.update({"model": 2, "signatures": 8, "both": 8})
    assert labelled.overall().rate("model") == 0.4
    assert labelled.mean_rate("model") == 0.625
    assert labelled.overall(["b"]).total == 8
    assert labelled.mean_rate("model", ["a"]) == 1.0
    assert Tally().rate("model") == 0.0


def test_describe_names_the_request() -> None:
    assert describe(users("tom")) == "GET /users?username=tom"
