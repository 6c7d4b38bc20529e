"""The range of every numeric setting, and the one way a value outside it is refused.

Every number a user gives tfdojo (a ``--set`` key, a flag, a query value of ``tfdojo
play``) has a range, stated in its docstring and its ``--help``. A value outside it, NaN,
infinity or not a number at all gets one line naming the setting, the range and what
was received, Keras style::

    whole("variants", 100_000_000, 0, 100)   # variants: expected a whole number in 0..100,
                                             # received 100000000
    number("rotation", float("nan"), 0, 45)  # rotation: expected a number in [0, 45],
                                             # received nan

The ranges leave every sensible use allowed and keep each setting's cost (time, memory,
threads, processes) within what a laptop gives.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from tfdojo.core.errors import TfdojoError

MAX_SEED = 2**63 - 1
"""Largest seed: seeds are int64 in TensorFlow's stateless random ops (dropout masks)."""

MAX_DIGITS = 20
"""Longest whole number read from text (a query value): 2**63 has 19 digits. Longer ones
are refused before ``int()`` converts them, which takes time quadratic in their length."""


def whole(name: str, value: Any, lo: int, hi: int, what: str = "a whole number") -> int:
    """``value`` if it is a whole number in ``lo..hi`` (bounds included).

    Accepts Python and NumPy integers, and floats with no fractional part (TOML's ``3.0``);
    refuses booleans.

    Raises:
        TfdojoError: ``NAME: expected WHAT in LO..HI, received VALUE``.
    """
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value, ok = int(value), True
    if not ok or not lo <= value <= hi:
        raise TfdojoError(f"{name}: expected {what} in {lo}..{hi}, received {value!r}")
    return int(value)


def number(
    name: str,
    value: Any,
    lo: float,
    hi: float,
    what: str = "a number",
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` if it is a finite number in the interval from ``lo`` to ``hi``.

    Args:
        low_open, high_open: the bound itself is outside the range (``(0, 1]``).

    Raises:
        TfdojoError: ``NAME: expected WHAT in [LO, HI], received VALUE``, for a value
            outside, NaN, infinity or not a number.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        x = float(value)
        ok = (
            math.isfinite(x)
            and (lo < x if low_open else lo <= x)
            and (x < hi if high_open else x <= hi)
        )
    if not ok:
        raise TfdojoError(
            f"{name}: expected {what} in {interval(lo, hi, low_open, high_open)}, "
            f"received {value!r}"
        )
    return float(value)


def interval(lo: float, hi: float, low_open: bool = False, high_open: bool = False) -> str:
    """``[0, 45]``, ``(0, 0.5)``, ``[0, 1)``: how messages and ``--help`` write a range."""
    return f"{'(' if low_open else '['}{lo:g}, {hi:g}{')' if high_open else ']'}"


def parse_whole(name: str, text: Any, lo: int, hi: int, what: str = "a whole number") -> int:
    """A whole number in ``lo..hi`` written in ASCII digits (an optional ``-``), from text.

    For values that arrive as text (a query string, an option): ``"²"`` or ``"٣"``, which
    Python's ``str.isdigit`` accepts, and numbers of more than :data:`MAX_DIGITS` digits are
    refused before conversion.

    Raises:
        TfdojoError: ``NAME: expected WHAT in LO..HI, received 'TEXT'`` (cut to 40 characters).
    """
    s = text.strip() if isinstance(text, str) else ""
    digits = s[1:] if s.startswith("-") else s
    if digits.isascii() and digits.isdigit() and len(digits) <= MAX_DIGITS:
        value = int(s)
        if lo <= value <= hi:
            return value
    shown = text if not isinstance(text, str) or len(text) <= 40 else text[:40] + "..."
    raise TfdojoError(f"{name}: expected {what} in {lo}..{hi}, received {shown!r}")
