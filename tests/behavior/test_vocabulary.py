"""Policy words are checked where a policy or an operator decision is read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vigil.behavior.operator import FieldAllowance, FieldTightening
from vigil.behavior.policy import FieldPolicy

KNOWN = [
    (FieldPolicy, {"classes": ["lower", "digit"]}),
    (FieldPolicy, {"sequences": ["--"], "shapes": ["int"]}),
    (FieldPolicy, {"grammar": "email", "dangers": ["markup"]}),
    (FieldPolicy, {"grammar": None}),
    (FieldAllowance, {"encodings": ["crlf"], "classes": ["upper"]}),
    (FieldTightening, {"shapes": ["uuid"]}),
    (FieldTightening, {"shapes": None}),
]

UNKNOWN = [
    (FieldPolicy, {"classes": ["lowercase"]}, "classes"),
    (FieldPolicy, {"sequences": ["<<<"]}, "unknown sequence(s) ['<<<']"),
    (FieldPolicy, {"shapes": ["guid"]}, "unknown shape(s) ['guid']"),
    (FieldPolicy, {"grammar": "surname"}, "unknown grammar 'surname'"),
    (FieldPolicy, {"dangers": ["evil"]}, "dangers"),
    (FieldAllowance, {"encodings": ["rot13"]}, "encodings"),
    (FieldAllowance, {"sequences": ["$$"]}, "unknown sequence(s) ['$$']"),
    (FieldTightening, {"shapes": ["guid"]}, "unknown shape(s) ['guid']"),
]


@pytest.mark.parametrize(("model", "data"), KNOWN)
def test_known_words_load(model: type[FieldPolicy], data: dict[str, object]) -> None:
    loaded = model.model_validate(data)
    for key, value in data.items():
        assert getattr(loaded, key) == value


@pytest.mark.parametrize(("model", "data", "said"), UNKNOWN)
def test_unknown_words_are_refused_naming_the_field(
    model: type[FieldPolicy], data: dict[str, object], said: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    error = caught.value.errors()[0]
    assert error["loc"][0] == next(iter(data))
    assert said in str(caught.value)
