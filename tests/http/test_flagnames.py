"""Bit masks as lists of names, and back."""

from __future__ import annotations

from enum import IntFlag

import pytest

from vigil.http.flagnames import mask_of, names_in


class Color(IntFlag):
    RED = 1
    GREEN = 2
    BLUE = 4


NAMES = {Color.RED: "red", Color.GREEN: "green", Color.BLUE: "blue"}


@pytest.mark.parametrize(
    ("mask", "names"),
    [
        pytest.param(0, [], id="none"),
        pytest.param(1, ["red"], id="one"),
        pytest.param(5, ["red", "blue"], id="table-order"),
        pytest.param(7, ["red", "green", "blue"], id="all"),
    ],
)
def test_round_trip(mask: int, names: list[str]) -> None:
    assert names_in(NAMES, mask) == names
    assert mask_of(NAMES, names, "colour") == mask


def test_unknown_name_says_what_it_should_be() -> None:
    with pytest.raises(
        ValueError, match=r"unknown colour 'pink'; known: \['blue', 'green', 'red'\]"
    ):
        mask_of(NAMES, ["red", "pink"], "colour")
