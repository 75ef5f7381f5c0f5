"""Compiled conditions: each part holds or fails with a reason a person can read."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.signatures.rules.conditions import CompiledCondition
from vigil.signatures.rules.schema import Condition


def compiled(**spec: Any) -> CompiledCondition:
    return CompiledCondition.compile(Condition(**spec))


@pytest.mark.parametrize(
    ("spec", "value", "violations"),
    [
        ({"regex": "^[a-z]{1,4}$"}, "tom", []),
        ({"regex": "^[a-z]{1,4}$"}, "tomtom", ["does not match ^[a-z]{1,4}$"]),
        ({"equals": ["red", "green"]}, "red", []),
        ({"equals": ["red", "green"]}, "RED", ["is not one of the listed values"]),
        ({"equals": ["red"], "ignore_case": True}, "RED", []),
        ({"contains": ["a", "b"]}, "xbx", []),
        ({"contains": ["a"]}, "xyz", ["contains none of the literals"]),
        ({"length": {"max": 3}}, "abcd", ["length 4 outside <= 3"]),
        ({"length": {"min": 2, "max": 3}}, "ab", []),
        ({"number": {"min": 0, "max": 100}}, "42.5", []),
        ({"number": {"min": 0, "max": 100}}, "101", ["number 101 outside 0..100"]),
        ({"number": {"min": 0}}, "abc", ["is not a number"]),
        ({"number": {"min": 0}}, "nan", ["is not a number"]),
        ({"type": "int"}, "-12", []),
        ({"type": "int"}, "12a", ["is not a valid int"]),
        ({"type": "uuid"}, "123e4567-e89b-12d3-a456-426614174000", []),
        ({"type": "email"}, "a.b@example.com", []),
        ({"type": "email"}, "a@b", ["is not a valid email"]),
        ({"type": "ipv4"}, "10.0.0.1", []),
        ({"type": "ipv6"}, "10.0.0.1", ["is not a valid ipv6"]),
        ({"type": "date"}, "2026-11-30T10:00:00Z", []),
        ({"type": "bool"}, "yes", []),
        ({"type": "word"}, "a-b_c", []),
        ({"type": "alpha"}, "abc1", ["is not a valid alpha"]),
        ({"detector": "sqli"}, "1 union select 1,2", []),
        ({"detector": "sqli"}, "hello", ["no sqli found"]),
        ({"regex": "^\\d+$", "length": {"max": 3}}, "12345", ["length 5 outside <= 3"]),
    ],
)
def test_violations(spec: dict[str, Any], value: str, violations: list[str]) -> None:
    assert compiled(**spec).violations(value) == violations


def test_a_signature_match_says_what_matched() -> None:
    condition = compiled(contains=["union"], ignore_case=True, length={"min": 5})
    assert condition.match("1 UNION select") == "contains 'union'; length 14 within >= 5"
    assert condition.match("union") == "contains 'union'; length 5 within >= 5"
    assert condition.match("1 or 1") is None


def test_detector_conditions_name_the_finding() -> None:
    assert compiled(detector="xss").match("<script>x</script>") == "xss: <script> element"


@pytest.mark.parametrize(
    ("spec", "patterns"),
    [
        ({"regex": "a+b"}, ["a+b"]),
        ({"contains": ["a.b", "c"]}, ["(?:a\\.b|c)"]),
        ({"contains": ["x"], "ignore_case": True}, ["(?i)(?:x)"]),
        ({"length": {"max": 3}}, []),
    ],
)
def test_prefilter_patterns(spec: dict[str, Any], patterns: list[str]) -> None:
    assert compiled(**spec).patterns == patterns


def test_description() -> None:
    text = compiled(
        regex="^a$", length={"min": 1, "max": 2}, type="int", detector="sqli"
    ).describe()
    assert text == "matches ^a$, length 1..2, a valid int, sqli detected"
