"""Error values are bounded and one line, whatever the input put in them."""

from __future__ import annotations

import pytest

from vigil.cluster.errors import FieldError, ManifestError, quote


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("web", '"web"'),
        ('a"b\nc', '"a\\"b\\nc"'),
        (3, "3"),
        (True, "True"),
        (None, "None"),
        ({"a": 1, "b": 2}, "an object with 2 key(s)"),
        ([1, 2, 3], "a list of 3 item(s)"),
        ("x" * 100, '"' + "x" * 59 + "... (102 characters)"),
    ],
)
def test_quote(value: object, expected: str) -> None:
    assert quote(value) == expected


def test_quote_never_renders_a_huge_container() -> None:
    nested: list[object] = ["lol"] * 9
    for _ in range(8):
        nested = [nested] * 9
    assert quote(nested) == "a list of 9 item(s)"


def test_error_strings() -> None:
    assert str(FieldError("spec.x", "bad")) == "spec.x: bad"
    assert (
        str(ManifestError("f.yaml", "Pod a/b", "spec.x", "bad")) == "f.yaml: Pod a/b: spec.x: bad"
    )
    assert (
        str(ManifestError("f.yaml", "document 3", "", "expected an object"))
        == "f.yaml: document 3: expected an object"
    )
    assert "\n" not in str(ManifestError("f.yaml", "", "", "line one\nline two"))
