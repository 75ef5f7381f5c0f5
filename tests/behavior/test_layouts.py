"""A body a compiled layout matches raises no alert when judged field by field."""

from __future__ import annotations

import json
import random
import string
from collections import Counter
from typing import Any

import orjson
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from vigil.behavior.check import check_value
from vigil.behavior.decision import Decision, Mode
from vigil.behavior.engine import Engine
from vigil.behavior.exchange import Exchange
from vigil.behavior.layouts import (
    SEEN_BEFORE_COMPILE,
    RouteLayouts,
    compile_layout,
    integer_expression,
    signature,
    string_rule,
)
from vigil.behavior.policy import FieldCheck, FieldPolicy
from vigil.behavior.values import SEQUENCES
from vigil.http.body import parse_json
from vigil.inspection.observation import Observation

from .builders import RequestBuilder, codes, stamp

_CHARS = st.sampled_from(list(string.ascii_letters + string.digits + " -_.@'<>;:/=&#(){}*%+,"))
_PIECES = st.sampled_from(
    [
        "--", "-->", "../", "0x", "0X", "&#60;", "' or 1=1", "<b>", "é", "\t", "\x00", "${a:b}",
        " union select 1", "etc/passwd", "a.ini", "id_rsa", "@@", '"', "\\", "..", "a--b",
    ]
)  # fmt: skip
_TEXT = st.lists(_CHARS | _PIECES, max_size=10).map("".join)
_PLAIN_PIECES = st.sampled_from(
    ["--", "-->", "..", "0x", "0X", "a.ini", "A.INI", "id_", "ID_", "@@", "schema", ".Ht", "&#"]
)
_WORDISH = st.lists(st.sampled_from(list("abzXYZ0159-_.@#")) | _PLAIN_PIECES, max_size=12).map(
    "".join
)
"""Texts of the characters a layout may admit, with the substrings it must exclude."""
_NUMBER = st.integers(-(10**20), 10**20) | st.integers(-120, 120)
_SCALAR = _WORDISH | _WORDISH | _TEXT | _NUMBER | st.booleans() | st.none()

_LENGTHS = st.tuples(st.integers(0, 4), st.integers(1, 30)).map(lambda t: (min(t), max(t)))
_CLASSES = st.lists(st.sampled_from(["lower", "upper", "digit", "space"]), min_size=1, unique=True)
_PATTERNS = (
    st.none()
    | st.none()
    | st.lists(
        st.sampled_from(["a", "A", "9", "-9", "Aa", "a9", "A-9", "a a", "a@a.a", "a-a", "a.a"]),
        max_size=3,
    )
)
_COMMON = {
    "length": _LENGTHS,
    "sequences": st.lists(st.sampled_from(SEQUENCES), unique=True, max_size=3),
    "entropy_max": st.none() | st.floats(0.0, 5.0),
    "max_repeat": st.integers(1, 8),
    "dangers": st.lists(st.sampled_from(["sql", "markup", "traversal"]), unique=True, max_size=1),
}
_STRING_POLICIES = st.builds(
    FieldPolicy,
    classes=_CLASSES,
    specials=st.text(st.sampled_from("-_.@#'<;:&"), max_size=5),
    shapes=st.sampled_from([[], [], [], ["text"], ["word"], ["alnum", "email"]]),
    kinds=st.sampled_from([[], [], ["string"], ["string", "number"], ["number"]]),
    enum=st.none() | st.none() | st.lists(_WORDISH | _TEXT, max_size=4),
    patterns=_PATTERNS,
    grammar=st.none() | st.sampled_from(["name", "code", "text", "email"]),
    **_COMMON,
)
_NUMBER_POLICIES = st.builds(
    FieldPolicy,
    classes=_CLASSES.map(lambda c: sorted({*c, "digit"})),
    specials=st.sampled_from(["", "-", "-.", "."]),
    shapes=st.sampled_from([[], [], ["int"], ["int"], ["int", "word"], ["word"], ["float"]]),
    kinds=st.sampled_from([[], [], ["number"], ["string", "number"], ["string"]]),
    enum=st.none() | st.none() | st.lists(_NUMBER.map(str) | _WORDISH, max_size=4),
    patterns=_PATTERNS,
    **_COMMON,
)
_LITERAL_POLICIES = st.builds(
    FieldPolicy,
    classes=st.sampled_from([["lower"], [], ["upper"]]),
    kinds=st.sampled_from([[], [], ["bool", "null"], ["bool"], ["null"], ["number"]]),
    enum=st.none() | st.lists(st.sampled_from(["true", "false", "null", "x"]), max_size=3),
    patterns=st.none() | st.just(["a"]),
    **_COMMON,
)
_CONTAINER_POLICIES = st.builds(
    FieldPolicy,
    length=st.tuples(st.integers(0, 3), st.integers(3, 9)).map(lambda t: (min(t), max(t))),
    kinds=st.sampled_from([[], [], ["object"], ["array"], ["object", "array"]]),
    max_repeat=st.integers(1, 8),
)
_PLAIN_STRING_POLICIES = st.builds(
    FieldPolicy,
    classes=_CLASSES,
    specials=st.text(st.sampled_from("-_.@#&"), max_size=5),
    **_COMMON,
)
_PLAIN_NUMBER_POLICIES = st.builds(
    FieldPolicy,
    classes=_CLASSES.map(lambda c: sorted({*c, "digit"})),
    specials=st.sampled_from(["", "-"]),
    **_COMMON,
)


def _mostly(usual: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` four times in five, else ``other``."""
    return st.integers(0, 4).flatmap(lambda i: other if i == 4 else usual)


_CRITERIA = st.fixed_dictionaries(
    {
        "json": _CONTAINER_POLICIES,
        "json.name": _mostly(_PLAIN_STRING_POLICIES, _STRING_POLICIES),
        "json.count": _mostly(_PLAIN_NUMBER_POLICIES, _NUMBER_POLICIES),
        "json.items": _CONTAINER_POLICIES,
        "json.items[]": _CONTAINER_POLICIES,
        "json.items[].s": _mostly(_PLAIN_STRING_POLICIES, _STRING_POLICIES),
        "json.items[].k": _mostly(_PLAIN_NUMBER_POLICIES, _NUMBER_POLICIES | _LITERAL_POLICIES),
    }
)
"""Criteria of the paths of :func:`_document`, of the kind its values mostly have."""


def _document(name: object, count: object, items: list[tuple[object, object]]) -> object:
    return {"name": name, "count": count, "items": [{"s": s, "k": k} for s, k in items]}


_TEMPLATES = st.builds(
    _document,
    _WORDISH,
    st.integers(-120, 120),
    st.lists(
        st.tuples(_WORDISH, st.integers(-120, 120) | st.sampled_from([True, None, 0])),
        min_size=1,
        max_size=3,
    ).map(lambda items: [items[0]] * len(items)),
)


def _near(check: FieldCheck, example: object) -> st.SearchStrategy[object]:
    """Values of the kind of ``example`` that mostly pass ``check``, and some that do not."""
    if type(example) is str:
        chars = set(check.plain_bytes.decode()) - {'"', "\\"}
        alphabet = sorted(chars - set(" ;:/&'<>")) or sorted(chars) or ["a"]
        spiced = st.sampled_from(alphabet) | _PLAIN_PIECES | st.sampled_from(sorted(chars) or ["a"])
        near: st.SearchStrategy[object] = _mostly(
            st.lists(st.sampled_from(alphabet), min_size=check.lo, max_size=check.hi + 1),
            st.lists(spiced, min_size=check.lo, max_size=check.hi + 1),
        ).map("".join)
        if check.enum:
            near = near | st.sampled_from(sorted(check.enum))
    elif type(example) is int:
        digits = min(check.hi, 19)
        near = st.integers(-(10**digits), 10**digits) | st.integers(-120, 120)
    else:
        near = st.sampled_from([True, False, None])
    return st.integers(0, 7).flatmap(lambda i: _SCALAR if i == 7 else near)


def _judged(
    template: dict[str, object], checks: dict[str, FieldCheck]
) -> st.SearchStrategy[object]:
    """Documents of the layout of ``template`` whose values mostly pass ``checks``."""
    item = template["items"][0]  # type: ignore[index]
    return st.builds(
        _document,
        _near(checks["json.name"], template["name"]),
        _near(checks["json.count"], template["count"]),
        st.lists(
            st.tuples(
                _near(checks["json.items[].s"], item["s"]),
                _near(checks["json.items[].k"], item["k"]),
            ),
            min_size=1,
            max_size=5,
        ),
    )


def _compact(doc: object) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _spellings(doc: object) -> list[bytes]:
    """The ways clients write a document: compact, spaced, indented, with escapes."""
    return [
        _compact(doc),
        json.dumps(doc).encode(),
        json.dumps(doc, indent=1, ensure_ascii=False).encode(),
        json.dumps(doc, separators=(",", ":")).replace('"s"', '"\\u0073"').encode(),
    ]


def _mutated(body: bytes, at: int, insert: bytes) -> bytes:
    at %= len(body) + 1
    return body[:at] + insert + body[at:]


def _compile(criteria: dict[str, FieldPolicy]) -> dict[str, FieldCheck]:
    return {path: FieldCheck.compile(policy) for path, policy in criteria.items()}


def _alerts(body: bytes, criteria: dict[str, FieldPolicy], max_fields: int) -> list[object]:
    """Every alert the field-by-field path raises on ``body`` (fresh criteria: no memo)."""
    parsed = parse_json(body, "json", max_fields)
    assert not parsed.error
    assert not parsed.over_bound
    checks = _compile(criteria)
    repeats = Counter(f.path for f in parsed.fields)
    return [
        alert
        for f in parsed.fields
        for alert in check_value("POST /x", f, checks[f.path], repeats[f.path])
    ]


@settings(max_examples=800, deadline=None)
@given(
    _CRITERIA,
    _TEMPLATES,
    st.data(),
    st.integers(0, 4096),
    st.sampled_from([b"", b" ", b"\\", b'"', b",", b"1", b"a", b"]", b'{"s":"a"}', b"\xc3\xa9"]),
)
def test_a_body_matching_a_layout_raises_no_alert_field_by_field(
    criteria: dict[str, FieldPolicy],
    template: dict[str, object],
    data: st.DataObject,
    at: int,
    insert: bytes,
) -> None:
    max_fields = 40
    checks = _compile(criteria)
    layout = compile_layout(template, checks, max_fields)
    event("compiled" if layout is not None else "no layout")
    if layout is None:
        return
    judged = data.draw(_judged(template, checks))
    for body in [*_spellings(judged), _mutated(_compact(judged), at, insert)]:
        if layout.matches(body):
            event("matched")
            parsed = parse_json(body, "json", max_fields)
            assert {f.path for f in parsed.fields} == layout.paths
            assert _alerts(body, criteria, max_fields) == []


@settings(max_examples=300, deadline=None)
@given(_CRITERIA, _TEMPLATES)
def test_whitespace_between_tokens_never_changes_a_match(
    criteria: dict[str, FieldPolicy], doc: dict[str, object]
) -> None:
    layout = compile_layout(doc, _compile(criteria), 40)
    if layout is None:
        return
    compact, spaced = orjson.dumps(doc), json.dumps(doc).encode()
    if b"\\" not in compact:
        assert layout.matches(compact) is layout.matches(spaced)


def _typical_checks() -> dict[str, FieldCheck]:
    word = FieldPolicy(length=(3, 12), classes=["lower", "upper"], patterns=["Aa", "a"])
    sku = FieldPolicy(length=(8, 8), classes=["upper", "digit"], specials="-", patterns=["A-9"])
    number = FieldPolicy(length=(1, 2), classes=["digit"], shapes=["int"], kinds=["number"])
    return _compile(
        {
            "json": FieldPolicy(length=(3, 3)),
            "json.name": word,
            "json.count": number,
            "json.items": FieldPolicy(length=(0, 32)),
            "json.items[]": FieldPolicy(length=(2, 2), max_repeat=32),
            "json.items[].s": sku.model_copy(update={"max_repeat": 32}),
            "json.items[].k": number.model_copy(update={"max_repeat": 32}),
        }
    )


def _order(name: str, count: int, skus: list[str]) -> bytes:
    return orjson.dumps(_document(name, count, [(s, 1) for s in skus]))


@pytest.mark.parametrize(
    ("body", "matches"),
    [
        (_order("Anne", 3, ["SKU-1234", "SKU-9999"]), True),
        (b'{ "name" : "anne" ,\n "count":3, "items":[{"s":"SKU-1234","k":1}] }', True),
        (_order("Anne", 3, ["SKU-1234"] * 32), True),
        (_order("Anne", 3, ["SKU-1234"] * 33), False),
        (_order("Anne", 3, ["SKU--234"]), False),
        (_order("An'e", 3, ["SKU-1234"]), False),
        (_order("Anne", 100, ["SKU-1234"]), False),
        (_order("Anne", 3, ["SKU-123"]), False),
        (b'{"name":"Anne","count":3,"items":[{"s":"SKU-1234","k":1}],"x":1}', False),
        (b'{"name":"Anne","count":3,"items":[{"s":"SKU-1234","k":01}]}', False),
        (b'{"name":"Anne","count":3,"items":[{"s":"SKU-1234","k":1.0}]}', False),
        (b'{"name":"Anne","count":3,"items":[{"s":"SKU-1234","k":1}]}x', False),
        (b'{"name":"Anne","count":3,"items":[{"s":"SKU-1234","k":1},]}', False),
        (b'{"name":"An\\u006ee","count":3,"items":[{"s":"SKU-1234","k":1}]}', False),
        (b'{"name":"Anne","name":"Bob","items":[{"s":"SKU-1234","k":1}]}', False),
    ],
)
def test_typical_bodies(body: bytes, matches: bool) -> None:
    template = orjson.loads(_order("Bob", 2, ["SKU-0000", "SKU-1111"]))
    layout = compile_layout(template, _typical_checks(), 1024)
    assert layout is not None
    assert layout.matches(body) is matches


@pytest.mark.parametrize(
    ("policy", "clean", "rejected"),
    [
        (FieldPolicy(length=(1, 20), classes=["lower", "space"]), "shoes", "red shoes"),
        (FieldPolicy(length=(1, 20), classes=["lower"], specials="-"), "a-b", "a--b"),
        (FieldPolicy(length=(1, 20), classes=["lower", "digit"]), "a0b", "a0xb"),
        (FieldPolicy(length=(1, 20), classes=["lower"], specials="."), "a.b", "a.ini"),
        (FieldPolicy(length=(1, 9), classes=["lower"], enum=["asc", "desc"]), "desc", "up"),
        (FieldPolicy(length=(0, 1), classes=["lower"], patterns=["a"]), "s", ""),
    ],
)
def test_string_rules(policy: FieldPolicy, clean: str, rejected: str) -> None:
    rule_check = FieldCheck.compile(policy)
    assert string_rule(rule_check) is not None
    checks = {"json": FieldCheck.compile(FieldPolicy(length=(1, 1))), "json.v": rule_check}
    layout = compile_layout({"v": clean}, checks, 10)
    assert layout is not None
    assert layout.matches(orjson.dumps({"v": clean}))
    assert not layout.matches(orjson.dumps({"v": rejected}))


def test_criteria_no_expression_holds_compile_no_layout() -> None:
    shaped = FieldCheck.compile(FieldPolicy(length=(1, 9), classes=["lower"], shapes=["email"]))
    assert string_rule(shaped) is None
    no_digits = FieldCheck.compile(FieldPolicy(length=(1, 9), classes=["lower"]))
    assert integer_expression(no_digits) is None
    checks = _typical_checks()
    assert compile_layout({"name": 1.5, "count": 1, "items": []}, checks, 1024) is None
    assert compile_layout({"other": "x"}, checks, 1024) is None
    assert compile_layout(orjson.loads(_order("Bob", 2, ["SKU-0000"])), checks, 3) is None


def test_signatures_tell_layouts_apart() -> None:
    one = orjson.loads(_order("Bob", 2, ["SKU-0000", "SKU-1111"]))
    same = orjson.loads(_order("Al", 7, ["SKU-2"]))
    assert signature(one) == signature(same)
    assert signature({"count": 2, "name": "Bob", "items": []}) != signature(one)
    assert signature({"items": [1, "a"]}) is None
    assert signature({"x": 1.5}) is None


def test_a_layout_is_compiled_after_enough_clean_bodies() -> None:
    layouts = RouteLayouts(_typical_checks())
    doc = orjson.loads(_order("Bob", 2, ["SKU-0000"]))
    for _ in range(SEEN_BEFORE_COMPILE - 1):
        layouts.learn(doc, 1024)
    assert layouts.match(_order("Anne", 3, ["SKU-1234"])) is None
    layouts.learn(doc, 1024)
    assert layouts.match(_order("Anne", 3, ["SKU-1234"])) is not None
    assert layouts.match(_order("Anne", 3, ["SKU--234"])) is None
    for _ in range(4 * SEEN_BEFORE_COMPILE):
        layouts.learn(doc, 1024)
    assert len(layouts.layouts) == 1


def _order_request(rng: random.Random, note: str | None = None) -> RequestBuilder:
    items = [
        {"sku": f"SKU-{rng.randint(1000, 9999)}", "qty": rng.randint(1, 5)}
        for _ in range(rng.randint(1, 4))
    ]
    if note is not None:
        items[0]["sku"] = note
    name = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))).title()
    return RequestBuilder().post("/orders").json({"customer": {"name": name}, "items": items})


@pytest.fixture(scope="module")
def engines() -> tuple[Engine, Engine]:
    """Two engines enforcing the same learned policy: one with layouts, one without."""
    rng = random.Random(5)
    learner = Engine()
    for i in range(300):
        learner.observe(learner.inspect_request(stamp(_order_request(rng).build(), i)))
    policy = learner.learn()
    fast, plain = Engine(), Engine()
    for engine in (fast, plain):
        engine.load(policy)
        engine.set_mode(Mode.ENFORCE)
    for i in range(40):
        decision = fast.inspect_request(stamp(_order_request(rng).build(), i))
        assert not decision.alerts
    return fast, plain


def _observation(decision: Decision) -> Observation:
    exchange = decision.observation
    assert isinstance(exchange, Exchange)
    return exchange.request


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 1 << 30), _TEXT)
def test_the_engine_decides_the_same_with_and_without_layouts(
    engines: tuple[Engine, Engine], seed: int, note: str
) -> None:
    fast, plain = engines
    body = _order_request(random.Random(seed), note).build()
    twin = _order_request(random.Random(seed), note).build()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RouteLayouts, "match", lambda self, body: None)
        expected = plain.inspect_request(twin)
    got = fast.inspect_request(body)
    assert codes(got) == codes(expected)
    assert got.blocked is expected.blocked
    assert sorted(f.path for f in _observation(got).fields) == sorted(
        f.path for f in _observation(expected).fields
    )


def test_layouts_speed_up_the_engine_on_clean_bodies(engines: tuple[Engine, Engine]) -> None:
    fast, _ = engines
    decision = fast.inspect_request(stamp(_order_request(random.Random(1)).build(), 1))
    assert _observation(decision).layout_paths is not None
    attack = _order_request(random.Random(1), "SKU-1' OR '1'='1").build()
    blocked = fast.inspect_request(stamp(attack, 2))
    assert blocked.blocked
    assert _observation(blocked).layout_paths is None
