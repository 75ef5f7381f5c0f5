"""The hot series: capped labels, integer counters and the histogram cells behind them."""

from __future__ import annotations

from vigil.behavior.decision import Mode, decide
from vigil.gate.metric_series import CHILD_CACHE, INSPECTION_BUCKETS, HotSeries, LabelCap


def test_label_cap_bounds_distinct_values() -> None:
    cap = LabelCap(3)
    assert [cap(v) for v in ("a", "b", "c", "d", "a", "e")] == [
        "a",
        "b",
        "c",
        "other",
        "a",
        "other",
    ]
    assert cap("\udcff") == "other"
    assert LabelCap(5)("/caf\udcff") == "/caf\\udcff"


def test_hot_series_counts_per_phase_route_and_verdict() -> None:
    hot = HotSeries(LabelCap(2))
    for route in ("GET /a", "GET /a", "GET /b", "GET /c"):
        hot.count("request", decide(route, [], Mode.ENFORCE), 0.00002)
    hot.count("response", decide("GET /a", [], Mode.ENFORCE), 0.5)
    counts = {labels: cell.count for labels, cell in hot.series["request"].items()}
    assert counts == {("GET /a", "allow"): 2, ("GET /b", "allow"): 1, ("other", "allow"): 1}
    request_timing = hot.timings["request"]
    assert sum(request_timing.buckets) == 4
    assert request_timing.buckets[INSPECTION_BUCKETS.index(0.000025)] == 4
    assert hot.timings["response"].buckets[-1] == 1


def test_the_cell_cache_is_bounded_but_every_series_still_counts() -> None:
    hot = HotSeries(LabelCap(CHILD_CACHE * 2))
    routes = [f"GET /r{i}" for i in range(CHILD_CACHE + 50)]
    for route in routes:
        hot.count("request", decide(route, [], Mode.ENFORCE), 0.001)
    hot.count("request", decide(routes[-1], [], Mode.ENFORCE), 0.001)
    assert len(hot._cells) == CHILD_CACHE
    assert hot.series["request"][(routes[-1], "allow")].count == 2
