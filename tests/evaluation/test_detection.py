"""Detection metrics: learning on normal traffic, then counting what enforce mode would block."""

from __future__ import annotations

import random

from vigil.behavior.engine import Engine
from vigil.evaluation.detection import Confusion, evaluate, train
from vigil.http.model import Request

NAMES = ["tom", "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"]


def normal(seed: int, count: int) -> list[Request]:
    rng = random.Random(seed)
    return [
        Request("GET", "/users", f"username={rng.choice(NAMES)}", [("host", "shop")])
        for _ in range(count)
    ]


ATTACKS = [
    Request("GET", "/users", "username=tom%20or%201%3D1", [("host", "shop")]),
    Request("GET", "/users", "username=%27%20OR%20%271%27%3D%271", [("host", "shop")]),
    Request("GET", "/users", "username=tom", [("host", "shop")]),
]


def test_confusion_counts_and_rates() -> None:
    engine = Engine()
    assert train(engine, normal(1, 200), seconds_per_request=60.0) == 200
    result = evaluate(engine, normal(2, 100), ATTACKS, examples=5)
    assert (result.true_positives, result.false_negatives) == (2, 1)
    assert (result.false_positives, result.true_negatives) == (0, 100)
    assert result.detection_rate == 2 / 3
    assert result.false_positive_rate == 0.0
    assert result.precision == 1.0
    assert result.missed_examples == ["GET /users?username=tom -> no alert"]
    assert result.codes_on_anomalous["V101"] == 2


def test_progress_is_reported() -> None:
    seen: list[tuple[str, int]] = []
    engine = Engine()
    train(engine, normal(1, 5000), lambda phase, n: seen.append((phase, n)))
    assert seen == [("learn", 5000)]


def test_empty_confusion_has_zero_rates() -> None:
    empty = Confusion()
    assert (empty.detection_rate, empty.false_positive_rate, empty.precision) == (0.0, 0.0, 0.0)
