"""A value clean at a glance raises no alert when judged in full."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.behavior.check import check_value
from vigil.behavior.clean import field_is_clean, value_is_clean
from vigil.behavior.engine import Engine
from vigil.behavior.policy import FieldCheck, FieldPolicy
from vigil.behavior.values import SEQUENCES
from vigil.http.body import BodyField

from .builders import RequestBuilder, stamp

_CHARS = st.sampled_from(list(string.ascii_letters + string.digits + " -_.@'\"<>;:/=&#(){}*%+,"))
_PIECES = st.sampled_from(
    [
        "--", "-->", "../", "0x", "0X", "\\x", "&#60;", "' or 1=1", "<b>", "é", "Ｋ", "\t",
        "\x00", "${a:b}", " union select 1", "etc/passwd", "a.ini", "id_rsa", "1e5", "@@",
    ]
)  # fmt: skip
_TEXT = st.lists(_CHARS | _PIECES, max_size=12).map("".join)

_POLICIES = st.builds(
    FieldPolicy,
    length=st.tuples(st.integers(0, 6), st.integers(0, 40)).map(lambda t: (min(t), max(t))),
    classes=st.lists(st.sampled_from(["lower", "upper", "digit", "space"]), unique=True),
    specials=st.text(st.sampled_from("-_.@'\"<>;:/=&#(){}*%+,"), max_size=8),
    sequences=st.lists(st.sampled_from(SEQUENCES), unique=True, max_size=3),
    shapes=st.lists(
        st.sampled_from(["word", "alnum", "int", "hex", "float", "text", "email", "token"]),
        unique=True,
        max_size=2,
    ),
    enum=st.none() | st.lists(_TEXT, max_size=4),
    patterns=st.none()
    | st.lists(st.sampled_from(["a", "A", "9", "Aa", "a9", "A-9", "a a", "a@a.a"]), max_size=3),
    encodings=st.lists(st.sampled_from(["nul-byte", "crlf", "non-utf8"]), unique=True, max_size=1),
    entropy_max=st.none() | st.floats(0.0, 5.0),
    max_repeat=st.integers(1, 3),
    grammar=st.none() | st.sampled_from(["name", "code", "text", "email", "token"]),
    dangers=st.lists(st.sampled_from(["sql", "markup", "traversal"]), unique=True, max_size=1),
)
_PATHS = st.sampled_from(
    ["query.q", "form.name", "cookie.session", "header.x-request-id", "header.accept", "path.1"]
)


@settings(max_examples=1500)
@given(_POLICIES, _TEXT, _PATHS)
def test_a_value_clean_at_a_glance_raises_no_alert(
    policy: FieldPolicy, text: str, path: str
) -> None:
    if value_is_clean(text, FieldCheck.compile(policy)):
        assert check_value("GET /x", BodyField(path, text), FieldCheck.compile(policy), 1) == []


_HOW = st.tuples(
    st.sampled_from([0, 4, 16]), st.sampled_from(["value", "string", "number"]), st.integers(1, 4)
)


@settings(max_examples=600)
@given(_POLICIES, _TEXT, _PATHS, _HOW)
def test_a_field_clean_at_a_glance_raises_no_alert(
    policy: FieldPolicy, text: str, path: str, how: tuple[int, str, int]
) -> None:
    flags, kind, repeat = how
    value = BodyField(path, text, flags, kind)
    check = FieldCheck.compile(policy)
    first = field_is_clean(value, check, repeat)
    if first:
        assert check_value("GET /x", value, FieldCheck.compile(policy), repeat) == []
    assert field_is_clean(value, check, repeat) is first


def _learned(values: list[str], path: str) -> FieldCheck | None:
    engine = Engine()
    for i, value in enumerate(values * 3):
        request = RequestBuilder().get("/x").query(v=value).header("x-v", value).build()
        engine.observe(engine.inspect_request(stamp(request, i * 5)))
    route = engine.learn().routes.get("GET /x")
    policy = route.fields.get(path) if route is not None else None
    return FieldCheck.compile(policy) if policy is not None else None


@settings(max_examples=200)
@given(st.lists(_TEXT, min_size=1, max_size=6), _TEXT, st.sampled_from(["query.v", "header.x-v"]))
def test_values_judged_against_learned_criteria_agree(
    learned: list[str], judged: str, path: str
) -> None:
    check = _learned(learned, path)
    if check is not None and value_is_clean(judged, check):
        fresh = _learned(learned, path)
        assert fresh is not None
        assert check_value("GET /x", BodyField(path, judged), fresh, 1) == []


@pytest.mark.parametrize(
    ("policy", "text", "clean"),
    [
        (FieldPolicy(length=(20, 40), classes=["lower", "digit"], shapes=["hex"]), "9f" * 16, True),
        (FieldPolicy(length=(20, 40), classes=["lower", "digit"], shapes=["hex"]), "g" * 32, False),
        (FieldPolicy(length=(1, 20), classes=["lower", "space"]), "red shoes", True),
        (FieldPolicy(length=(1, 40), classes=["lower", "space"]), "x union select y", False),
        (FieldPolicy(length=(1, 9), classes=["upper", "digit"], specials="-", patterns=["A-9"]),
         "SKU-1234", True),
        (FieldPolicy(length=(1, 9), classes=["upper", "digit"], specials="-", patterns=["A-9"]),
         "SKU--1234", False),
        (FieldPolicy(length=(1, 9), classes=["lower"], enum=["asc", "desc"]), "desc", True),
        (FieldPolicy(length=(1, 9), classes=["lower"], enum=["asc", "desc"]), "up", False),
        (FieldPolicy(length=(1, 9), classes=["lower"]), "Up", False),
        (FieldPolicy(length=(1, 9), classes=["lower", "digit"]), "0x1f", False),
    ],
)  # fmt: skip
def test_typical_values(policy: FieldPolicy, text: str, clean: bool) -> None:
    assert value_is_clean(text, FieldCheck.compile(policy)) is clean
