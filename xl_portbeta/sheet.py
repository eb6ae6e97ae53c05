"""Results as cell values: never NaN (Office.js would show #NUM!), None for an empty cell."""

from __future__ import annotations

import math
from typing import Any, Iterable

from .inputs import fail

__all__ = ["number", "row", "cell"]


def number(value: float, function: str = "xl_portbeta") -> float:
    """A finite float for one cell; a non-finite one is a bug, reported as an error."""
    value = float(value)
    if not math.isfinite(value):
        raise fail(function, "the result is not a finite number; please report this input")
    return value


def cell(value: Any) -> Any:
    """A value for one cell of a table: NaN and None become an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def row(values: Iterable[float], function: str) -> list[list[float]]:
    """One spilled row of finite floats."""
    return [[number(v, function) for v in values]]
