"""The learned model: judging a JSON body by columns gives the alerts of judging it value by value."""

from __future__ import annotations

import random
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.behavior.compiled_policy import compile_policy
from vigil.behavior.engine import Engine
from vigil.behavior.model import LearnedModel
from vigil.behavior.profile import profile_request
from vigil.http.model import Request
from vigil.inspection.phases import Context, Phase

from .builders import RequestBuilder

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
