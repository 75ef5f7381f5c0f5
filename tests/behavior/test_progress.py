"""Learning progress per route: gathering, young, ready."""

from __future__ import annotations

import pytest

from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings
from vigil.behavior.progress import Readiness, learning_progress

from .builders import RequestBuilder, feed


def engine_with(requests_per_route: dict[str, list[str]]) -> Engine:
    engine = Engine()
    for path, clients in requests_per_route.items():
        feed(engine, [RequestBuilder().get(path).client(c).build() for c in clients])
    return engine


def test_progress_of_each_state() -> None:
    engine = engine_with(
        {
            "/scan": ["203.0.113.66"] * 50,
            "/young": [f"10.0.0.{i}" for i in range(6)],
            "/busy": [f"10.0.1.{i % 9}" for i in range(40)],
        }
    )
    engine.learn()
    progress = {p.route: p for p in learning_progress(engine.collector.statistics, engine.policy,
                                                        engine.settings)}  # fmt: skip
    scan = progress["GET /scan"]
    assert (scan.state, scan.samples, scan.clients) == (Readiness.GATHERING, 50, 1)
    assert scan.reason == "needs 2 more clients"
    assert not scan.ready
    young = progress["GET /young"]
    assert (young.state, young.samples, young.reason) == (
        Readiness.YOUNG,
        6,
        "needs 14 more samples",
    )
    busy = progress["GET /busy"]
    assert (busy.state, busy.clients, busy.windows, busy.reason) == (Readiness.READY, 3, 2, "ready")
    assert busy.ready


@pytest.mark.parametrize(
    ("clients", "windows", "reason"),
    [
        (1, 1, "needs 2 more clients and 1 more window"),
        (3, 1, "needs 1 more window"),
        (2, 2, "needs 1 more client"),
    ],
)
def test_gathering_routes_say_what_they_need(clients: int, windows: int, reason: str) -> None:
    from .builders import T0

    engine = Engine(settings=LearnSettings())
    requests = [
        RequestBuilder().get("/x").client(f"c{i % clients}").at(T0 + (i % windows) * 600).build()
        for i in range(12)
    ]
    feed(engine, requests)
    (progress,) = learning_progress(engine.collector.statistics, engine.policy, engine.settings)
    assert progress.reason == reason


def test_published_routes_without_pending_statistics_still_show() -> None:
    engine = engine_with({"/busy": [f"10.0.1.{i % 9}" for i in range(40)]})
    engine.learn()
    empty = engine.collector.statistics.empty_like()
    (progress,) = learning_progress(empty, engine.policy, engine.settings)
    assert (progress.route, progress.state, progress.samples) == ("GET /busy", Readiness.READY, 40)
