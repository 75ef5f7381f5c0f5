"""Statistics snapshots: round trips, bounds applied on load, errors that name the field."""

from __future__ import annotations

import orjson
import pytest

from vigil.behavior.documents import WireError
from vigil.behavior.sample import ExchangeSample, FieldSample, ResponseSample
from vigil.behavior.snapshot import decode_statistics, encode_statistics
from vigil.behavior.statistics import Bounds, Statistics
from vigil.behavior.support import Thresholds


def sample(client: int = 0xABCDEF, route: str = "POST /login", time: float = 1e9) -> ExchangeSample:
    return ExchangeSample(
        route,
        client,
        time,
        "application/json",
        [
            FieldSample("json.user", "string", 5, True, 1, 0, "", (), "word", "a", "alice"),
            FieldSample(
                "json.note",
                "string",
                70,
                True,
                9,
                0,
                "'-",
                ("--",),
                "text",
                None,
                None,
                3.75,
                grammars=256,
                dangers=1,
            ),
            FieldSample("json.tags", "array", 3, profiled=False),
        ],
        ResponseSample(
            200, 42, 3.5, [FieldSample("json.ok", "bool", 4, True, 1, 0, "", (), "word")]
        ),
    )


def _statistics() -> Statistics:
    stats = Statistics(Thresholds(2, 2), window_seconds=60)
    for i in range(6):
        stats.add(sample(client=i % 3, time=1e9 + 60 * i))
    stats.add(sample(client=9, route="GET /rare"))
    return stats


def test_statistics_round_trip() -> None:
    stats = _statistics()
    loaded = decode_statistics(encode_statistics(stats, "shop"))
    assert {k: v.to_dict() for k, v in loaded.routes.items()} == {
        k: v.to_dict() for k, v in stats.routes.items()
    }
    assert loaded.support == stats.support
    assert loaded.support["POST /login"].met
    assert not loaded.support["GET /rare"].met
    assert (loaded.fields, loaded.window_seconds, loaded.thresholds) == (
        stats.fields,
        60,
        Thresholds(2, 2),
    )


def test_statistics_loaded_under_tighter_bounds_stay_within_them() -> None:
    loaded = decode_statistics(encode_statistics(_statistics()), bounds=Bounds(max_fields=3))
    assert loaded.fields == 3
    assert loaded.dropped_fields > 0


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(lambda d: d.update(schema=9), "schema 9 is not supported", id="schema"),
        pytest.param(lambda d: d.update(window_seconds=0), "window_seconds", id="window"),
        pytest.param(lambda d: d["routes"].update({"users": d["routes"]["GET /rare"]}),
                     "route key 'users'", id="route-key"),
        pytest.param(lambda d: d["routes"]["GET /rare"].update(n=-1), "routes.GET /rare.n",
                     id="negative-count"),
    ],
)  # fmt: skip
def test_bad_snapshots_name_the_field(edit: object, message: str) -> None:
    data = orjson.loads(encode_statistics(_statistics()))
    edit(data)  # type: ignore[operator]
    with pytest.raises(WireError, match=message):
        decode_statistics(orjson.dumps(data))
