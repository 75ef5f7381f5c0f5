"""From statistics to criteria: supported, quantile-bounded, expiring."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from vigil.behavior.collector import Collector
from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.exchange import Exchange
from vigil.behavior.inspector import Inspector
from vigil.behavior.learn import LearnSettings, learn_field, learn_policy, learn_route
from vigil.behavior.policy import FieldPolicy, Policy, RoutePolicy
from vigil.behavior.stats import FieldStats, RouteStats
from vigil.behavior.support import FieldSupport, RouteSupport

from .builders import T0, RequestBuilder, feed, response, stamp

SETTINGS = LearnSettings()
COUNTS = LearnSettings(min_clients=1, min_windows=1)
"""Support by counts alone (one client in one window admits): the count rules on their own."""


@dataclass
class Route:
    """A route's counted statistics and support, as a learning run sees them."""

    stats: RouteStats
    support: RouteSupport

    @property
    def n(self) -> float:
        return self.stats.n

    def field(self, settings: LearnSettings = COUNTS, name: str = "query.q") -> FieldPolicy:
        return learn_field(
            self.stats.fields[name], self.support.field_support(name), self.stats.n, settings
        )


def route_stats(
    values: list[str], raw: bool = False, settings: LearnSettings = COUNTS, **extra: str
) -> Route:
    """Statistics of ``GET /x`` after counting ``q=<value>`` for each value (stamped).

    Every value is counted, even those the content checks would keep out of learning: these
    tests are about how counts and support become criteria.
    """
    engine = Engine(settings=settings)
    for i, value in enumerate(values):
        builder = RequestBuilder().get("/x")
        if raw:
            builder.raw_query(f"q={value}")
        else:
            builder.query(q=value, **extra)
        decision = engine.inspect_request(stamp(builder.build(), i))
        assert isinstance(decision.observation, Exchange)
        decision.observation.learnable = True
        engine.observe(decision)
    statistics = engine.collector.statistics
    return Route(statistics.routes["GET /x"], statistics.support["GET /x"])


def field_of(values: list[str], raw: bool = False, settings: LearnSettings = COUNTS) -> FieldPolicy:
    """The criteria learned for ``q`` from ``values``."""
    return route_stats(values, raw, settings).field(settings)


def test_classes_and_specials_need_support() -> None:
    learned = field_of(["tom"] * 10 + ["bob-smith", "a_b", "a_c", "Once"])
    assert learned.classes == ["lower"]
    assert learned.specials == "_"


def test_punct_class_is_never_admitted_as_a_class() -> None:
    assert "punct" not in field_of(["a.b"] * 10).classes


def test_sequences_need_support() -> None:
    learned = field_of(["a--b"] * 3 + ["x../y"])
    assert learned.sequences == ["--"]


@pytest.mark.parametrize(
    ("values", "length"),
    [
        pytest.param(["abc"] * 50, (1, 5), id="constant-length"),
        pytest.param(["a" * n for n in range(3, 9)] * 10, (1, 10), id="3-to-8"),
        pytest.param(["a" * 40] * 20, (27, 50), id="long-values-coarse-low-bucket"),
        pytest.param([""] * 20, (0, 2), id="empty-values"),
    ],
)
def test_length_range_is_a_widened_quantile(values: list[str], length: tuple[int, int]) -> None:
    assert field_of(values).length == length


def test_one_outlier_in_thousands_does_not_widen_the_length() -> None:
    learned = field_of(["abcd"] * 2999 + ["a" * 500])
    assert learned.length[1] < 20


@pytest.mark.parametrize(
    ("values", "shapes"),
    [
        pytest.param([str(i) for i in range(50)], ["int"], id="int"),
        pytest.param(["tom", "bob"] * 10, ["word"], id="word"),
        pytest.param(["1.5", "2"] * 10, ["float", "int"], id="float-and-int"),
        pytest.param(["tom"] * 10 + ["x!"], ["word"], id="rare-shape-unsupported"),
    ],
)
def test_shapes_are_supported_shapes_most_frequent_first(
    values: list[str], shapes: list[str]
) -> None:
    assert field_of(values).shapes == shapes


def test_few_well_supported_values_become_an_enum() -> None:
    assert field_of(["asc", "desc"] * 10).enum == ["asc", "desc"]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([f"u{i}" for i in range(100)], id="many-values"),
        pytest.param(["asc"] * 20 + ["desc"], id="a-value-seen-once"),
        pytest.param(["asc", "desc", "up", "down"], id="too-few-samples"),
        pytest.param([f"v{i}" for i in range(17)] * 10, id="more-than-16-values"),
    ],
)
def test_no_enum_without_support(values: list[str]) -> None:
    assert field_of(values).enum is None


def test_fields_with_few_run_patterns_are_judged_on_them() -> None:
    values = [f"{i:08d}Z" for i in range(40)] + [f"AB-{i}" for i in range(40)]
    assert field_of(values).patterns == ["9A", "A-9"]


def test_free_text_fields_get_no_patterns() -> None:
    values = [f"word{i} other" for i in range(40)]
    assert field_of(values).patterns is None


def test_encodings_need_support() -> None:
    learned = field_of(["caf%E9"] * 5 + ["a%00"], raw=True)
    assert learned.encodings == ["non-utf8"]


def test_entropy_bound_needs_enough_long_values() -> None:
    few = field_of([f"{i:016x}" for i in range(49)])
    many = field_of([f"{i:016x}" for i in range(60)])
    assert few.entropy_max is None
    assert many.entropy_max is not None
    assert 0.5 < many.entropy_max <= 8.5


def test_presence_and_required() -> None:
    route = route_stats(["tom"] * 30)
    route.stats.n = 40.0
    learned = route.field()
    assert learned.presence == 0.75
    assert learned.required is False
    assert route_stats(["tom"] * 30).field().required is True


def test_small_routes_never_require_fields() -> None:
    assert route_stats(["tom"] * 5).field().required is False


def repeated(times: int, query: str = "q=a&q=b", settings: LearnSettings = COUNTS) -> Route:
    engine = Engine(settings=settings)
    for i in range(times):
        request = stamp(RequestBuilder().get("/x").raw_query(query).build(), i)
        engine.observe(engine.inspect_request(request))
    statistics = engine.collector.statistics
    return Route(statistics.routes["GET /x"], statistics.support["GET /x"])


def test_max_repeat_is_the_most_repeats_seen() -> None:
    assert repeated(3).field().max_repeat == 2


def test_min_support_is_configurable() -> None:
    route = route_stats(["a-b"] * 3)
    assert route.field(LearnSettings(min_support=5, min_clients=1, min_windows=1)).specials == ""
    assert route.field().specials == "-"


def test_support_fraction_is_enforced() -> None:
    route = route_stats(["a-b"] * 3 + ["ab"] * 97)
    strict = LearnSettings(support_fraction=0.05, min_clients=1, min_windows=1)
    assert route.field(strict).specials == ""


def test_decayed_rare_behaviour_expires() -> None:
    route = route_stats(["a-b"] * 3 + ["ab"] * 20)
    assert route.field().specials == "-"
    route.stats.fields["query.q"].decay(0.5)
    assert route.field().specials == ""


def test_decayed_repeats_and_short_lengths_tighten() -> None:
    old = repeated(3, "q=a&q=b&q=c")
    field = old.stats.fields["query.q"]
    assert old.field().max_repeat == 3
    field.decay(0.001)
    field.merge(route_stats(["abcdefgh"] * 50).stats.fields["query.q"])
    old.stats.n = 53
    learned = old.field()
    assert learned.max_repeat == 1
    assert learned.length[0] > 1


# Support in distinct clients and windows --------------------------------------------------------


def test_items_need_k_clients_in_w_windows_not_requests() -> None:
    engine = Engine(settings=SETTINGS)
    benign = [RequestBuilder().get("/x").query(q="tom").build() for _ in range(40)]
    attack = [
        RequestBuilder().get("/x").query(q="a@b").client("203.0.113.66").build() for _ in range(500)
    ]
    feed(engine, [*benign, *attack])
    statistics = engine.collector.statistics
    route = Route(statistics.routes["GET /x"], statistics.support["GET /x"])
    learned = route.field(SETTINGS)
    assert route.stats.fields["query.q"].specials.items["@"] == 500
    assert learned.specials == ""
    assert learned.enum is None


@pytest.mark.parametrize(
    ("clients", "windows", "admitted"),
    [
        pytest.param(3, 2, True, id="three-clients-two-windows"),
        pytest.param(2, 5, False, id="two-clients"),
        pytest.param(5, 1, False, id="one-window"),
    ],
)
def test_an_item_is_admitted_by_k_clients_in_w_windows(
    clients: int, windows: int, admitted: bool
) -> None:
    engine = Engine(settings=SETTINGS)
    requests = [
        RequestBuilder()
        .get("/x")
        .query(q="a-b")
        .client(f"10.0.0.{i % clients}")
        .at(T0 + (i % windows) * 600)
        .build()
        for i in range(30)
    ]
    feed(engine, requests)
    statistics = engine.collector.statistics
    route = Route(statistics.routes["GET /x"], statistics.support["GET /x"])
    assert route.support.met is admitted
    assert (route.field(SETTINGS).specials == "-") is admitted


def test_learn_route_learns_responses_and_keeps_a_previous_mode() -> None:
    engine = Engine(settings=COUNTS)
    for i in range(30):
        decision = engine.inspect_request(
            stamp(RequestBuilder().get("/x").query(q="tom").build(), i)
        )
        decision = engine.inspect_response(decision, response(200, {"id": i}, latency_ms=10.0))
        engine.observe(decision)
    statistics = engine.collector.statistics
    stats, support = statistics.routes["GET /x"], statistics.support["GET /x"]
    route = learn_route(stats, support, COUNTS, RoutePolicy(mode=Mode.ENFORCE, block_score=9))
    assert (route.mode, route.block_score, route.samples) == (Mode.ENFORCE, 9, 30)
    assert route.response is not None
    assert route.response.statuses == [200]
    assert route.response.samples == 30
    assert route.response.size[1] >= len(b'{"id":29}')
    assert route.response.latency_ms_max == 50.0
    assert sorted(route.response.fields) == ["header.content-type", "json", "json.id"]
    assert route.response.fields["json.id"].kinds == ["number"]
    assert learn_route(stats, support, COUNTS).mode is None


def test_learn_route_without_responses_has_no_response_criteria() -> None:
    assert learn_route(RouteStats(n=5), RouteSupport(), SETTINGS).response is None


def test_empty_field_stats_learn_nothing() -> None:
    learned = learn_field(FieldStats(), FieldSupport(), 0.0, SETTINGS)
    assert (learned.classes, learned.specials, learned.shapes, learned.enum) == ([], "", [], None)
    assert learned.presence == 1.0


def _names(rng_seed: int, count: int) -> list[str]:
    firsts = ["Anne", "Marie", "José", "Zoë", "Åsa", "Liam", "Noah", "Mia"]
    lasts = ["García López", "Smith", "Dubois", "Müller", "Nguyễn", "Rossi"]
    return [f"{firsts[(i + rng_seed) % 8]} {lasts[i % 6]}" for i in range(count)]


@pytest.mark.parametrize(
    ("values", "grammar"),
    [
        pytest.param(_names(0, 60), "name", id="person-names"),
        pytest.param([f"user{i}@example.com" for i in range(40)], "email", id="emails"),
        pytest.param([f"{28000 + i * 37:05d}" for i in range(40)], "code", id="postcodes"),
        pytest.param([f"{i:08d}{'TRWAGMYFPD'[i % 10]}" for i in range(40)], "code", id="id-cards"),
        pytest.param([f"4{i:015d}" for i in range(40)], "digits", id="card-numbers"),
        pytest.param([f"+1 (555) 01{i:02d}-{i:04d}" for i in range(40)], "phone", id="phones"),
        pytest.param([f"{i}.{i % 10}5" for i in range(40)], "number", id="decimals"),
        pytest.param([f"Calle Mayor {i}, 2ºB" for i in range(40)], "address", id="addresses"),
        pytest.param(
            [f"Thanks for order {i}, it's great! Really." for i in range(40)], "text", id="prose"
        ),
        pytest.param([f"https://example.com/p/{i}" for i in range(40)], "url", id="urls"),
        pytest.param([f"tok_{i:012d}abcdefXYZ" for i in range(40)], "token", id="tokens"),
        pytest.param([str(i) for i in range(1, 60)], None, id="plain-ids-stay-typed"),
        pytest.param([f"{i:032x}" for i in range(40)], None, id="hex-stays-typed"),
        pytest.param(
            [["natiuk", "althea4", "atl-sale", "moriyama", "verde_2"][i % 5] for i in range(40)],
            None,
            id="usernames",
        ),
        pytest.param(["tom"] * 9, None, id="too-few-values"),
    ],
)
def test_the_kind_of_field_is_learned(values: list[str], grammar: str | None) -> None:
    assert field_of(values).grammar == grammar


def test_dangers_need_a_share_of_the_values() -> None:
    rich = field_of(["<b>bold</b> text"] * 30 + ["plain text"] * 70)
    poisoned = field_of(["' or 1=1 --"] * 3 + ["plain text"] * 997)
    assert rich.dangers == ["markup"]
    assert poisoned.dangers == []


def test_learn_policy_is_pure_and_keeps_unobserved_routes() -> None:
    collector = Collector(COUNTS.statistics())
    inspector = Inspector()
    for i in range(30):
        request = stamp(RequestBuilder().get(f"/items/{i}").build(), i)
        collector.observe(inspector.inspect_request(request))
    statistics = collector.take()
    before = {key: stats.n for key, stats in statistics.routes.items()}
    previous = Policy(version=4, routes={"GET /kept": RoutePolicy(samples=9)})
    settings = LearnSettings(decay_per_learn=0.5, min_clients=1, min_windows=1)
    learned = learn_policy(statistics, settings, previous)
    assert {key: stats.n for key, stats in statistics.routes.items()} == before
    assert learned.policy.version == 5
    assert set(learned.policy.routes) == {"GET /kept", "GET /items/{int}"}
    assert learned.policy.routes["GET /items/{int}"].samples == 30
    assert learned.statistics.routes["GET /items/{int}"].n == 15
    assert learned.table.match("/items/{int}") == "/items/{int}"
    assert previous.version == 4


def test_routes_without_support_are_not_published() -> None:
    engine = Engine(settings=SETTINGS)
    feed(engine, [RequestBuilder().get("/popular").build() for _ in range(30)])
    scan = [RequestBuilder().get("/admin").client("203.0.113.66").build() for _ in range(500)]
    feed(engine, scan)
    policy = engine.learn()
    assert set(policy.routes) == {"GET /popular"}
    assert engine.unpublished == ("GET /admin",)


def test_the_published_policy_is_bounded_in_fields() -> None:
    settings = LearnSettings(max_policy_fields=5)
    engine = Engine(settings=settings)
    for r in range(4):
        requests = [
            RequestBuilder().get(f"/r{r}").query(**{f"f{j}": "x" for j in range(3)}).build()
            for _ in range(10 + r)
        ]
        feed(engine, requests)
    policy = engine.learn()
    assert sum(len(route.fields) for route in policy.routes.values()) <= 5
    assert set(policy.routes) == {"GET /r3"}
    assert set(engine.unpublished) == {"GET /r0", "GET /r1", "GET /r2"}
