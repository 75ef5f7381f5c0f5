"""Service statistics: counts beside support, global bounds, merges and decay."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.behavior.routes import OTHER_ROUTE
from vigil.behavior.sample import ExchangeSample, FieldSample, ResponseSample
from vigil.behavior.statistics import Bounds, Statistics
from vigil.behavior.support import MET, Feature, Thresholds
from vigil.behavior.values import CharClass

WINDOW = 600.0


def field(path: str, value: str = "tom", specials: str = "") -> FieldSample:
    return FieldSample(
        path,
        length=len(value),
        classes=int(CharClass.LOWER),
        specials=specials,
        shape="word",
        pattern="a",
        value=value,
    )


def exchange(
    route: str = "GET /users",
    client: int = 1,
    window: int = 0,
    fields: list[FieldSample] | None = None,
    status: int | None = 200,
) -> ExchangeSample:
    reply = ResponseSample(status, 10, 2.0) if status is not None else None
    return ExchangeSample(
        route, client, window * WINDOW + 1, "", fields or [field("query.q")], reply
    )


def test_samples_are_counted_and_their_support_tracked() -> None:
    stats = Statistics(Thresholds(2, 2))
    stats.add(exchange(client=1, window=0, fields=[field("query.q", "a@b", "@")]))
    stats.add(exchange(client=2, window=1, fields=[field("query.q", "a@b", "@")]))
    route, support = stats.routes["GET /users"], stats.support["GET /users"]
    assert route.n == 2
    assert route.fields["query.q"].specials.items == {"@": 2.0}
    assert support.met
    assert support.samples == 2
    assert support.admits("status", "200")
    field_support = support.field_support("query.q")
    assert field_support.presence is MET
    assert field_support.admits(Feature.SPECIAL, "@")
    assert field_support.admits(Feature.VALUE, "a@b")
    assert field_support.admits(Feature.CLASS, "lower")


def test_one_client_never_reaches_support_however_many_samples() -> None:
    stats = Statistics(Thresholds(2, 2))
    for window in range(100):
        stats.add(exchange(client=666, window=window, fields=[field("query.evil")]))
    support = stats.support["GET /users"]
    assert stats.routes["GET /users"].n == 100
    assert not support.met
    assert not support.field_support("query.evil").admits(Feature.VALUE, "tom")


def test_a_route_no_two_clients_showed_keeps_few_fields() -> None:
    stats = Statistics(bounds=Bounds(fields_new_route=4))
    fields = [field(f"query.f{i}") for i in range(256)]
    stats.add(exchange(fields=fields))
    assert len(stats.routes["GET /users"].fields) == 4
    assert stats.dropped_fields == 252
    assert stats.fields == 4


def test_fields_are_bounded_over_all_routes() -> None:
    stats = Statistics(bounds=Bounds(max_fields=10, fields_new_route=4))
    for i in range(20):
        stats.add(exchange(route=f"GET /scan{i}", fields=[field(f"query.f{j}") for j in range(8)]))
    assert stats.fields == 10
    assert sum(len(r.fields) for r in stats.routes.values()) == 10


def test_routes_beyond_the_bound_share_the_other_bucket() -> None:
    stats = Statistics(bounds=Bounds(max_routes=3))
    for i in range(10):
        stats.add(exchange(route=f"POST /r{i}"))
    assert sorted(stats.routes) == ["POST /r0", "POST /r1", "POST /r2", f"POST {OTHER_ROUTE}"]
    assert stats.routes[f"POST {OTHER_ROUTE}"].n == 7
    assert stats.dropped_routes == 7


def test_decay_forgets_routes_fields_and_their_support() -> None:
    stats = Statistics(Thresholds(1, 1))
    stats.add(exchange(route="GET /old"))
    for _ in range(1000):
        stats.add(exchange(route="GET /new"))
    stats.decay(0.005)
    assert "GET /old" not in stats.routes
    assert "GET /old" not in stats.support
    assert stats.support["GET /new"].met
    assert stats.fields == 1


def test_decay_prunes_support_of_items_no_longer_counted() -> None:
    stats = Statistics(Thresholds(1, 1))
    stats.add(exchange(fields=[field("query.q", "rare")]))
    for _ in range(1000):
        stats.add(exchange(fields=[field("query.q", "common")]))
    stats.decay(0.005)
    items = stats.support["GET /users"].field_support("query.q").items
    assert (Feature.VALUE, "common") in items
    assert (Feature.VALUE, "rare") not in items


def test_zero_window_is_refused() -> None:
    with pytest.raises(ValueError, match="window_seconds"):
        Statistics(window_seconds=0)


samples_strategy = st.lists(
    st.builds(
        exchange,
        route=st.sampled_from(["GET /a", "GET /b", "POST /a"]),
        client=st.integers(0, 5),
        window=st.integers(0, 3),
        fields=st.lists(
            st.builds(
                field,
                st.sampled_from(["query.x", "query.y", "json.z"]),
                st.sampled_from(["a", "b", "c@d"]),
                st.sampled_from(["", "@"]),
            ),
            max_size=3,
        ),
        status=st.sampled_from([200, 404, None]),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(samples_strategy, st.integers(1, 4))
def test_merging_statistics_of_many_gates_equals_counting_in_one_place(
    samples: list[ExchangeSample], gates: int
) -> None:
    whole = Statistics()
    parts = [Statistics() for _ in range(gates)]
    for i, sample in enumerate(samples):
        whole.add(sample)
        parts[i % gates].add(sample)
    merged = Statistics()
    for part in reversed(parts):
        merged.merge(part)
    assert {k: v.to_dict() for k, v in merged.routes.items()} == {
        k: v.to_dict() for k, v in whole.routes.items()
    }
    assert merged.support == whole.support
    assert merged.fields == whole.fields
