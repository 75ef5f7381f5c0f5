"""Manifest documents: line numbers, JSON, Lists, bounds and alias bombs."""

from __future__ import annotations

import pytest

from vigil.audit.documents import DocumentError, iter_objects, quote


def _objects(text: str) -> list[tuple[int, str, str]]:
    return [(line, where, doc["kind"]) for line, where, doc in iter_objects(text, "f.yaml")]


def test_lines_of_documents() -> None:
    text = (
        "# header\n---\nkind: A\nmetadata: {name: a}\n---\n\n# note\nkind: B\n---\n---\nkind: C\n"
    )
    assert _objects(text) == [
        (3, "document 1", "A"),
        (8, "document 2", "B"),
        (11, "document 3", "C"),
    ]


def test_first_document_without_separator() -> None:
    assert _objects("kind: A\n---\nkind: B\n") == [(1, "document 1", "A"), (3, "document 2", "B")]


def test_lists_are_unfolded() -> None:
    text = "kind: List\nitems:\n- {kind: A}\n- {kind: B}\n"
    assert _objects(text) == [(1, "document 1 items[0]", "A"), (1, "document 1 items[1]", "B")]


def test_json_export() -> None:
    text = '{"kind": "PodList", "items": [{"kind": "Pod"}, {"kind": "Pod"}]}'
    assert [k for _, _, k in _objects(text)] == ["Pod", "Pod"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: [", "f.yaml: line 2 invalid YAML"),
        ("- 1\n- 2\n", "f.yaml: document 1: expected an object, got [1, 2]"),
        ("kind: List\nitems: 3\n", "f.yaml: document 1: items: expected a list"),
        ("kind: List\nitems: [3]\n", "f.yaml: document 1: items[0]: expected an object"),
        ("[1, 2", "f.yaml: invalid JSON"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(DocumentError) as err:
        list(iter_objects(text, "f.yaml"))
    assert str(err.value).startswith(message)


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("kind: Pod")
    bomb = "\n".join(lines) + "\n"
    assert len(bomb) < 1000
    with pytest.raises(DocumentError, match="excessive aliasing"):
        list(iter_objects(bomb, "f.yaml"))


def test_harmless_aliases_are_fine() -> None:
    text = "base: &b {app: x}\nkind: Pod\nmetadata: {labels: *b}\n"
    ((_, _, doc),) = list(iter_objects(text, "f.yaml"))
    assert doc["metadata"]["labels"] == {"app": "x"}


def test_quote_cuts_long_values() -> None:
    assert quote("x" * 500).endswith("... (502 chars)")
    assert quote("short") == "'short'"
