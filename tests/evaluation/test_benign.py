"""False positives on a labelled benign set, overall and per label."""

from __future__ import annotations

from vigil.behavior.engine import Engine
from vigil.evaluation.benign import judge_benign
from vigil.evaluation.detection import train
from vigil.http.model import Request

from .test_detection import normal


def test_blocked_benign_requests_are_counted_per_label() -> None:
    engine = Engine()
    train(engine, normal(1, 200), seconds_per_request=60.0)
    benign = [
        (Request("GET", "/users", "username=tom", [("host", "shop")]), "plain"),
        (Request("GET", "/users", "username=alice", [("host", "shop")]), "plain"),
        (Request("GET", "/users", "username=o%27hara%3B", [("host", "shop")]), "odd"),
    ]
    result = judge_benign(engine, "names", benign, examples=5)
    assert (result.name, result.total, result.flagged) == ("names", 3, 1)
    assert result.false_positive_rate == 1 / 3
    assert result.labels == {"plain": 2, "odd": 1}
    assert result.flagged_labels == {"odd": 1}
    assert result.codes["V101"] == 1
    assert result.examples[0].startswith("[odd] GET /users: query.username: expected")


def test_an_empty_set_has_no_rate() -> None:
    assert judge_benign(Engine(), "empty", []).false_positive_rate == 0.0
