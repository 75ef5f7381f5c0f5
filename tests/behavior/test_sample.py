"""Samples: each field profiled once; values kept only when short and not secret."""

from __future__ import annotations

import pytest

from vigil.behavior.sample import VALUE_LIMIT, is_secret, sample_exchange, sample_field
from vigil.behavior.values import CharClass
from vigil.http.body import BodyField
from vigil.inspection.observation import Observation


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        ("query.username", False),
        ("form.password", True),
        ("json.user.passwd", True),
        ("header.authorization", True),
        ("query.access_token", True),
        ("cookie.theme", True),
        ("json.api_key", True),
        ("query.color", False),
    ],
)
def test_secret_field_names(path: str, secret: bool) -> None:
    assert is_secret(path) is secret


def test_a_short_value_is_profiled_and_kept() -> None:
    sample = sample_field(BodyField("query.name", "O'Brien-2", 0))
    assert sample.value == "O'Brien-2"
    assert sample.pattern == "A'Aa-9"
    assert sample.specials == "'-"
    assert sample.length == 9
    assert sample.classes & CharClass.UPPER
    assert sample.entropy is None


def test_a_secret_value_is_profiled_but_not_kept() -> None:
    sample = sample_field(BodyField("form.password", "hunter2", 0))
    assert sample.value is None
    assert sample.pattern == "a9"
    assert sample.length == 7


def test_long_values_keep_only_their_profile() -> None:
    text = "x" * (VALUE_LIMIT + 1)
    sample = sample_field(BodyField("json.note", text, 0, "string"))
    assert (sample.value, sample.pattern) == (None, None)
    assert sample.entropy == 0.0
    assert sample.kind == "string"


def test_containers_keep_their_size() -> None:
    sample = sample_field(BodyField("json.items", "", 0, "array", size=12))
    assert not sample.profiled
    assert sample.length == 12


def test_an_exchange_carries_client_time_and_response_without_values() -> None:
    request = Observation("GET", "/users", ["users"], 0, "", [BodyField("query.q", "tom")])
    response = Observation("", "", [], 0, "application/json", [BodyField("json.name", "bob")],
                           status=200, body_size=17, latency_ms=3.5)  # fmt: skip
    sample = sample_exchange("GET /users", request, response, client=42, time=1000.0)
    assert (sample.route, sample.client, sample.time) == ("GET /users", 42, 1000.0)
    assert sample.fields[0].value == "tom"
    assert sample.response is not None
    assert (sample.response.status, sample.response.size) == (200, 17)
    assert sample.response.fields[0].value is None
