"""Quantities: exact parsing of every suffix family, and upstream rounding."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.cluster.quantity import (
    QuantityError,
    milli_value,
    parse_quantity,
    resource_amount,
    value,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500m", Fraction(1, 2)),
        ("1", Fraction(1)),
        ("1.5", Fraction(3, 2)),
        (".5", Fraction(1, 2)),
        ("1.", Fraction(1)),
        ("+2", Fraction(2)),
        ("-1", Fraction(-1)),
        ("100n", Fraction(1, 10_000_000)),
        ("3u", Fraction(3, 1_000_000)),
        ("1k", Fraction(1000)),
        ("100M", Fraction(100_000_000)),
        ("2G", Fraction(2 * 10**9)),
        ("1T", Fraction(10**12)),
        ("1P", Fraction(10**15)),
        ("1E", Fraction(10**18)),
        ("1Ki", Fraction(1024)),
        ("1.5Gi", Fraction(3 * 2**29)),
        ("128Mi", Fraction(128 * 2**20)),
        ("1Ti", Fraction(2**40)),
        ("1Pi", Fraction(2**50)),
        ("1Ei", Fraction(2**60)),
        ("2e3", Fraction(2000)),
        ("2E3", Fraction(2000)),
        ("1e-3", Fraction(1, 1000)),
        ("1.5e+2", Fraction(150)),
        ("0.1", Fraction(1, 10)),
        (3, Fraction(3)),
        (0.1, Fraction(1, 10)),
    ],
)
def test_parse_quantity_is_exact(text: str | int | float, expected: Fraction) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "text", ["abc", "", "1 Gi", "Gi", "1e", "1Mi2", "e3", "1..5", "1ki", "--1", "1.5.5"]
)
def test_invalid_quantities_are_rejected(text: str) -> None:
    with pytest.raises(QuantityError, match="invalid quantity"):
        parse_quantity(text)


def test_bool_is_not_a_quantity() -> None:
    with pytest.raises(QuantityError):
        parse_quantity(True)


@pytest.mark.parametrize(
    ("text", "milli", "whole"),
    [
        ("500m", 500, 1),
        ("1", 1000, 1),
        ("0.1", 100, 1),
        ("1.0001", 1001, 2),
        ("100n", 1, 1),
        ("1Gi", 1024**3 * 1000, 1024**3),
        ("0", 0, 0),
    ],
)
def test_values_round_up_like_upstream(text: str, milli: int, whole: int) -> None:
    q = parse_quantity(text)
    assert milli_value(q) == milli
    assert value(q) == whole


def test_resource_amount_uses_milli_only_for_cpu() -> None:
    assert resource_amount("cpu", parse_quantity("250m")) == 250
    assert resource_amount("memory", parse_quantity("1Ki")) == 1024
    assert resource_amount("example.com/gpu", parse_quantity("2")) == 2


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(["n", "u", "m", "", "k", "M", "G", "T", "P", "E"]),
)
def test_decimal_suffixes_scale_exactly(n: int, suffix: str) -> None:
    exponents = {
        "n": -9,
        "u": -6,
        "m": -3,
        "": 0,
        "k": 3,
        "M": 6,
        "G": 9,
        "T": 12,
        "P": 15,
        "E": 18,
    }
    assert parse_quantity(f"{n}{suffix}") == n * Fraction(10) ** exponents[suffix]


@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=999_999),
    st.integers(0, 6),
)
def test_decimal_fractions_and_binary_suffixes_are_exact(whole: int, frac: int, power: int) -> None:
    text = f"{whole}.{frac:06d}"
    expected = whole + Fraction(frac, 10**6)
    assert parse_quantity(text) == expected
    suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power]
    assert parse_quantity(text + suffix) == expected * 1024**power
    assert milli_value(parse_quantity(text)) == -((-expected * 1000).__floor__())
