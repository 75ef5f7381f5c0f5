"""The collector: only learnable exchanges, bounded routes, take and restore around a run."""

from __future__ import annotations

import random
import threading

from vigil.behavior.collector import Collector
from vigil.behavior.decision import Mode, Verdict, decide
from vigil.behavior.exchange import Exchange
from vigil.behavior.inspector import Inspector
from vigil.behavior.routes import OTHER_ROUTE, RouteTable
from vigil.behavior.statistics import Bounds, Statistics

from .builders import RequestBuilder, users_request


def test_learnable_exchanges_are_counted_per_route() -> None:
    collector = Collector()
    rng = random.Random(1)
    inspector = Inspector()
    for _ in range(5):
        assert collector.observe(inspector.inspect_request(users_request(rng)))
    assert collector.stats["GET /users"].n == 5


def test_unlearnable_or_foreign_decisions_are_refused() -> None:
    collector = Collector()
    decision = Inspector().inspect_request(RequestBuilder().get("/users").build())
    assert isinstance(decision.observation, Exchange)
    decision.observation.learnable = False
    assert not collector.observe(decision)
    assert not collector.observe(decide("GET /x", [], Mode.LEARN))
    assert collector.stats == {}


def test_routes_beyond_the_bound_share_the_other_bucket() -> None:
    collector = Collector(Statistics(bounds=Bounds(max_routes=3)))
    inspector = Inspector()
    for i in range(10):
        collector.observe(inspector.inspect_request(RequestBuilder().get(f"/r{i}").build()))
    assert len(collector.stats) == 4
    assert collector.stats[f"GET {OTHER_ROUTE}"].n == 7


def test_take_empties_and_restore_merges_what_came_meanwhile() -> None:
    collector = Collector()
    inspector = Inspector()
    collector.observe(inspector.inspect_request(RequestBuilder().get("/items/1").build()))
    taken = collector.take()
    assert set(taken.routes) == {"GET /items/{int}"}
    assert collector.stats == {}
    collector.observe(inspector.inspect_request(RequestBuilder().get("/items/2").build()))
    collector.restore(taken, RouteTable(frozenset({"/items/{int}"})))
    assert set(collector.stats) == {"GET /items/{int}"}
    assert collector.stats["GET /items/{int}"].n == 2


def test_decay_ages_every_route() -> None:
    collector = Collector()
    inspector = Inspector()
    for _ in range(10):
        collector.observe(inspector.inspect_request(RequestBuilder().get("/a").build()))
    collector.decay(0.5)
    assert collector.stats["GET /a"].n == 5


def test_concurrent_observers_lose_nothing() -> None:
    collector = Collector()
    inspector = Inspector()
    decisions = [inspector.inspect_request(RequestBuilder().get("/a").build()) for _ in range(400)]

    def feed(part: list[object]) -> None:
        for decision in part:
            collector.observe(decision)  # type: ignore[arg-type]

    threads = [threading.Thread(target=feed, args=(decisions[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert collector.stats["GET /a"].n == 400
    assert all(d.verdict is Verdict.ALLOW for d in decisions)
