"""Reading one input into objects: YAML and JSON, lists, merge keys, and every bound."""

from __future__ import annotations

import time

import orjson
import pytest

from vigil.cluster.documents import (
    DEFAULT_BOUNDS,
    Bounds,
    apply_merge_keys,
    parse_documents_of,
    template_hint,
)
from vigil.cluster.errors import ManifestError

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}


def _data(text: str | bytes, bounds: Bounds = DEFAULT_BOUNDS) -> list[object]:
    raw = text.encode() if isinstance(text, str) else text
    return [d.data for d in parse_documents_of(raw, "f.yaml", bounds)]


def _indexes(text: str) -> list[str]:
    return [d.index for d in parse_documents_of(text.encode(), "f.yaml")]


def _error(text: str | bytes, bounds: Bounds = DEFAULT_BOUNDS) -> str:
    with pytest.raises(ManifestError) as info:
        _data(text, bounds)
    message = str(info.value)
    assert "\n" not in message
    assert len(message) < 300
    return message


@pytest.mark.parametrize(
    ("text", "indexes"),
    [
        ("a: 1\n", ["1"]),
        ("---\na: 1\n---\nb: 2\n", ["1", "2"]),
        ("---\n---\na: 1\n", ["2"]),
        ("kind: List\nitems: [{a: 1}, {b: 2}]\n", ["1.items[0]", "1.items[1]"]),
        ("kind: PodList\nitems: [{a: 1}]\n---\nc: 3\n", ["1.items[0]", "2"]),
        ("# only a comment\n", []),
        ("", []),
    ],
)
def test_documents_and_lists(text: str, indexes: list[str]) -> None:
    assert _indexes(text) == indexes


def test_json_export_is_read_with_orjson() -> None:
    export = {"apiVersion": "v1", "kind": "List", "items": [POD, POD]}
    docs = list(parse_documents_of(orjson.dumps(export, option=orjson.OPT_INDENT_2), "f.json"))
    assert [d.data for d in docs] == [POD, POD]


def test_yaml_scalars_follow_the_core_schema() -> None:
    (doc,) = _data('a: yes\nb: ~\nc: "3"\nd: 3\ne: 0.5\nf: true\ng: 2026-01-01T00:00:00Z\n')
    assert doc == {
        "a": "yes",
        "b": None,
        "c": "3",
        "d": 3,
        "e": 0.5,
        "f": True,
        "g": "2026-01-01T00:00:00Z",
    }


def test_merge_keys_are_applied() -> None:
    (doc,) = _data("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\ne:\n  <<: [{z: 1}, {z: 2}]\n")
    assert doc == {"base": {"x": 1, "y": 2}, "d": {"x": 1, "y": 3}, "e": {"z": 1}}


def test_merge_keys_pass_is_iterative() -> None:
    deep: dict[str, object] = {"<<": {"k": 1}}
    for _ in range(5000):
        deep = {"a": deep}
    apply_merge_keys(deep)
    node: object = deep
    while isinstance(node, dict) and "a" in node:
        node = node["a"]
    assert node == {"k": 1}


def _alias_bomb(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghijk"[:levels]:
        text += f"{name}: &{name} [{','.join(['*' + prev] * 9)}]\n"
        prev = name
    return text


def test_alias_bomb_is_refused_quickly_with_kubernetes_message() -> None:
    bomb = _alias_bomb()
    assert len(bomb) < 1024
    started = time.perf_counter()
    message = _error(bomb)
    assert message == "f.yaml: document contains excessive aliasing"
    assert time.perf_counter() - started < 30


def test_small_aliasing_is_fine() -> None:
    (doc,) = _data("x: &x {cpu: 1}\nrequests: *x\nlimits: *x\n")
    assert doc == {"x": {"cpu": 1}, "requests": {"cpu": 1}, "limits": {"cpu": 1}}


@pytest.mark.parametrize(
    "text",
    [
        "- " * 20000 + "x\n",
        "a:\n" + " " * 2500 + "b: 1\n",
        "? " * 3000 + "x\n",
    ],
    ids=["compact sequences", "indentation", "complex keys"],
)
def test_deep_nesting_is_refused_before_parsing(text: str) -> None:
    assert "nesting deeper than 2000 columns" in _error(text)


@pytest.mark.parametrize(
    "text",
    ["a: " + "[" * 5000 + "]" * 5000, "a: " + "{a: " * 5000 + "}" * 5000],
    ids=["flow sequences", "flow mappings"],
)
def test_deep_flow_collections_are_refused_by_the_parser(text: str) -> None:
    assert "invalid YAML" in _error(text)


def test_deep_json_is_refused() -> None:
    with pytest.raises(ManifestError, match="invalid JSON: depth limit exceeded"):
        list(parse_documents_of(b"[" * 5000 + b"]" * 5000, "f.json"))


def test_flow_yaml_that_is_not_json_is_read_as_yaml() -> None:
    assert _data("{a: 1, b: [x, y]}") == [{"a": 1, "b": ["x", "y"]}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kind: Pod\nmetadata: [\n", "f.yaml: line 2: invalid YAML: unclosed bracket '['"),
        ("a: 1\na: 2\n", "f.yaml: invalid YAML: duplicate mapping key: 'a'"),
        ("a:\n\tb: 1\n", "f.yaml: line 2: invalid YAML: "),
        ('{"a": [1,}', "f.yaml: line 1: invalid JSON: "),
        ('{"items": [{"kind": "Pod"}, {"ki', "f.yaml: line 1: invalid JSON: "),
        ("kind: List\nitems: 3\n", "f.yaml: document 1: items: expected a list"),
    ],
)
def test_unreadable_input_is_one_line(text: str, expected: str) -> None:
    assert _error(text).startswith(expected)


def test_invalid_utf8_names_the_line() -> None:
    assert _error(b"a: 1\nb: \xff\xfe\n") == "f.yaml: line 2: invalid UTF-8"


def test_size_and_count_bounds() -> None:
    assert "larger than the 1 MiB bound" in _error("a: " + "x" * 2_000_000, Bounds(max_bytes=2**20))
    text = "kind: List\nitems: [{a: 1}, {a: 2}, {a: 3}]\n"
    assert _error(text, Bounds(max_objects=2)) == "f.yaml: more than 2 objects"
    assert _error("---\n---\n---\n", Bounds(max_objects=2)) == "f.yaml: more than 2 documents"
    assert _data("a: '------'\n---\nb: 1\n", Bounds(max_objects=2)) == [{"a": "------"}, {"b": 1}]
    assert len(_data(text, Bounds(max_objects=3))) == 3


@pytest.mark.parametrize("chunk", [3, 4, 5, 1024])
def test_invalid_utf8_found_across_chunks(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from vigil.cluster import documents

    monkeypatch.setattr(documents, "UTF8_CHUNK", chunk)
    assert _data("a: é\nb: ü\n".encode()) == [{"a": "é", "b": "ü"}]
    assert _error(b"a: 1\nb: x\nc: \xc3\n") == "f.yaml: line 3: invalid UTF-8"


def _located(text: str) -> list[tuple[int, str]]:
    return [(d.line, d.data["kind"]) for d in parse_documents_of(text.encode(), "f", locate=True)]


@pytest.mark.parametrize(
    ("text", "located"),
    [
        (
            "# header\n---\nkind: A\nmetadata: {name: a}\n---\n\n# note\nkind: B\n---\n---\nkind: C\n",
            [(3, "A"), (8, "B"), (11, "C")],
        ),
        ("kind: A\n---\nkind: B\n", [(1, "A"), (3, "B")]),
        ("kind: List\nitems:\n- {kind: A}\n- {kind: B}\n", [(1, "A"), (1, "B")]),
        ('\n\n{"kind": "List", "items": [{"kind": "A"}]}\n', [(3, "A")]),
        ("kind: A\r\n---\r\n\r\nkind: B\r\n", [(1, "A"), (4, "B")]),
        ("--- {kind: A}\n--- {kind: B}\n", [(1, "A"), (1, "B")]),
    ],
    ids=["markers", "first without marker", "list items", "json", "crlf", "content on markers"],
)
def test_documents_are_located_on_their_first_content_line(
    text: str, located: list[tuple[int, str]]
) -> None:
    assert _located(text) == located


def test_without_locate_lines_are_not_computed() -> None:
    assert [d.line for d in parse_documents_of(b"---\na: 1\n", "f")] == [0]


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("- kind: A\n- kind: B\n", [[{"kind": "A"}, {"kind": "B"}]]),
        ("---\n- 1\n", [[1]]),
        ("%YAML 1.2\n---\n- 1\n", [[1]]),
        ("- 1\n---\n", [[1]]),
        ("--- 1\n--- 2\n", [1, 2]),
        ("a: 1\n...\nb: 2\n", [{"a": 1}, {"b": 2}]),
        ('[{"kind": "A"}]', [[{"kind": "A"}]]),
    ],
    ids=["one list", "marked list", "directive", "list and empty", "two", "end marker", "json"],
)
def test_a_top_level_list_is_one_document(text: str, data: list[object]) -> None:
    assert _data(text) == data


@pytest.mark.parametrize(
    ("text", "hinted"),
    [
        (b"metadata:\n  name: {{ .Release.Name }}\n", True),
        (b"{{- if .Values.enabled }}\nkind: Pod\n{{- end }}\n", True),
        (b'name: {{ include "x.fullname" . }}\n', True),
        (b'annotations: {summary: "plain text"}\n', False),
        (b"data: {a: {b: 1}}\n", False),
    ],
)
def test_template_hint(text: bytes, hinted: bool) -> None:
    assert (template_hint(text) != "") is hinted
