"""Support: distinct clients in distinct windows, bounded, order-free merges."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.behavior.support import (
    MET,
    Feature,
    FieldSupport,
    RouteSupport,
    Support,
    Thresholds,
    combined,
    shown,
    support_of,
)

K3W2 = Thresholds(clients=3, windows=2)


def after(shows: list[tuple[int, int]], limits: Thresholds = K3W2) -> Support:
    support: Support | None = None
    for client, window in shows:
        support = shown(support, client, window, limits)
    assert support is not None
    return support


@pytest.mark.parametrize(
    ("shows", "met"),
    [
        pytest.param([(1, 0)] * 10_000, False, id="one-client-many-requests"),
        pytest.param([(1, w) for w in range(50)], False, id="one-client-many-windows"),
        pytest.param([(c, 0) for c in range(50)], False, id="many-clients-one-burst"),
        pytest.param([(1, 0), (2, 0), (3, 0), (1, 1)], True, id="three-clients-two-windows"),
        pytest.param([(1, 0), (2, 1)], False, id="two-clients-two-windows"),
        pytest.param([(1, 0), (2, 1), (2, 5), (3, 5)], True, id="spread-out"),
    ],
)
def test_an_item_is_met_only_with_k_clients_in_w_windows(
    shows: list[tuple[int, int]], met: bool
) -> None:
    assert after(shows).met is met


def test_met_is_one_shared_value_and_absorbs_everything() -> None:
    support = after([(1, 0), (2, 0), (3, 1)])
    assert support is MET
    assert shown(support, 9, 9, K3W2) is MET
    assert combined(MET, Support((1,), (1,)), K3W2) is MET
    assert combined(None, MET, K3W2) is MET


def test_unmet_supports_stay_within_the_thresholds() -> None:
    support = after([(c, 0) for c in range(100, 0, -1)])
    assert support.clients == (1, 2, 3)
    assert support.windows == (0,)
    assert support.distinct(K3W2) == (3, 1)


def test_the_same_clients_and_windows_share_one_object() -> None:
    assert after([(7, 4)]) is after([(7, 4)])
    assert after([(7, 4)]) is not after([(8, 4)])


def test_thresholds_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one client"):
        Thresholds(clients=0)


def test_support_of_reads_back_and_truncates() -> None:
    assert support_of([5, 4, 3, 2, 1], [1], K3W2) == Support((1, 2, 3), (1,))
    assert support_of([1, 2, 3], [8, 9], K3W2) is MET


shows_strategy = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), min_size=0, max_size=30)


@given(shows_strategy, st.integers(1, 4), st.integers(1, 3), st.randoms())
def test_merging_parts_in_any_order_equals_showing_everything_in_one_place(
    shows: list[tuple[int, int]], k: int, w: int, rnd: object
) -> None:
    limits = Thresholds(k, w)
    whole = functools.reduce(lambda s, cw: shown(s, cw[0], cw[1], limits), shows, Support())
    parts: list[Support] = [Support(), Support(), Support()]
    for i, (client, window) in enumerate(shows):
        parts[(i * 7 + client) % 3] = shown(parts[(i * 7 + client) % 3], client, window, limits)
    merged = combined(combined(parts[2], parts[0], limits), parts[1], limits)
    assert merged == whole
    assert merged.met is whole.met


def test_field_and_route_supports_merge_item_by_item() -> None:
    a = FieldSupport(after([(1, 0)]), {(Feature.SPECIAL, "@"): after([(1, 0), (2, 0)])})
    b = FieldSupport(after([(2, 1)]), {(Feature.SPECIAL, "@"): after([(3, 1)])})
    a.merge(b, K3W2)
    assert a.admits(Feature.SPECIAL, "@")
    assert not a.presence.met
    route = RouteSupport(samples=2, fields={"query.a": a})
    other = RouteSupport(samples=3, items={("status", "200"): MET})
    route.merge(other, K3W2)
    assert route.samples == 5
    assert route.admits("status", "200")
    assert route.field_support("query.a").admits(Feature.SPECIAL, "@")
    assert route.field_support("query.missing").items == {}


def test_pruning_forgets_items_no_longer_counted() -> None:
    support = FieldSupport(items={(Feature.VALUE, "a"): MET, (Feature.VALUE, "b"): MET})
    support.prune({(Feature.VALUE, "a")})
    assert list(support.items) == [(Feature.VALUE, "a")]
