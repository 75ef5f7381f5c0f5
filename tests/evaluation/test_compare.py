"""The three configurations on the same requests, counted per set and class."""

from __future__ import annotations

import random

from tests.behavior.builders import RequestBuilder, words
from vigil.behavior.engine import Engine
from vigil.evaluation.compare import Judges, LabelledSet, Tally, judge
from vigil.evaluation.detection import train
from vigil.http.model import Request, Response


def users(name: str) -> Request:
    return RequestBuilder().get("/users").query(username=name).headers().build()


def judges() -> Judges:
    rng = random.Random(3)
    engine = Engine()
    train(engine, (users(words(rng)) for _ in range(300)))
    return Judges(engine.policy)


def test_each_configuration_is_counted_per_class() -> None:
    j = judges()
    attacks = judge(
        j,
        LabelledSet("attacks", attack=True),
        [
            ("sqli", users("x' or '1'='1")),
            ("tamper", users("a" * 40)),
            ("xss", users("<script>alert(1)</script>")),
        ],
    )
    sqli, tamper, xss = attacks.classes["sqli"], attacks.classes["tamper"], attacks.classes["xss"]
    assert sqli.flagged == {"model": 1, "signatures": 1, "both": 1}
    assert (tamper.flagged["model"], tamper.flagged["signatures"], tamper.flagged["both"]) == (
        1,
        0,
        1,
    )
    assert xss.flagged["signatures"] == 1
    assert attacks.overall().total == 3
    assert attacks.examples["signatures"] == ["[tamper] GET /users?username=" + "a" * 40]


def test_benign_sets_count_false_positives() -> None:
    j = judges()
    benign = judge(
        j,
        LabelledSet("benign", attack=False),
        [("normal", users("tom")), ("normal", users("o'brien"))],
    )
    assert benign.classes["normal"].total == 2
    assert benign.classes["normal"].flagged["signatures"] == 0


def test_unlearned_requests_are_judged_by_signatures_only() -> None:
    j = judges()
    sent = judge(
        j,
        LabelledSet("sent", attack=True, configs=("signatures",)),
        [("sqli", Request("GET", "/get", "x=1%20union%20select%201,2"))],
        learned=False,
    )
    assert sent.classes["sqli"].flagged["signatures"] == 1
    assert sent.classes["sqli"].flagged["model"] == 0


def test_leaks_are_judged_on_responses() -> None:
    j = judges()
    assert j.response(Response(500, [], b"You have an error in your SQL syntax"))
    assert not j.response(Response(200, [], b'{"ok": true}'))


def test_rates() -> None:
    labelled = LabelledSet("x", attack=True)
    labelled.classes = {
        "a": Tally(2, {"model": 2, "signatures": 0, "both": 2}),
        "b": Tally(8, {"model": 2, "signatures": 8, "both": 8}),
    }
    assert labelled.overall().rate("model") == 0.4
    assert labelled.mean_rate("model") == 0.625
    assert labelled.overall(["b"]).total == 8
    assert Tally().rate("model") == 0.0
