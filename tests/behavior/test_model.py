"""The learned model: judging a JSON body by columns gives the alerts of judging it value by value;
XML bodies are learned and judged field by field."""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.behavior.compiled_policy import compile_policy
from vigil.behavior.engine import Engine
from vigil.behavior.model import LearnedModel
from vigil.behavior.profile import profile_request
from vigil.http.model import Request
from vigil.inspection.phases import Context, Phase

from .builders import RequestBuilder, stamp, trained_engine

_WORDS = st.sampled_from(
    ["tom", "Anne-Sophie", "SKU-1234", "a@b.co", "x y", "' or 1=1--", "<b>", "Ｋ", "é", "0x1f", ""]
)
_VALUES = _WORDS | st.integers(-5, 500) | st.booleans() | st.none()
_DOCS = st.recursive(
    _VALUES,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "items", "note", "qty"]), children, max_size=3)
    ),
    max_leaves=25,
)


def _order(rng: random.Random) -> dict[str, object]:
    return {
        "customer": {"name": "".join(rng.choices(string.ascii_lowercase, k=7)).title()},
        "items": [
            {"sku": f"SKU-{rng.randint(1000, 9999)}", "qty": rng.randint(1, 5)}
            for _ in range(rng.randint(1, 6))
        ],
    }


def _learned() -> Engine:
    rng = random.Random(5)
    engine = Engine()
    for _ in range(60):
        engine.observe(
            engine.inspect_request(RequestBuilder().post("/orders").json(_order(rng)).build())
        )
    engine.learn()
    return engine


ENGINE = _learned()


def _alerts(request: Request, columns: bool) -> list[tuple[str, str, str, str, int]]:
    compiled = compile_policy(ENGINE.policy, ENGINE.settings.min_route_samples)
    obs = profile_request(request, ENGINE.limits)
    if not columns:
        every = obs.fields
        obs.json = None
        assert obs.fields == every
    resolution = compiled.resolve(obs)
    context = Context(resolution.key, request, obs, resolution.template)
    found = LearnedModel(compiled).inspect(Phase.REQUEST_BODY, context)
    return sorted((a.code, a.field, a.expected, a.seen, int(a.severity)) for a in found)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCS)
def test_columns_and_values_give_the_same_alerts(doc: object) -> None:
    request = RequestBuilder().post("/orders").json(doc).build()
    assert _alerts(request, columns=True) == _alerts(request, columns=False)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_benign_orders_pass_by_columns_as_by_values(seed: int) -> None:
    request = RequestBuilder().post("/orders").json(_order(random.Random(seed))).build()
    assert _alerts(request, columns=True) == _alerts(request, columns=False)


def _xml_login(rng: random.Random) -> Request:
    name = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9)))
    body = (
        '<?xml version="1.0"?><login xmlns="urn:shop">'
        f'<username>{name}</username><remember value="{rng.choice(["yes", "no"])}"/></login>'
    )
    return (
        RequestBuilder()
        .post("/login")
        .body(body.encode(), "application/xml; charset=utf-8")
        .build()
    )


XML_ENGINE = trained_engine(make=_xml_login)


def _xml_alerts(username: str, remember: str = "yes") -> list[tuple[str, str, str, str]]:
    body = (
        f'<login xmlns="urn:shop"><username>{username}</username><remember value="{remember}"/>'
        "</login>"
    )
    request = RequestBuilder().post("/login").body(body.encode(), "application/xml").build()
    decision = XML_ENGINE.inspect_request(stamp(request, 10_000))
    return [(a.code, a.field, a.expected, a.seen) for a in decision.alerts]


def test_xml_fields_are_learned_per_route() -> None:
    route = XML_ENGINE.policy.routes["POST /login"]
    assert {"xml.login.username", "xml.login.remember@value"} <= set(route.fields)
    assert _xml_alerts("robert") == []


@pytest.mark.parametrize(
    ("username", "remember", "field"),
    [
        pytest.param("tom&apos; or 1=1", "yes", "xml.login.username", id="sql-in-text"),
        pytest.param("tom", "maybe&lt;", "xml.login.remember@value", id="new-attribute-value"),
    ],
)
def test_an_injected_xml_field_alerts_with_its_path(
    username: str, remember: str, field: str
) -> None:
    alerts = _xml_alerts(username, remember)
    assert alerts
    assert {a[1] for a in alerts} == {field}
    assert all(expected and seen for _, _, expected, seen in alerts)


def test_malformed_xml_is_a_finding_like_malformed_json() -> None:
    request = (
        RequestBuilder()
        .post("/login")
        .body(b'<login xmlns="urn:shop"><username>tom</login>', "application/xml")
        .build()
    )
    decision = XML_ENGINE.inspect_request(stamp(request, 10_001))
    found = {(a.code, a.field) for a in decision.alerts}
    assert ("V121", "body") in found
    assert not any(a.field == "xml.login.username" for a in decision.alerts)
