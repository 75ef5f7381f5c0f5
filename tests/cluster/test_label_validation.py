"""Label keys and values, as apimachinery's IsQualifiedName and IsValidLabelValue judge them."""

from __future__ import annotations

import pytest

from vigil.cluster.label_validation import (
    invalid_label_keys,
    label_value_errors,
    qualified_name_errors,
)


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("app", True),
        ("node-restriction.kubernetes.io/isolation", True),
        ("example.com/My_Name.1", True),
        ("Node-Restriction.kubernetes.io/isolation", False),
        ("a/b/c", False),
        ("/x", False),
        ("x/", False),
        ("", False),
        ("-x", False),
        ("x" * 63, True),
        ("x" * 64, False),
        ("a" * 254 + "/x", False),
        ("exa mple.com/x", False),
    ],
)
def test_qualified_names(key: str, valid: bool) -> None:
    assert (qualified_name_errors(key) == []) is valid


def test_three_parts_get_the_single_qualified_name_message() -> None:
    (message,) = qualified_name_errors("a/b/c")
    assert message.startswith("a qualified name must consist of alphanumeric characters")
    assert message.endswith(
        "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    )


@pytest.mark.parametrize(
    ("value", "count"),
    [("", 0), ("critical", 0), ("a_b.c-d", 0), ("-a", 1), ("a" * 64, 1), ("-" * 64, 2)],
)
def test_label_values(value: str, count: int) -> None:
    assert len(label_value_errors(value)) == count


def test_invalid_label_keys() -> None:
    assert invalid_label_keys(["ok", "Bad.Prefix/x", ""]) == ["Bad.Prefix/x", ""]
