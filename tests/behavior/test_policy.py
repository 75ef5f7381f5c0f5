"""Policies: validated YAML a person reads and edits, compiled for the hot path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from vigil.behavior.decision import Mode
from vigil.behavior.grammars import KINDS
from vigil.behavior.policy import (
    CLEAN_MEMO,
    BodyPolicy,
    FieldCheck,
    FieldPolicy,
    Policy,
    PolicyError,
    ResponsePolicy,
    RoutePolicy,
    load_policy,
    parse_policy,
    save_policy,
)
from vigil.behavior.routes import TemplateFilter
from vigil.behavior.structure import DANGER_NAMES
from vigil.behavior.values import SEQUENCES, SHAPES
from vigil.http.urlcodec import ENCODING_NAMES, Encoding


def policy_data(**field: Any) -> dict[str, Any]:
    return {
        "apiVersion": "vigil.dev/v1",
        "kind": "Policy",
        "routes": {"GET /users": {"fields": {"query.username": field}}},
    }


def test_defaults_fail_closed_and_learn() -> None:
    policy = Policy()
    assert policy.mode is Mode.LEARN
    assert policy.body == BodyPolicy(
        limit_bytes=1 << 20, oversize="fail-closed", unknown_length="fail-closed"
    )
    assert policy.block_score == 3


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        pytest.param(
            policy_data(classes=["lower", "emoji"]),
            "routes.GET /users.fields.query.username.classes",
            "'emoji'",
            id="unknown-class",
        ),
        pytest.param(
            policy_data(encodings=["utf7"]),
            "routes.GET /users.fields.query.username.encodings",
            "'utf7'",
            id="unknown-encoding",
        ),
        pytest.param(
            policy_data(shapes=["integer"]),
            "routes.GET /users.fields.query.username.shapes",
            "'integer'",
            id="unknown-shape",
        ),
        pytest.param(
            policy_data(sequences=["<script"]),
            "routes.GET /users.fields.query.username.sequences",
            "'<script'",
            id="unknown-sequence",
        ),
        pytest.param(
            policy_data(grammar="postcode"),
            "routes.GET /users.fields.query.username.grammar",
            "'postcode'",
            id="unknown-grammar",
        ),
        pytest.param(
            policy_data(dangers=["sqli"]),
            "routes.GET /users.fields.query.username.dangers",
            "'sqli'",
            id="unknown-danger",
        ),
        pytest.param(
            policy_data(length=[10, 2]),
            "routes.GET /users.fields.query.username.length",
            "0 <= min <= max",
            id="length-reversed",
        ),
        pytest.param(
            policy_data(lenght=[0, 2]),
            "routes.GET /users.fields.query.username.lenght",
            "Extra inputs",
            id="typo-is-an-error",
        ),
        pytest.param(
            {"routes": {"users": {}}}, "routes", "'METHOD /path/{param}'", id="bad-route-key"
        ),
        pytest.param(
            {"routes": {"get /users": {}}}, "routes", "'METHOD /path/{param}'", id="lower-method"
        ),
        pytest.param(
            {"routes": {"GET /{other}": {"overflow": "bm90IGEgZmlsdGVy"}}},
            "routes.GET /{other}.overflow",
            "template filter",
            id="bad-overflow-filter",
        ),
        pytest.param({"mode": "block"}, "mode", "'learn', 'detect' or 'enforce'", id="bad-mode"),
        pytest.param(
            {"body": {"oversize": "ignore"}}, "body.oversize", "fail-open", id="bad-body-rule"
        ),
        pytest.param({"apiVersion": "v2"}, "apiVersion", "vigil.dev/v1", id="bad-api-version"),
        pytest.param({"block_score": 0}, "block_score", "greater than or equal to 1", id="score-0"),
    ],
)
def test_invalid_policies_name_the_field(data: dict[str, Any], where: str, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(data, "p.yaml")
    text = str(info.value)
    assert text.startswith(f"p.yaml: {where}: ")
    assert message in text


def test_mode_of_prefers_the_routes_own_mode() -> None:
    policy = Policy(
        mode=Mode.DETECT,
        routes={"GET /a": RoutePolicy(mode=Mode.ENFORCE), "GET /b": RoutePolicy()},
    )
    assert policy.mode_of("GET /a") is Mode.ENFORCE
    assert policy.mode_of("GET /b") is Mode.DETECT
    assert policy.mode_of("GET /unknown") is Mode.DETECT


def test_yaml_is_readable_with_stable_keys() -> None:
    text = Policy(routes={"GET /users": RoutePolicy()}).to_yaml()
    assert text.startswith("apiVersion: vigil.dev/v1\nkind: Policy\n")
    assert "  GET /users:\n" in text


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    policy = Policy(
        version=3,
        mode=Mode.ENFORCE,
        routes={
            "GET /users": RoutePolicy(
                fields={"query.username": FieldPolicy(length=(1, 10), classes=["lower"])},
                response=ResponsePolicy(samples=5, statuses=[200], size=(0, 114)),
            )
        },
    )
    path = tmp_path / "policy.yaml"
    save_policy(policy, path)
    assert load_policy(path) == policy
    assert [p.name for p in tmp_path.iterdir()] == ["policy.yaml"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("mode: [unclosed\n", "line 2 invalid YAML", id="bad-yaml"),
        pytest.param("- a\n- b\n", "expected a mapping", id="not-a-mapping"),
        pytest.param("mode: sometimes\n", "mode:", id="invalid-field"),
    ],
)
def test_load_policy_errors_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(content)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert str(info.value).startswith(str(path))
    assert message in str(info.value)


def test_missing_policy_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")


# Compilation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shapes", "admitted", "typed"),
    [
        pytest.param(["int"], {"int"}, True, id="int"),
        pytest.param(["float"], {"int", "float"}, True, id="float-admits-int"),
        pytest.param(["int", "uuid"], {"int", "uuid"}, True, id="typed-union"),
        pytest.param(["word"], {"word"}, False, id="word-is-not-typed"),
        pytest.param(["int", "word"], {"int", "word"}, False, id="mixed-is-not-typed"),
        pytest.param(["text"], None, False, id="text-admits-anything"),
        pytest.param([], None, False, id="no-shapes"),
    ],
)
def test_compiled_shapes(shapes: list[str], admitted: set[str] | None, typed: bool) -> None:
    check = FieldCheck.compile(FieldPolicy(shapes=shapes))
    assert check.shapes == (None if admitted is None else frozenset(admitted))
    assert check.typed is typed


def test_compile_turns_names_into_masks_and_sets() -> None:
    check = FieldCheck.compile(
        FieldPolicy(
            length=(1, 10),
            classes=["lower", "digit"],
            specials="-.",
            sequences=["--"],
            kinds=["string"],
            enum=["a", "b"],
            encodings=["nul-byte"],
            entropy_max=3.5,
            max_repeat=2,
            required=True,
        )
    )
    assert (check.lo, check.hi) == (1, 10)
    assert check.classes == 1 | 4
    assert check.specials == frozenset("-.")
    assert check.sequences == frozenset({"--"})
    assert check.kinds == frozenset({"string"})
    assert check.enum == frozenset({"a", "b"})
    assert check.patterns is None
    assert check.encodings == Encoding.NUL
    assert (check.entropy_max, check.max_repeat, check.required) == (3.5, 2, True)


def test_empty_enum_means_no_value_is_known() -> None:
    assert FieldCheck.compile(FieldPolicy(enum=[])).enum == frozenset()
    assert FieldCheck.compile(FieldPolicy()).enum is None


def test_clean_memo_is_bounded() -> None:
    check = FieldCheck.compile(FieldPolicy())
    for i in range(CLEAN_MEMO + 5):
        check.remember_clean((str(i), 0))
    assert len(check.clean) <= CLEAN_MEMO
    assert (str(CLEAN_MEMO + 4), 0) in check.clean


# Round trip property ---------------------------------------------------------------------------

_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_FIELD = st.builds(
    FieldPolicy,
    samples=st.integers(0, 10**6),
    presence=st.floats(0.0, 1.0),
    required=st.booleans(),
    length=st.tuples(st.integers(0, 50), st.integers(0, 50)).map(lambda t: (min(t), max(t))),
    classes=st.lists(st.sampled_from(["lower", "upper", "digit", "space", "control"]), unique=True),
    specials=st.text(st.sampled_from("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), max_size=8),
    sequences=st.lists(st.sampled_from(SEQUENCES), unique=True, max_size=3),
    shapes=st.lists(st.sampled_from(SHAPES), unique=True, max_size=3),
    kinds=st.lists(st.sampled_from(["string", "number", "object"]), unique=True),
    enum=st.none() | st.lists(_TEXT, max_size=4),
    patterns=st.none() | st.lists(_TEXT, max_size=3),
    encodings=st.lists(st.sampled_from(list(ENCODING_NAMES.values())), unique=True, max_size=3),
    entropy_max=st.none() | st.floats(0.0, 8.0),
    max_repeat=st.integers(1, 100),
    grammar=st.none() | st.sampled_from(sorted(KINDS)),
    dangers=st.lists(st.sampled_from(list(DANGER_NAMES.values())), unique=True, max_size=2),
)
_ROUTE_KEY = st.tuples(
    st.sampled_from(["GET", "POST", "DELETE"]),
    st.lists(st.sampled_from(["users", "{int}", "{var}", "a b", "é"]), max_size=3),
).map(lambda t: f"{t[0]} /" + "/".join(t[1]))
_ROUTE = st.builds(
    RoutePolicy,
    mode=st.none() | st.sampled_from(Mode),
    block_score=st.none() | st.integers(1, 50),
    samples=st.integers(0, 10**6),
    content_types=st.lists(st.sampled_from(["application/json", "text/plain"]), unique=True),
    fields=st.dictionaries(_TEXT, _FIELD, max_size=3),
    overflow=st.none() | st.just(TemplateFilter().encode()),
    response=st.none()
    | st.builds(
        ResponsePolicy,
        samples=st.integers(0, 100),
        statuses=st.lists(st.integers(100, 599), max_size=3),
        size=st.tuples(st.just(0), st.integers(0, 10**6)),
        latency_ms_max=st.none() | st.floats(0.0, 1e5),
        fields=st.dictionaries(_TEXT, _FIELD, max_size=2),
    ),
)
_POLICY = st.builds(
    Policy,
    service=_TEXT,
    version=st.integers(0, 10**6),
    mode=st.sampled_from(Mode),
    block_score=st.integers(1, 50),
    body=st.builds(
        BodyPolicy,
        limit_bytes=st.integers(0, 1 << 30),
        oversize=st.sampled_from(["fail-open", "fail-closed"]),
        unknown_length=st.sampled_from(["fail-open", "fail-closed"]),
    ),
    routes=st.dictionaries(_ROUTE_KEY, _ROUTE, max_size=3),
)


@given(_POLICY)
def test_policy_yaml_round_trip(policy: Policy) -> None:
    assert parse_policy(yaml.safe_load(policy.to_yaml())) == policy


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a\x85b", id="next-line"),
        pytest.param("\u2028", id="line-separator"),
        pytest.param("\ufeffx", id="byte-order-mark"),
        pytest.param(" x\r\n", id="spaces-and-crlf"),
        pytest.param("caf\u00e9", id="latin1"),
    ],
)
def test_learned_enum_values_survive_the_yaml_round_trip(value: str) -> None:
    policy = Policy(
        routes={"GET /a": RoutePolicy(fields={"query.q": FieldPolicy(enum=[value, "x"])})}
    )
    back = parse_policy(yaml.safe_load(policy.to_yaml()))
    assert back.routes["GET /a"].fields["query.q"].enum == [value, "x"]


def test_compile_takes_the_grammar_and_dangers_of_the_kind() -> None:
    check = FieldCheck.compile(FieldPolicy(grammar="name", dangers=["markup"]))
    assert check.admit_structure == KINDS["name"].structure
    assert check.admit_specials == KINDS["name"].specials
    assert check.grammar == "a name"
    assert check.dangers == 2
    plain = FieldCheck.compile(FieldPolicy())
    assert (plain.admit_structure, plain.admit_specials, plain.dangers) == (0, frozenset(), 0)
