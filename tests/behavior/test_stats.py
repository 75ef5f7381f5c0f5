"""Mergeable statistics: histograms, counted sets, field and route statistics."""

from __future__ import annotations

import copy
import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.behavior.stats import (
    LATENCY_EDGES,
    LENGTH_EDGES,
    MAX_FIELDS_PER_ROUTE,
    Counts,
    FieldStats,
    Histogram,
    RouteStats,
)

# Histogram -------------------------------------------------------------------------------------


def test_length_edges_are_exact_to_32_then_grow_and_cover_16_mi() -> None:
    assert LENGTH_EDGES[:33] == tuple(float(i) for i in range(33))
    assert all(b > a for a, b in itertools.pairwise(LENGTH_EDGES))
    assert LENGTH_EDGES[-1] >= 1 << 24
    assert len(LENGTH_EDGES) < 200


def test_histogram_counts_upper_inclusive_buckets() -> None:
    hist = Histogram((1.0, 2.0, 4.0))
    for value in (0.5, 1.0, 1.5, 4.0, 9.0):
        hist.add(value)
    assert hist.counts == {0: 2.0, 1: 1.0, 2: 1.0, 3: 1.0}
    assert hist.max_seen == 9.0
    assert hist.total == 5.0


@pytest.mark.parametrize(
    ("lengths", "q", "expected"),
    [
        pytest.param([3, 4, 5], 0.5, 4.0, id="median"),
        pytest.param([3, 4, 5], 1.0, 5.0, id="max"),
        pytest.param([3] * 999 + [300], 0.99, 3.0, id="outlier-ignored"),
        pytest.param([3] * 999 + [300], 1.0, 300.0, id="outlier-at-q1"),
        pytest.param([40], 0.5, 40.0, id="clamped-to-max-seen"),
        pytest.param([], 0.5, 0.0, id="empty"),
    ],
)
def test_histogram_quantile(lengths: list[int], q: float, expected: float) -> None:
    hist = Histogram(LENGTH_EDGES)
    for n in lengths:
        hist.add(n)
    assert hist.quantile(q) == expected


@pytest.mark.parametrize(
    ("lengths", "min_count", "expected"),
    [
        pytest.param([5, 7], 0.0, 5.0, id="exact-bucket"),
        pytest.param([0, 7], 0.0, 0.0, id="zero"),
        pytest.param([5, 7, 7], 1.0, 7.0, id="min-count"),
        pytest.param([], 0.0, 0.0, id="empty"),
    ],
)
def test_histogram_lowest(lengths: list[int], min_count: float, expected: float) -> None:
    hist = Histogram(LENGTH_EDGES)
    for n in lengths:
        hist.add(n)
    assert hist.lowest(min_count) == expected


def test_histogram_decay_scales_counts() -> None:
    hist = Histogram(LATENCY_EDGES)
    hist.add(3.0, 10.0)
    hist.decay(0.5)
    assert hist.total == 5.0
    assert hist.max_seen == 3.0


def test_histogram_round_trips_through_json() -> None:
    hist = Histogram(LENGTH_EDGES)
    for n in (0, 3, 3, 1000):
        hist.add(n)
    data = json.loads(json.dumps(hist.to_dict()))
    back = Histogram.from_dict(LENGTH_EDGES, data)
    assert back.counts == hist.counts
    assert back.max_seen == 1000.0


# Counts ----------------------------------------------------------------------------------------


def test_counts_are_bounded_with_an_overflow() -> None:
    counts = Counts(limit=2)
    for item in ["a", "b", "c", "a", "d"]:
        counts.add(item)
    assert counts.items == {"a": 2.0, "b": 1.0}
    assert counts.overflow == 2.0


def test_counts_supported_is_thresholded_and_ordered() -> None:
    counts = Counts()
    for item, n in [("x", 1), ("y", 5), ("z", 3)]:
        counts.add(item, n)
    assert counts.supported(2) == ["y", "z"]
    assert counts.supported(0) == ["y", "z", "x"]


def test_counts_decay_forgets_items_below_a_hundredth() -> None:
    counts = Counts()
    counts.add("often", 100)
    counts.add("once", 1)
    counts.overflow = 4
    counts.decay(0.005)
    assert counts.items == {"often": 0.5}
    assert counts.overflow == 0.02


def test_counts_merge_past_the_bound_conserves_the_total() -> None:
    a, b = Counts(limit=2), Counts(limit=2)
    a.add("x", 3)
    a.add("y", 1)
    b.add("z", 2)
    b.add("x", 1)
    ab, ba = copy.deepcopy(a), copy.deepcopy(b)
    ab.merge(b)
    ba.merge(a)
    assert sum(ab.items.values()) + ab.overflow == sum(ba.items.values()) + ba.overflow == 7.0
    assert ab.items["x"] == ba.items["x"] == 4.0


# FieldStats and RouteStats ---------------------------------------------------------------------


def test_route_field_table_is_bounded() -> None:
    route = RouteStats()
    for i in range(MAX_FIELDS_PER_ROUTE):
        assert route.field(f"query.k{i}") is not None
    assert route.field("query.extra") is None
    assert route.field("query.k0") is not None
    assert route.other_fields.items == {"query.extra": 1.0}
    assert len(route.fields) == MAX_FIELDS_PER_ROUTE


def test_response_fields_are_separate() -> None:
    route = RouteStats()
    route.field("json.id", response=True)
    assert list(route.response_fields) == ["json.id"]
    assert route.fields == {}


# Properties ------------------------------------------------------------------------------------

_WEIGHT = st.integers(min_value=1, max_value=20).map(float)
_ITEM = st.sampled_from(list("abcdefgh"))


@st.composite
def histograms(draw: st.DrawFn) -> Histogram:
    hist = Histogram(LENGTH_EDGES)
    for value, weight in draw(st.lists(st.tuples(st.integers(0, 10_000), _WEIGHT), max_size=10)):
        hist.add(value, weight)
    return hist


@st.composite
def counts(draw: st.DrawFn) -> Counts:
    out = Counts()
    for item, weight in draw(st.lists(st.tuples(_ITEM, _WEIGHT), max_size=10)):
        out.add(item, weight)
    return out


@st.composite
def field_stats(draw: st.DrawFn) -> FieldStats:
    stats = FieldStats()
    stats.n = draw(_WEIGHT)
    stats.present = draw(_WEIGHT)
    stats.lengths = draw(histograms())
    stats.repeats = draw(histograms())
    stats.classes = draw(st.lists(_WEIGHT, min_size=8, max_size=8))
    stats.flags = draw(st.lists(_WEIGHT, min_size=8, max_size=8))
    stats.specials = draw(counts())
    stats.shapes = draw(counts())
    stats.values = draw(counts())
    stats.patterns = draw(counts())
    stats.grammars = draw(st.lists(_WEIGHT, min_size=9, max_size=9))
    stats.dangers = draw(st.lists(_WEIGHT, min_size=7, max_size=7))
    return stats


@st.composite
def route_stats(draw: st.DrawFn) -> RouteStats:
    route = RouteStats(n=draw(_WEIGHT), responses=draw(_WEIGHT))
    route.statuses = draw(counts())
    route.content_types = draw(counts())
    route.response_sizes = draw(histograms())
    for name in draw(st.lists(st.sampled_from(["query.a", "query.b", "header.x"]), max_size=3)):
        route.fields[name] = draw(field_stats())
    for name in draw(st.lists(st.sampled_from(["json", "json.id"]), max_size=2)):
        route.response_fields[name] = draw(field_stats())
    return route


def _merged(*parts: object) -> object:
    first = copy.deepcopy(parts[0])
    for part in parts[1:]:
        first.merge(copy.deepcopy(part))  # type: ignore[attr-defined]
    return first


_STRUCTURES = [
    pytest.param(histograms(), id="histogram"),
    pytest.param(counts(), id="counts"),
    pytest.param(field_stats(), id="field-stats"),
    pytest.param(route_stats(), id="route-stats"),
]


@pytest.mark.parametrize("strategy", _STRUCTURES)
@settings(max_examples=40)
@given(data=st.data())
def test_merge_is_commutative(strategy: st.SearchStrategy[object], data: st.DataObject) -> None:
    a, b = data.draw(strategy), data.draw(strategy)
    assert _merged(a, b).to_dict() == _merged(b, a).to_dict()  # type: ignore[attr-defined]


@pytest.mark.parametrize("strategy", _STRUCTURES)
@settings(max_examples=40)
@given(data=st.data())
def test_merge_is_associative(strategy: st.SearchStrategy[object], data: st.DataObject) -> None:
    a, b, c = data.draw(strategy), data.draw(strategy), data.draw(strategy)
    left = _merged(_merged(a, b), c)
    right = _merged(a, _merged(b, c))
    assert left.to_dict() == right.to_dict()  # type: ignore[attr-defined]


@given(histograms())
def test_histogram_round_trip(hist: Histogram) -> None:
    data = json.loads(json.dumps(hist.to_dict()))
    assert Histogram.from_dict(LENGTH_EDGES, data).to_dict() == hist.to_dict()


@given(counts())
def test_counts_round_trip(c: Counts) -> None:
    assert Counts.from_dict(json.loads(json.dumps(c.to_dict()))).to_dict() == c.to_dict()


@given(field_stats())
def test_field_stats_round_trip(stats: FieldStats) -> None:
    data = json.loads(json.dumps(stats.to_dict()))
    assert FieldStats.from_dict(data).to_dict() == stats.to_dict()


@settings(max_examples=40)
@given(route_stats())
def test_route_stats_round_trip(route: RouteStats) -> None:
    data = json.loads(json.dumps(route.to_dict()))
    assert RouteStats.from_dict(data).to_dict() == route.to_dict()


def _route_total(route: RouteStats) -> float:
    return (
        route.n
        + route.responses
        + route.response_sizes.total
        + sum(route.statuses.items.values())
        + sum(f.n + f.lengths.total + sum(f.classes) for f in route.fields.values())
    )


@settings(max_examples=40)
@given(route_stats(), st.floats(min_value=0.01, max_value=0.99))
def test_decay_shrinks_totals(route: RouteStats, factor: float) -> None:
    before = _route_total(route)
    route.decay(factor)
    after = _route_total(route)
    assert after < before
    assert after == pytest.approx(before * factor, rel=1e-9, abs=0.05 * before)


@given(counts(), st.floats(min_value=0.01, max_value=0.99))
def test_counts_decay_shrinks_totals(c: Counts, factor: float) -> None:
    before = sum(c.items.values()) + c.overflow
    c.decay(factor)
    assert sum(c.items.values()) + c.overflow <= before * factor + 1e-9


def test_field_stats_of_an_older_version_read_without_grammars_and_dangers() -> None:
    data = FieldStats(n=3.0).to_dict()
    del data["grammars"], data["dangers"]
    stats = FieldStats.from_dict(data)
    assert stats.grammars == [0.0] * 9
    assert stats.dangers == [0.0] * 7
