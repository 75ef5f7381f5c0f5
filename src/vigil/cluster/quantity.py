"""Kubernetes resource quantities as exact numbers.

Requests and allocatable capacity are compared and summed exactly as upstream does (with
arbitrary precision), so quantities are parsed into `Fraction` and only converted to integers
(`milli_value` for cpu, `value` for everything else) where upstream calls ``MilliValue()`` or
``Value()``, which round up.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

_NUMBER = re.compile(r"^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$")
_EXPONENT = re.compile(r"^[eE]([+-]?[0-9]+)$")

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


class QuantityError(ValueError):
    """The text is not a valid Kubernetes quantity."""


def parse_quantity(text: str | int | float) -> Fraction:
    """Parse a quantity (``500m``, ``1.5Gi``, ``2e3``, ``1k``, ``100M``) into an exact number.

    YAML integers are accepted as is; YAML floats are read through their shortest decimal
    representation so that ``0.5`` means exactly one half.
    """
    if isinstance(text, bool):
        raise QuantityError(f"invalid quantity {text!r}")
    if isinstance(text, int):
        return Fraction(text)
    if isinstance(text, float):
        if not math.isfinite(text):
            raise QuantityError(f'invalid quantity "{text}"')
        return Fraction(repr(text))
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
        return number * (1024 ** _BINARY[suffix])
    if suffix in _DECIMAL:
        return number * Fraction(10) ** _DECIMAL[suffix]
    exponent = _EXPONENT.match(suffix)
    if exponent is not None:
        return number * Fraction(10) ** int(exponent.group(1))
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
