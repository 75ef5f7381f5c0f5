"""NoSQL operator injection: operators in keys and inline objects; JSON Schema keys pass."""

from __future__ import annotations

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.nosql import detect_nosql

ATTACKS = [
    ("pass.$ne", "query operator $ne"),
    ("pass[$ne]", "query operator $ne"),
    ("user[$regex]", "query operator $regex"),
    ("$gt", "query operator $gt"),
    ('{"$gt": ""}', "query operator $gt"),
    ("filter.$or[].name", "query operator $or"),
    ("$where: function(){ return this.password.length > 0 }", "$where with JavaScript"),
    ("'; return true; var x='$where", "query operator $where"),
]

BENIGN = ["$schema", "json.$id", "$ref", "costs $5", "$100 off", "US$ne", "price$gt", "#$ne#"]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_operators_are_detected(value: str, reason: str) -> None:
    found = detect_nosql(value)
    assert found is not None, value
    assert found.kind is Attack.NOSQL
    assert found.reason == reason


@pytest.mark.parametrize("value", BENIGN)
def test_other_dollar_words_pass(value: str) -> None:
    assert detect_nosql(value) is None
