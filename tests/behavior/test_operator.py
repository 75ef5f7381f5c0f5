"""The operator layer's models: validated, and kept apart from the learned layer."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vigil.behavior.operator import FieldAllowance, OperatorLayer, RouteDecision
from vigil.behavior.policy import PolicyError, parse_policy


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"classes": ["loud"]}, "unknown character class", id="class"),
        pytest.param({"encodings": ["rot13"]}, "unknown encoding", id="encoding"),
        pytest.param({"sequences": ["<script"]}, "unknown sequence", id="sequence"),
        pytest.param({"shapes": ["blob"]}, "unknown shape", id="shape"),
        pytest.param({"max_length": -1}, "greater than or equal to 0", id="length"),
        pytest.param({"colour": "red"}, "Extra inputs are not permitted", id="extra"),
    ],
)
def test_bad_allowances_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FieldAllowance.model_validate(data)


def test_route_keys_are_checked() -> None:
    with pytest.raises(ValidationError, match="route key 'users'"):
        OperatorLayer.model_validate({"routes": {"users": {}}})
    assert not OperatorLayer()
    assert OperatorLayer(routes={"GET /x": RouteDecision(allow=True)})


def test_a_policy_file_error_in_the_operator_layer_names_the_field() -> None:
    data = {
        "operator": {"routes": {"GET /x": {"fields": {"query.q": {"allow": {"shapes": ["x"]}}}}}}
    }
    with pytest.raises(
        PolicyError, match=r"operator\.routes\.GET /x\.fields\.query\.q\.allow\.shapes"
    ):
        parse_policy(data, "p.yaml")


def test_an_empty_operator_layer_is_left_out_of_the_yaml() -> None:
    assert "operator" not in parse_policy({}).to_yaml()
    text = parse_policy({"operator": {"routes": {"GET /x": {"allow": True}}}}).to_yaml()
    assert "operator:" in text
    assert (
        parse_policy({"operator": {"routes": {"GET /x": {"allow": True}}}})
        .operator.routes["GET /x"]
        .allow
    )
