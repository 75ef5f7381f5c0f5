"""Compiling a route's policy entry for the hot path."""

from __future__ import annotations

import pytest

from vigil.behavior.alerts import Severity
from vigil.behavior.compiled import compile_route
from vigil.behavior.decision import Mode
from vigil.behavior.policy import FieldPolicy, Policy, ResponsePolicy, RoutePolicy


@pytest.mark.parametrize(
    ("samples", "block_score", "counted", "score"),
    [
        pytest.param(5, None, Severity.HIGH, 3, id="immature-counts-only-high"),
        pytest.param(20, None, Severity.LOW, 3, id="mature-counts-everything"),
        pytest.param(5, 4, Severity.LOW, 4, id="own-block-score-counts-everything"),
    ],
)
def test_maturity_and_block_score(
    samples: int, block_score: int | None, counted: Severity, score: int
) -> None:
    spec = RoutePolicy(samples=samples, block_score=block_score)
    route = compile_route("GET /x", spec, Policy(), mature_samples=20)
    assert (route.counted, route.block_score) == (counted, score)


def test_mode_falls_back_to_the_policy_and_required_fields_are_collected() -> None:
    spec = RoutePolicy(
        samples=50,
        fields={"query.a": FieldPolicy(required=True), "query.b": FieldPolicy(required=False)},
        response=ResponsePolicy(samples=50, statuses=[200], size=(0, 99), latency_ms_max=80.0),
    )
    route = compile_route("GET /x", spec, Policy(mode=Mode.DETECT))
    assert route.mode is Mode.DETECT
    assert route.required == frozenset({"query.a"})
    assert set(route.checks) == {"query.a", "query.b"}
    assert (route.statuses, route.response_size, route.latency_ms_max) == (
        frozenset({200}),
        99,
        80.0,
    )
    assert route.has_response
    own = compile_route("GET /x", spec.model_copy(update={"mode": Mode.ENFORCE}), Policy())
    assert own.mode is Mode.ENFORCE


def test_headers_and_cookies_are_never_required() -> None:
    spec = RoutePolicy(
        samples=50,
        fields={
            name: FieldPolicy(required=True)
            for name in ("query.a", "form.b", "header.accept-encoding", "cookie.session")
        },
    )
    assert compile_route("GET /x", spec, Policy()).required == frozenset({"query.a", "form.b"})
