"""Both layers merged: learned criteria widened by allowances, narrowed by tightenings."""

from __future__ import annotations

import pytest

from vigil.behavior.decision import Mode, Verdict
from vigil.behavior.engine import Engine
from vigil.behavior.layers import effective_field, effective_route, effective_routes, open_field
from vigil.behavior.operator import (
    FieldAllowance,
    FieldDecision,
    FieldTightening,
    OperatorLayer,
    RouteDecision,
)
from vigil.behavior.policy import FieldPolicy, ResponsePolicy, RoutePolicy

from .builders import RequestBuilder, trained_engine

LEARNED = FieldPolicy(
    samples=100,
    length=(1, 12),
    classes=["lower"],
    specials="-",
    shapes=["word"],
    enum=["asc", "desc"],
    required=True,
)


@pytest.mark.parametrize(
    ("decision", "attribute", "expected"),
    [
        pytest.param(FieldDecision(allow=FieldAllowance(specials="$'")), "specials", "$'-",
                     id="allow-specials"),
        pytest.param(FieldDecision(allow=FieldAllowance(values=["up"])), "enum",
                     ["asc", "desc", "up"], id="allow-value"),
        pytest.param(FieldDecision(allow=FieldAllowance(classes=["digit"])), "classes",
                     ["lower", "digit"], id="allow-class"),
        pytest.param(FieldDecision(allow=FieldAllowance(max_length=80)), "length", (1, 80),
                     id="allow-longer"),
        pytest.param(FieldDecision(allow=FieldAllowance(max_length=5)), "length", (1, 12),
                     id="allow-never-narrows"),
        pytest.param(FieldDecision(allow=FieldAllowance(optional=True)), "required", False,
                     id="allow-absent"),
        pytest.param(FieldDecision(tighten=FieldTightening(max_length=4)), "length", (1, 4),
                     id="tighten-length"),
        pytest.param(FieldDecision(tighten=FieldTightening(specials="")), "specials", "",
                     id="tighten-specials"),
        pytest.param(FieldDecision(tighten=FieldTightening(enum=["asc"])), "enum", ["asc"],
                     id="tighten-enum"),
        pytest.param(FieldDecision(allow=FieldAllowance(specials="'"),
                                   tighten=FieldTightening(specials="-")), "specials", "-",
                     id="tighten-wins-over-allow"),
    ],
)  # fmt: skip
def test_effective_field(decision: FieldDecision, attribute: str, expected: object) -> None:
    field = effective_field(LEARNED, decision)
    assert field is not None
    assert getattr(field, attribute) == expected
    assert LEARNED.specials == "-"


def test_an_allowed_field_never_learned_gets_open_criteria() -> None:
    assert effective_field(None, None) is None
    assert effective_field(None, FieldDecision(tighten=FieldTightening(max_length=3))) is None
    field = effective_field(None, FieldDecision(allow=FieldAllowance(field=True)))
    assert field == open_field()
    assert "'" not in field.specials
    assert "control" not in field.classes


def test_an_allowed_route_never_learned_is_an_empty_young_route() -> None:
    assert effective_route(None, RouteDecision(mode=Mode.ENFORCE)) is None
    route = effective_route(None, RouteDecision(allow=True))
    assert route is not None
    assert (route.samples, route.fields) == (0, {})


def test_route_decisions_set_mode_statuses_and_bounds() -> None:
    learned = RoutePolicy(
        samples=50,
        content_types=["application/json"],
        response=ResponsePolicy(samples=50, statuses=[200], size=(0, 100), latency_ms_max=50.0),
    )
    decision = RouteDecision(
        mode=Mode.ENFORCE,
        block_score=6,
        statuses=[404],
        max_response_bytes=4096,
        max_latency_ms=500.0,
        content_types=["text/plain"],
    )
    route = effective_route(learned, decision)
    assert route is not None
    assert route.response is not None
    assert (route.mode, route.block_score) == (Mode.ENFORCE, 6)
    assert route.response.statuses == [200, 404]
    assert route.response.size == (0, 4096)
    assert route.response.latency_ms_max == 500.0
    assert route.content_types == ["application/json", "text/plain"]


def test_effective_routes_without_decisions_are_the_learned_ones() -> None:
    routes = {"GET /x": RoutePolicy(samples=3)}
    assert effective_routes(routes, OperatorLayer()) is routes


def test_the_engine_judges_against_both_layers() -> None:
    engine = trained_engine(mode=Mode.ENFORCE)
    quote = RequestBuilder().get("/users").query(username="o'neil").headers().build()
    blocked = engine.inspect_request(quote)
    assert blocked.verdict is Verdict.BLOCK
    assert {a.code for a in blocked.alerts} == {"V101", "V105"}
    allowance = FieldAllowance(specials="'", patterns=["a'a"], shapes=["text"])
    decision = RouteDecision(fields={"query.username": FieldDecision(allow=allowance)})
    layer = OperatorLayer(routes={"GET /users": decision})
    engine.load(engine.policy.model_copy(update={"operator": layer}))
    assert engine.inspect_request(quote).verdict is Verdict.ALLOW
    assert engine.policy.routes["GET /users"].fields["query.username"].specials == ""


def test_learning_never_overwrites_an_operator_decision() -> None:
    engine = trained_engine(mode=Mode.LEARN)
    layer = OperatorLayer(
        routes={
            "GET /users": RouteDecision(
                mode=Mode.ENFORCE,
                fields={"query.username": FieldDecision(tighten=FieldTightening(max_length=5))},
            )
        }
    )
    engine.load(engine.policy.model_copy(update={"operator": layer}))
    from .builders import train

    train(engine, 50, seed=3)
    policy = engine.learn()
    assert policy.operator == layer
    assert policy.mode_of("GET /users") is Mode.ENFORCE
    longer = RequestBuilder().get("/users").query(username="abcdefgh").headers().build()
    assert "V104" in {a.code for a in engine.inspect_request(longer).alerts}


def test_mode_of_prefers_the_operator() -> None:
    engine = Engine()
    policy = engine.policy.model_copy(
        update={
            "routes": {"GET /x": RoutePolicy(mode=Mode.DETECT)},
            "operator": OperatorLayer(routes={"GET /x": RouteDecision(mode=Mode.ENFORCE)}),
        }
    )
    assert policy.mode_of("GET /x") is Mode.ENFORCE
    assert policy.mode_of("GET /y") is Mode.LEARN
