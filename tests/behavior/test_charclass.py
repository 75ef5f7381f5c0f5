"""Character classes: bit masks of a value's characters, named for policies."""

from __future__ import annotations

import pytest

from vigil.behavior.charclass import (
    CLASS_NAMES,
    CharClass,
    class_names,
    classes_from_names,
    classes_of,
)


@pytest.mark.parametrize(
    ("text", "classes"),
    [
        pytest.param("tom", ["lower"], id="lower"),
        pytest.param("TOM", ["upper"], id="upper"),
        pytest.param("42", ["digit"], id="digit"),
        pytest.param(" \t", ["space"], id="space-and-tab"),
        pytest.param("'-", ["punct"], id="punct"),
        pytest.param("é", ["non-ascii-letter"], id="non-ascii-letter"),
        pytest.param("€", ["non-ascii-symbol"], id="non-ascii-symbol"),
        pytest.param("\x00\x1f\x7f\r\n", ["control"], id="control"),
        pytest.param("Tom 42'é€\x01", list(CLASS_NAMES.values()), id="all"),
        pytest.param("", [], id="empty"),
    ],
)
def test_classes_of_a_set_of_characters(text: str, classes: list[str]) -> None:
    assert class_names(classes_of(set(text))) == classes


def test_names_round_trip_and_typos_are_refused() -> None:
    every = sum(int(c) for c in CharClass)
    assert classes_from_names(class_names(every)) == every
    with pytest.raises(ValueError, match="'emoji'"):
        classes_from_names(["lower", "emoji"])
