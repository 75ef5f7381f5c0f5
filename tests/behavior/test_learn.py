"""From statistics to criteria: supported, quantile-bounded, expiring."""

from __future__ import annotations

import pytest

from vigil.behavior.decision import Mode
from vigil.behavior.engine import Engine
from vigil.behavior.learn import LearnSettings, learn_field, learn_route
from vigil.behavior.policy import FieldPolicy, RoutePolicy
from vigil.behavior.stats import FieldStats, RouteStats

from .builders import RequestBuilder, response

SETTINGS = LearnSettings()


def route_stats(values: list[str], raw: bool = False, **extra: str) -> RouteStats:
    """Statistics of ``GET /x`` after observing ``q=<value>`` for each value."""
    engine = Engine()
    for value in values:
        builder = RequestBuilder().get("/x")
        if raw:
            builder.raw_query(f"q={value}")
        else:
            builder.query(q=value, **extra)
        assert engine.observe(engine.inspect_request(builder.build()))
    return engine.stats["GET /x"]


def field_of(values: list[str], raw: bool = False) -> FieldPolicy:
    """The criteria learned for ``q`` from ``values``."""
    stats = route_stats(values, raw)
    return learn_field(stats.fields["query.q"], stats.n, SETTINGS)


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
    stats = route_stats(["tom"] * 30)
    stats.n = 40.0
    learned = learn_field(stats.fields["query.q"], stats.n, SETTINGS)
    assert learned.presence == 0.75
    assert learned.required is False
    full = route_stats(["tom"] * 30)
    assert learn_field(full.fields["query.q"], full.n, SETTINGS).required is True


def test_small_routes_never_require_fields() -> None:
    stats = route_stats(["tom"] * 5)
    assert learn_field(stats.fields["query.q"], stats.n, SETTINGS).required is False


def test_max_repeat_is_the_most_repeats_seen() -> None:
    engine = Engine()
    for _ in range(3):
        engine.observe(
            engine.inspect_request(RequestBuilder().get("/x").raw_query("q=a&q=b").build())
        )
    stats = engine.stats["GET /x"]
    assert learn_field(stats.fields["query.q"], stats.n, SETTINGS).max_repeat == 2


def test_min_support_is_configurable() -> None:
    stats = route_stats(["a-b"] * 3)
    strict = LearnSettings(min_support=5)
    assert learn_field(stats.fields["query.q"], stats.n, strict).specials == ""
    assert learn_field(stats.fields["query.q"], stats.n, SETTINGS).specials == "-"


def test_support_fraction_is_enforced() -> None:
    stats = route_stats(["a-b"] * 3 + ["ab"] * 97)
    strict = LearnSettings(support_fraction=0.05)
    assert learn_field(stats.fields["query.q"], stats.n, strict).specials == ""


def test_decayed_rare_behaviour_expires() -> None:
    stats = route_stats(["a-b"] * 3 + ["ab"] * 20)
    field = stats.fields["query.q"]
    assert learn_field(field, stats.n, SETTINGS).specials == "-"
    field.decay(0.5)
    assert learn_field(field, stats.n * 0.5, SETTINGS).specials == ""


def test_decayed_repeats_and_short_lengths_tighten() -> None:
    engine = Engine()
    old = RequestBuilder().get("/x").raw_query("q=a&q=b&q=c").build()
    for _ in range(3):
        engine.observe(engine.inspect_request(old))
    field = engine.stats["GET /x"].fields["query.q"]
    assert learn_field(field, 3, SETTINGS).max_repeat == 3
    field.decay(0.001)
    recent = route_stats(["abcdefgh"] * 50).fields["query.q"]
    field.merge(recent)
    learned = learn_field(field, 53, SETTINGS)
    assert learned.max_repeat == 1
    assert learned.length[0] > 1


def test_learn_route_learns_responses_and_keeps_a_previous_mode() -> None:
    engine = Engine()
    for i in range(30):
        decision = engine.inspect_request(RequestBuilder().get("/x").query(q="tom").build())
        decision = engine.inspect_response(decision, response(200, {"id": i}, latency_ms=10.0))
        engine.observe(decision)
    stats = engine.stats["GET /x"]
    route = learn_route(stats, SETTINGS, RoutePolicy(mode=Mode.ENFORCE, block_score=9))
    assert (route.mode, route.block_score, route.samples) == (Mode.ENFORCE, 9, 30)
    assert route.response is not None
    assert route.response.statuses == [200]
    assert route.response.samples == 30
    assert route.response.size[1] >= len(b'{"id":29}')
    assert route.response.latency_ms_max == 50.0
    assert sorted(route.response.fields) == ["header.content-type", "json", "json.id"]
    assert route.response.fields["json.id"].kinds == ["number"]
    assert learn_route(stats, SETTINGS).mode is None


def test_learn_route_without_responses_has_no_response_criteria() -> None:
    assert learn_route(RouteStats(n=5), SETTINGS).response is None


def test_empty_field_stats_learn_nothing() -> None:
    learned = learn_field(FieldStats(), 0.0, SETTINGS)
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
    from vigil.behavior.collector import Collector
    from vigil.behavior.inspector import Inspector
    from vigil.behavior.learn import learn_policy
    from vigil.behavior.policy import Policy, RoutePolicy

    from .builders import RequestBuilder

    collector = Collector()
    inspector = Inspector()
    for i in range(30):
        collector.observe(inspector.inspect_request(RequestBuilder().get(f"/items/{i}").build()))
    statistics = collector.take()
    before = {key: stats.n for key, stats in statistics.items()}
    previous = Policy(version=4, routes={"GET /kept": RoutePolicy(samples=9)})
    learned = learn_policy(statistics, LearnSettings(decay_per_learn=0.5), previous)
    assert {key: stats.n for key, stats in statistics.items()} == before
    assert learned.policy.version == 5
    assert set(learned.policy.routes) == {"GET /kept", "GET /items/{int}"}
    assert learned.policy.routes["GET /items/{int}"].samples == 30
    assert learned.statistics["GET /items/{int}"].n == 15
    assert learned.table.match("/items/{int}") == "/items/{int}"
    assert previous.version == 4
