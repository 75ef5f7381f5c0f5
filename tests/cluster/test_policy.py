"""IntOrPercent scaling as in ``GetScaledValueFromIntOrPercent``."""

from __future__ import annotations

import pytest

from vigil.cluster.policy import scaled_value


@pytest.mark.parametrize(
    ("value", "total", "round_up", "expected"),
    [
        (3, 10, True, 3),
        ("34%", 3, True, 2),
        ("30%", 7, True, 3),
        ("30%", 3, True, 1),
        ("30%", 3, False, 0),
        ("100%", 5, True, 5),
        ("0%", 5, True, 0),
    ],
)
def test_scaled_value(value: int | str, total: int, round_up: bool, expected: int) -> None:
    assert scaled_value(value, total, round_up=round_up) == expected


@pytest.mark.parametrize("bad", ["30", "x%", "%", "²%", "٣٠%", " 3%"])
def test_scaled_value_rejects_non_percentages(bad: str) -> None:
    with pytest.raises(ValueError, match="not a percentage"):
        scaled_value(bad, 3, round_up=True)
