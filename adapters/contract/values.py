"""Numbers as services send them: ints, floats, or the same digits inside a string.

Specs give numbers, and real replies often quote them ("pages": "3", "code": "4300"). Both are
accepted wherever a spec gives a number; anything else (a word, a bool, NaN) is a clear error
naming the field, never a silent zero that would turn into a wrong status.
"""

from __future__ import annotations

import math
from typing import Any

from .model import ServiceError


class BadValue(ServiceError):
    pass


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def number(value: Any, what: str) -> float:
    """A finite number, or a string holding one; else BadValue naming `what`."""
    if isinstance(value, bool):
        raise BadValue(f"bad reply: {what} is {_describe(value)}, not a number")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            raise BadValue(f"bad reply: {what} is {_describe(value)}, not a number") from None
    else:
        raise BadValue(f"bad reply: {what} is {_describe(value)}, not a number")
    if not math.isfinite(result):
        raise BadValue(f"bad reply: {what} is {_describe(value)}, not a finite number")
    return result


def integer(value: Any, what: str) -> int:
    """A whole number (or a string holding one, "3" or "3.0"); else BadValue naming `what`."""
    result = number(value, what)
    if result != int(result):
        raise BadValue(f"bad reply: {what} is {_describe(value)}, not a whole number")
    return int(result)


def integer_or(value: Any, default: int | None, what: str = "a field") -> int | None:
    """Like integer(), but missing (None or "") gives `default`."""
    if value is None or value == "":
        return default
    return integer(value, what)


def number_or(value: Any, default: float | None, what: str = "a field") -> float | None:
    if value is None or value == "":
        return default
    return number(value, what)

