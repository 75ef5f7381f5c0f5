"""Fields: typed getters with exact field paths in errors."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from vigil.cluster.errors import FieldError
from vigil.cluster.reader import Fields

DATA = {
    "name": "x",
    "count": 3,
    "flag": True,
    "ratio": "30%",
    "when": "2026-01-02T03:04:05Z",
    "labels": {"a": "b"},
    "items": [{"k": 1}, {"k": 2}],
    "words": ["a", "b"],
    "res": {"cpu": "250m", "memory": 1024},
}


def test_getters() -> None:
    f = Fields(DATA, "spec")
    assert f.string("name") == "x"
    assert f.string("missing", "d") == "d"
    assert f.opt_str("missing") is None
    assert f.integer("count") == 3
    assert f.opt_int("missing") is None
    assert f.boolean("flag") is True
    assert f.int_or_str("ratio") == "30%"
    assert f.int_or_str("count") == 3
    assert f.time("when") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert f.str_map("labels") == {"a": "b"}
    assert [i.integer("k") for i in f.objs("items")] == [1, 2]
    assert [i.path for i in f.objs("items")] == ["spec.items[0]", "spec.items[1]"]
    assert f.strs("words") == ("a", "b")
    assert f.quantities("res") == {"cpu": Fraction(1, 4), "memory": Fraction(1024)}
    sub = f.obj("labels")
    assert sub is not None
    assert sub.path == "spec.labels"


@pytest.mark.parametrize(
    ("call", "path", "message"),
    [
        (lambda f: f.string("count"), "spec.count", "expected a string, got 3"),
        (lambda f: f.integer("flag"), "spec.flag", "expected an integer, got True"),
        (lambda f: f.boolean("name"), "spec.name", 'expected a boolean, got "x"'),
        (lambda f: f.required_str("missing"), "spec.missing", "required"),
        (
            lambda f: f.int_or_str("name"),
            "spec.name",
            'invalid value "x": expected an integer or a percentage',
        ),
        (lambda f: f.time("name"), "spec.name", 'invalid timestamp "x"'),
        (lambda f: f.obj("name"), "spec.name", "expected an object, got str"),
        (lambda f: f.objs("words"), "spec.words[0]", "expected an object"),
        (
            lambda f: f.strs("items"),
            "spec.items[0]",
            "expected a string, got an object with 1 key(s)",
        ),
        (lambda f: f.quantities("labels"), "spec.labels.a", 'invalid quantity "b"'),
    ],
)
def test_errors_carry_paths(call, path: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FieldError) as info:
        call(Fields(DATA, "spec"))
    assert (info.value.path, info.value.message) == (path, message)
