"""Columns judged at once raise no alert only when the value-by-value path raises none."""

from __future__ import annotations

import random
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.behavior.check import check_value
from vigil.behavior.columns import column_is_clean
from vigil.behavior.engine import Engine
from vigil.behavior.policy import FieldCheck, FieldPolicy
from vigil.behavior.values import PATTERN_MAX, SEQUENCES, pattern_expression, pattern_of
from vigil.http.jsoncolumns import SEPARATOR, json_columns

from .builders import RequestBuilder, stamp

_CHARS = st.sampled_from(list(string.ascii_letters + string.digits + " -_.@'\"<>;:/=&#(){}*%0xX"))
_PIECES = st.sampled_from(
    ["--", "../", "0x", "&#60;", "' or 1=1", "<b>", "é", "Ｋ", "\t", "${a:b}", "\x00", "\r\n"]
)
_TEXT = st.lists(_CHARS | _PIECES, max_size=10).map("".join)

_POLICIES = st.builds(
    FieldPolicy,
    length=st.tuples(st.integers(0, 6), st.integers(0, 40)).map(lambda t: (min(t), max(t))),
    classes=st.lists(st.sampled_from(["lower", "upper", "digit", "space"]), unique=True),
    specials=st.text(st.sampled_from("-_.@'\"<>;:/=&#(){}*%"), max_size=6),
    sequences=st.lists(st.sampled_from(SEQUENCES), unique=True, max_size=3),
    shapes=st.lists(
        st.sampled_from(["word", "alnum", "int", "text", "email"]), unique=True, max_size=2
    ),
    kinds=st.lists(
        st.sampled_from(["string", "number", "object", "array"]), unique=True, max_size=2
    ),
    enum=st.none() | st.lists(_TEXT, max_size=4),
    patterns=st.none()
    | st.lists(st.sampled_from(["a", "A", "9", "Aa", "a9", "A-9", "a a", "a@a.a"]), max_size=3),
    entropy_max=st.none() | st.floats(0.0, 5.0),
    max_repeat=st.integers(1, 6),
    grammar=st.none() | st.sampled_from(["name", "code", "text", "email"]),
    dangers=st.lists(st.sampled_from(["sql", "markup", "traversal"]), unique=True, max_size=1),
)


@settings(max_examples=600)
@given(_POLICIES, st.lists(_TEXT | st.integers(-99, 999) | st.none(), min_size=1, max_size=6))
def test_a_clean_column_means_no_value_alerts(policy: FieldPolicy, values: list[object]) -> None:
    check = FieldCheck.compile(policy)
    columns = json_columns({"v": values}, "json", 100)
    assert columns is not None
    repeat = len(values)
    for column in columns.columns:
        if column.path != "json.v[]":
            continue
        if column_is_clean(column, check, repeat):
            fresh = FieldCheck.compile(policy)
            assert [
                a for f in column.fields for a in check_value("POST /x", f, fresh, repeat)
            ] == []


@settings(max_examples=400)
@given(
    st.lists(st.text(st.sampled_from("aZ9-. é×ß"), max_size=8), min_size=1, max_size=5),
    st.lists(st.sampled_from(["a", "A", "9", "Aa", "9-9", "a.a", "a a", "A9", "a×a"]), max_size=4),
)
def test_pattern_expression_matches_exactly_the_learned_patterns(
    texts: list[str], patterns: list[str]
) -> None:
    expected = all(pattern_of(t) in patterns for t in texts)
    got = pattern_expression(frozenset(patterns)).fullmatch(SEPARATOR.join(texts)) is not None
    assert got is expected


def test_typical_columns_are_judged_clean_at_once() -> None:
    rng = random.Random(3)
    notes = ["".join(rng.choices(string.ascii_lowercase, k=20)) for _ in range(32)]
    skus = [f"SKU-{rng.randint(1000, 9999)}" for _ in range(32)]
    note = FieldCheck.compile(
        FieldPolicy(
            length=(15, 25),
            classes=["lower"],
            shapes=["word"],
            patterns=["a"],
            entropy_max=4.8,
            max_repeat=32,
        )
    )
    sku = FieldCheck.compile(
        FieldPolicy(
            length=(6, 10),
            classes=["upper", "digit"],
            specials="-",
            patterns=["A-9"],
            max_repeat=32,
        )
    )
    columns = json_columns(
        {"items": [{"note": n, "sku": s} for n, s in zip(notes, skus, strict=True)]}, "json", 1000
    )
    assert columns is not None
    by_path = {c.path: c for c in columns.columns}
    assert column_is_clean(by_path["json.items[].note"], note, 32)
    assert column_is_clean(by_path["json.items[].sku"], sku, 32)
    assert not column_is_clean(by_path["json.items[].sku"], sku, 33)
    assert PATTERN_MAX >= 20


def _learned_check(values: list[object]) -> FieldCheck | None:
    engine = Engine()
    for i in range(5):
        request = RequestBuilder().post("/x").json({"v": values}).build()
        engine.observe(engine.inspect_request(stamp(request, i * 5)))
    route = engine.learn().routes.get("POST /x")
    policy = route.fields.get("json.v[]") if route is not None else None
    return FieldCheck.compile(policy) if policy is not None else None


@settings(max_examples=150)
@given(st.lists(_TEXT, min_size=1, max_size=6), st.lists(_TEXT, min_size=1, max_size=6))
def test_columns_judged_against_learned_criteria_agree(
    learned: list[object], judged: list[object]
) -> None:
    check = _learned_check(learned)
    if check is None:
        return
    columns = json_columns({"v": judged}, "json", 100)
    assert columns is not None
    for column in columns.columns:
        if column.path == "json.v[]" and column_is_clean(column, check, len(judged)):
            fresh = _learned_check(learned)
            assert fresh is not None
            assert [
                a for f in column.fields for a in check_value("POST /x", f, fresh, len(judged))
            ] == []
