"""Kubernetes resource quantities as exact numbers.

Requests and allocatable capacity are compared and summed exactly as upstream does (with
arbitrary precision), so quantities are parsed into `Fraction` and only converted to integers
(`milli_value` for cpu, `value` for everything else) where upstream calls ``MilliValue()`` or
``Value()``, which round up.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

_NUMBER = re.compile(r"^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$")
_EXPONENT = re.compile(r"^[eE]([+-]?[0-9]+)$")

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


class QuantityError(ValueError):
    """The text is not a valid Kubernetes quantity."""


def _power_of_ten(exponent: int) -> Fraction:
    magnitude: int = 10 ** abs(exponent)
    return Fraction(magnitude) if exponent >= 0 else Fraction(1, magnitude)


QUANTITY_CACHE = 4096
"""Distinct quantity strings whose parsed value is kept (clusters repeat a few hundred)."""


def parse_quantity(text: str | int | float) -> Fraction:
    """Parse a quantity (``500m``, ``1.5Gi``, ``2e3``, ``1k``, ``100M``) into an exact number.

    YAML integers are accepted as is; YAML floats are read through their shortest decimal
    representation so that ``0.5`` means exactly one half. Strings are parsed once and the
    (immutable) result shared, within a bounded cache.
    """
    if isinstance(text, str) and len(text) <= 64:
        return _parse_cached(text)
    return _parse(text)


@lru_cache(maxsize=QUANTITY_CACHE)
def _parse_cached(text: str) -> Fraction:
    return _parse(text)


def _parse(text: str | int | float) -> Fraction:
    if isinstance(text, bool):
        raise QuantityError(f"invalid quantity {text!r}")
    if isinstance(text, int):
        return Fraction(text)
    if isinstance(text, float):
        if not math.isfinite(text):
            raise QuantityError(f'invalid quantity "{text}"')
        return Fraction(Decimal(repr(text)))
    raw = text
    match = _NUMBER.match(raw)
    if match is None or raw == "":
        raise QuantityError(f'invalid quantity "{text}"')
    sign, whole, frac, suffix = match.groups()
    if not whole and not frac:
        raise QuantityError(f'invalid quantity "{text}"')
    digits = whole or "0"
    number = Fraction(int(digits)) + (Fraction(int(frac), 10 ** len(frac)) if frac else 0)
    if sign == "-":
        number = -number
    if suffix in _BINARY:
        factor: int = 1024 ** _BINARY[suffix]
        return number * factor
    if suffix in _DECIMAL:
        return number * _power_of_ten(_DECIMAL[suffix])
    exponent = _EXPONENT.match(suffix)
    if exponent is not None:
        return number * _power_of_ten(int(exponent.group(1)))
    raise QuantityError(f'invalid quantity "{text}"')


def value(quantity: Fraction) -> int:
    """The integer value, rounded up (``Quantity.Value()``)."""
    return math.ceil(quantity)


def milli_value(quantity: Fraction) -> int:
    """The value in thousandths, rounded up (``Quantity.MilliValue()``)."""
    return math.ceil(quantity * 1000)


def resource_amount(name: str, quantity: Fraction) -> int:
    """The integer amount the scheduler uses: milli-cpu for ``cpu``, ``value`` otherwise."""
    return milli_value(quantity) if name == "cpu" else value(quantity)
