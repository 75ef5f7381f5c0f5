"""JSON columns hold exactly the fields of ``parse_json``, grouped by path and kind."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.http import jsoncolumns
from vigil.http.body import BodyField, parse_json
from vigil.http.jsoncolumns import KEY_CACHE, json_columns

_KEYS = st.sampled_from(["a", "b", "id", "Ｋ", "k\u0301", "x y", "é"]) | st.text(max_size=4)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(min_value=-(2.0**53) + 1, max_value=2.0**53 - 1)
    | st.text(max_size=8)
    | st.sampled_from(["", "ab", "\x00", "ｆｕｌｌ", "caf\u00e9", "a\r\nb"])
)
_DOCS = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=40,
)


def _key(f: BodyField) -> tuple[str, str, int, str, int]:
    return (f.path, f.text, f.flags, f.kind, -1 if f.size is None else f.size)


@settings(max_examples=300)
@given(_DOCS, st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=5))
def test_columns_hold_the_fields_of_parse_json(doc: object, max_fields: int, depth: int) -> None:
    body = orjson.dumps(doc)
    columns = json_columns(orjson.loads(body), "json", max_fields, depth)
    reference = parse_json(body, "json", max_fields, depth)
    if columns is None:
        return
    assert not reference.over_bound
    assert sorted(map(_key, columns.fields())) == sorted(map(_key, reference.fields))
    assert columns.count == len(reference.fields)
    for column in columns.columns:
        assert {f.path for f in column.fields} == {column.path}
        assert {f.kind for f in column.fields} == {column.kind}


@settings(max_examples=200)
@given(_DOCS)
def test_documents_within_the_bounds_always_get_columns(doc: object) -> None:
    body = orjson.dumps(doc)
    reference = parse_json(body, "json", 1024, 32)
    columns = json_columns(orjson.loads(body), "json", 1024, 32)
    assert (columns is None) == bool(reference.over_bound)


@pytest.mark.parametrize(
    ("doc", "max_fields", "max_depth"),
    [
        pytest.param({"a": [1, 2, 3]}, 4, 32, id="more-fields-than-the-bound"),
        pytest.param({"a": {"b": {}}}, 100, 2, id="deeper-than-the-bound"),
        pytest.param([1e300], 100, 32, id="a-float-that-may-be-a-big-integer"),
    ],
)
def test_what_parse_json_reads_differently_gets_no_columns(
    doc: object, max_fields: int, max_depth: int
) -> None:
    assert json_columns(doc, "json", max_fields, max_depth) is None


def test_an_array_of_objects_becomes_one_column_per_member() -> None:
    doc = {"items": [{"sku": "A-1", "qty": 1}, {"sku": "B-2", "qty": 2, "note": "x"}]}
    columns = json_columns(doc, "json", 100)
    assert columns is not None
    shape = {(c.path, c.kind): c.values for c in columns.columns}
    assert shape == {
        ("json", "object"): [1],
        ("json.items", "array"): [2],
        ("json.items[]", "object"): [2, 3],
        ("json.items[].sku", "string"): ["A-1", "B-2"],
        ("json.items[].qty", "number"): ["1", "2"],
        ("json.items[].note", "string"): ["x"],
    }
    assert all(c.plain for c in columns.columns)


def test_non_ascii_strings_are_normalised_and_flagged() -> None:
    columns = json_columns({"q": ["ｆｕｌｌ", "a\r\nb"]}, "json", 100)
    assert columns is not None
    (strings,) = [c for c in columns.columns if c.kind == "string"]
    assert not strings.plain
    assert [(f.text, f.flags) for f in strings.fields] == [("full", 128), ("a\r\nb", 64)]


def test_a_nul_inside_a_value_is_not_taken_for_a_separator() -> None:
    columns = json_columns({"q": ["a\x00b", "c"]}, "json", 100)
    assert columns is not None
    (strings,) = [c for c in columns.columns if c.kind == "string"]
    assert strings.ascii
    assert not strings.plain
    assert [(f.text, f.flags) for f in strings.fields] == [("a\x00b", 16), ("c", 0)]


def test_mixed_kinds_at_one_path_are_separate_columns() -> None:
    columns = json_columns({"v": [1, "1", None, True]}, "json", 100)
    assert columns is not None
    kinds = sorted(c.kind for c in columns.columns if c.path == "json.v[]")
    assert kinds == ["bool", "null", "number", "string"]


def test_key_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsoncolumns, "_keys", {})
    for i in range(KEY_CACHE + 10):
        json_columns({f"k{i}": 1}, "json", 10)
    assert 0 < len(jsoncolumns._keys) <= KEY_CACHE
