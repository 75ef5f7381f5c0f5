"""A judged exchange as learning counts it: its sample, added to the statistics."""

from __future__ import annotations

from vigil.behavior.exchange import Exchange, sample_of
from vigil.behavior.profile import profile_request, profile_response
from vigil.behavior.statistics import Statistics
from vigil.http.model import Request, Response


def test_request_fields_presence_and_repeats_are_counted() -> None:
    statistics = Statistics()
    request = Request("GET", "/x", "a=tom&a=bob&b=1", [("host", "shop")])
    statistics.add(sample_of(Exchange("GET /x", profile_request(request)), 1, 0.0))
    later = Exchange("GET /x", profile_request(Request("GET", "/x", "b=2")))
    statistics.add(sample_of(later, 2, 600.0))
    stats = statistics.routes["GET /x"]
    assert stats.n == 2
    a, b = stats.fields["query.a"], stats.fields["query.b"]
    assert (a.n, a.present, a.repeats.max_seen) == (2, 1, 2)
    assert (b.n, b.present) == (2, 2)
    assert a.values.items == {"tom": 1, "bob": 1}
    assert stats.fields["header.host"].present == 1
    assert stats.responses == 0
    assert statistics.support["GET /x"].route.distinct(statistics.thresholds) == (2, 2)


def test_responses_add_status_size_latency_and_schema_but_no_values() -> None:
    statistics = Statistics()
    exchange = Exchange("GET /x", profile_request(Request("GET", "/x")))
    exchange.response = profile_response(
        Response(200, [("content-type", "application/json")], b'{"id": 7}', latency_ms=12.0)
    )
    statistics.add(sample_of(exchange, 1, 0.0))
    stats = statistics.routes["GET /x"]
    assert (stats.responses, stats.statuses.items) == (1, {"200": 1})
    assert stats.response_sizes.max_seen == 9
    assert stats.latency_ms.max_seen == 12.0
    field = stats.response_fields["json.id"]
    assert field.kinds.items == {"number": 1}
    assert field.values.items == {}
