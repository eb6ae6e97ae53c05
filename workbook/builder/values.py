"""Every formula saved with its value, as Excel saves a calculated workbook.

Excel keeps each formula's last result in the file (``<v>``) and each spilled cell's value;
a viewer, LibreOffice, and Excel before the add-in has registered its functions show those.
This module evaluates the builder's formulas once, at build time, and rewrites each cell with
its value:

- the add-in's functions are computed by the package itself (:func:`addin`, the one place the
  builder calls xl_portbeta for a value), with the range values classic xlwings hands a UDF;
- the native formulas by a small evaluator of the few Excel functions the sheets use
  (SLOPE, SUMPRODUCT, IF, ISERROR, + - * /, references to cells, ranges and other sheets).

tests/test_workbook_values.py checks the saved values against the package and against
LibreOffice's own recalculation of the native formulas.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from xlsxwriter.utility import xl_cell_to_rowcol

from xl_portbeta import udfs

EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (1900 date system, after 1900-03-01)
FUNCTIONS = {name.upper() for name in udfs.__all__}


PENDING = object()  # a cell being computed
#: What a live sheet's fetched formulas and the add-in's cells on them are saved with (builder/live.py).
LIVE = "#N/A"
CELL_REFERENCE = re.compile(r"=\$?[A-Z]{1,3}\$?\d+$")  # a formula that only shows another cell


class Error(str):
    """An Excel error value, such as #N/A or #DIV/0!."""


def addin(function: str, args: list[Any]) -> list[list[Any]]:
    """The add-in function's result as rows of cells: the package computes it from the values
    a classic UDF receives (tuples of rows, None for a blank cell, datetimes for dates)."""
    try:
        result = getattr(udfs, function.lower())(*args)
    except Exception:  # noqa: BLE001 - the add-in shows an error in the cell
        return [[Error("#VALUE!")]]
    return [list(row) for row in result] if isinstance(result, list) else [[result]]


@dataclass(frozen=True)
class Range:
    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int


TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)(?![A-Za-z$:!])"
    r"|(?P<func>[A-Za-z_][A-Za-z0-9_.]*)\("
    r"|(?P<ref>(?:(?P<sheet>[A-Za-z][A-Za-z0-9]*)!)?(?P<a>\$?[A-Z]{1,3}\$?\d+)(?::(?P<b>\$?[A-Z]{1,3}\$?\d+))?)"
    r"|(?P<op>[-+*/(),]))"
)


def serial(value: dt.datetime) -> float:
    return (value - EPOCH) / dt.timedelta(days=1)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Evaluator:
    """The value of every cell of the book's sheets, computed once."""

    def __init__(self, sheets, runtime: str):
        self.sheets = {sh.title_text: sh for sh in sheets}
        self.runtime = runtime
        self.memo: dict[tuple[str, int, int], Any] = {}
        self.results: dict[tuple[str, int, int], list[list[Any]]] = {}
        self.spilled: dict[tuple[str, int, int], tuple[int, int]] = {}  # cell -> its array's anchor
        self.columns: dict[tuple[str, int], tuple[int, list[Any]]] = {}  # (sheet, column) -> (first row, values)
        for title, sh in self.sheets.items():
            for (r0, c0), (_, (r1, c1), _) in sh.arrays.items():
                for r in range(r0, r1 + 1):
                    for c in range(c0, c1 + 1):
                        self.spilled[(title, r, c)] = (r0, c0)

    # --- cells ------------------------------------------------------------------------------
    def cell(self, title: str, r: int, c: int) -> Any:
        key = (title, r, c)
        if self.memo.get(key, 0) is PENDING:
            raise ValueError(f"{title}!{r},{c}: a circular reference")
        if key not in self.memo:
            self.memo[key] = PENDING
            anchor = self.spilled.get(key)
            if anchor:
                rows = self.array(title, *anchor)
                i, j = r - anchor[0], c - anchor[1]
                value = rows[i][j] if i < len(rows) and j < len(rows[i]) else None
            else:
                value = self.sheets[title].cells.get((r, c), (None, None))[0]
                if isinstance(value, str) and value.startswith("="):
                    value = self.formula(title, value)
                    if isinstance(value, Range):
                        value = self.cell(value.sheet, value.r1, value.c1)
                elif is_number(value):
                    value = float(value)
            self.memo[key] = value
        return self.memo[key]

    def array(self, title: str, r: int, c: int) -> list[list[Any]]:
        key = (title, r, c)
        if key not in self.results:
            rows = self.formula(title, self.sheets[title].arrays[(r, c)][0])
            self.results[key] = [[self.shown(v) for v in row] for row in rows]
        return self.results[key]

    def shown(self, value: Any) -> Any:
        """A result cell as the runtime writes it: NaN is #NUM! in Lite, empty text in classic."""
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        if isinstance(value, float) and math.isnan(value):
            return Error("#NUM!") if self.runtime == "lite" else ""
        return float(value) if is_number(value) else value

    def values(self, ref: Range) -> list[list[Any]]:
        return [[self.cell(ref.sheet, r, c) for c in range(ref.c1, ref.c2 + 1)] for r in range(ref.r1, ref.r2 + 1)]

    def flat(self, ref: Range) -> list[Any]:
        """A range's values, row by row; a column's read once and sliced (the rolling windows)."""
        if ref.c1 != ref.c2:
            return cells(self.values(ref))
        key = (ref.sheet, ref.c1)
        if key not in self.columns or ref.r1 < self.columns[key][0]:
            self.columns[key] = (ref.r1, [])  # from the first row asked for: cells above may read this column
        first, column = self.columns[key]
        for r in range(first + len(column), ref.r2 + 1):
            column.append(self.cell(ref.sheet, r, ref.c1))
        return column[ref.r1 - first : ref.r2 - first + 1]

    # --- formulas ---------------------------------------------------------------------------
    def formula(self, title: str, text: str) -> Any:
        tokens, at, body = [], 0, text[1:].rstrip()
        while at < len(body):
            m = TOKEN.match(body, at)
            if not m:
                raise ValueError(f"cannot read the formula {text!r} at {body[at:]!r}")
            tokens.append(m)
            at = m.end()
        outer = getattr(self, "_tokens", None), getattr(self, "_at", 0), getattr(self, "_title", None)
        self._tokens, self._at, self._title = tokens, 0, title  # a referred cell's formula nests inside
        try:
            value = self._sum()
            if self._at != len(tokens):
                raise ValueError(f"cannot read the formula {text!r}")
            return value
        finally:
            self._tokens, self._at, self._title = outer

    def _peek(self, kind: str | None = None, text: str | None = None):
        if self._at < len(self._tokens):
            m = self._tokens[self._at]
            if (kind is None or m.group(kind)) and (text is None or m.group("op") == text):
                return m
        return None

    def _take(self):
        m = self._tokens[self._at]
        self._at += 1
        return m

    def _sum(self) -> Any:
        value = self._product()
        while self._peek("op", "+") or self._peek("op", "-"):
            op = self._take().group("op")
            value = arithmetic(op, self.scalar(value), self.scalar(self._product()))
        return value

    def _product(self) -> Any:
        value = self._factor()
        while self._peek("op", "*") or self._peek("op", "/"):
            op = self._take().group("op")
            value = arithmetic(op, self.scalar(value), self.scalar(self._factor()))
        return value

    def _factor(self) -> Any:
        m = self._take()
        if m.group("op") == "-":
            return arithmetic("-", 0.0, self.scalar(self._factor()))
        if m.group("op") == "(":
            value = self._sum()
            self._take()
            return value
        if m.group("num"):
            return float(m.group("num"))
        if m.group("ref"):
            r1, c1 = xl_cell_to_rowcol(m.group("a").replace("$", ""))
            r2, c2 = xl_cell_to_rowcol(m.group("b").replace("$", "")) if m.group("b") else (r1, c1)
            return Range(m.group("sheet") or self._title, r1 + 1, c1 + 1, r2 + 1, c2 + 1)
        if m.group("func"):
            args = []
            while not self._peek("op", ")"):
                args.append(self._sum())
                if self._peek("op", ","):
                    self._take()
            self._take()
            return self.call(m.group("func"), args)
        raise ValueError(f"unexpected {m.group()!r}")

    def scalar(self, value: Any) -> Any:
        if isinstance(value, Range):
            if (value.r1, value.c1) != (value.r2, value.c2):
                return Error("#VALUE!")
            return self.cell(value.sheet, value.r1, value.c1)
        return value

    def call(self, name: str, args: list[Any]) -> Any:
        bare = name.removeprefix("_xldudf_")
        if bare in FUNCTIONS:
            return addin(bare, [self.argument(a) for a in args])
        if name == "SLOPE":
            return slope(*(self.flat(a) for a in args))
        if name == "SUMPRODUCT":
            return sumproduct(*(self.flat(a) for a in args))
        if name == "ISERROR":
            return isinstance(self.scalar(args[0]), Error)
        if name == "IF":
            return args[1] if self.scalar(args[0]) else args[2]
        raise ValueError(f"no evaluator for the Excel function {name}")

    def argument(self, value: Any) -> Any:
        """A UDF argument as classic xlwings passes it: a range as a tuple of rows (one cell: its value)."""
        if not isinstance(value, Range):
            return value
        rows = self.values(value)
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else tuple(tuple(row) for row in rows)


def cells(rows: list[list[Any]]) -> list[Any]:
    return [v for row in rows for v in row]


def number(value: Any) -> Any:
    if isinstance(value, Error):
        return value
    if value is None or value == "":
        return 0.0
    if isinstance(value, dt.datetime):
        return serial(value)
    if is_number(value):
        return float(value)
    return Error("#VALUE!")


def arithmetic(op: str, a: Any, b: Any) -> Any:
    a, b = number(a), number(b)
    for v in (a, b):
        if isinstance(v, Error):
            return v
    if op == "/":
        return a / b if b else Error("#DIV/0!")
    return {"+": a + b, "-": a - b, "*": a * b}[op]


def slope(ys: list[Any], xs: list[Any]) -> Any:
    """Excel's SLOPE: pairs where both cells are numbers; an error in either range is the result."""
    if len(ys) != len(xs):
        return Error("#N/A")
    pairs = []
    for y, x in zip(ys, xs, strict=True):
        if type(y) is float and type(x) is float:  # a cell's number is a float here (Evaluator.cell)
            pairs.append((y, x))
        elif isinstance(y, Error) or isinstance(x, Error):
            return y if isinstance(y, Error) else x
    if len(pairs) < 2:
        return Error("#DIV/0!")
    y, x = np.array(pairs).T
    dx = x - x.mean()
    sxx = float(dx @ dx)
    return float(dx @ (y - y.mean())) / sxx if sxx else Error("#DIV/0!")


def sumproduct(*ranges: list[Any]) -> Any:
    """Excel's SUMPRODUCT: text and blanks count as 0; an error is the result."""
    if len({len(r) for r in ranges}) != 1:
        return Error("#VALUE!")
    for r in ranges:
        for v in r:
            if isinstance(v, Error):
                return v
    return math.fsum(
        math.prod(float(v) if is_number(v) else 0.0 for v in values) for values in zip(*ranges, strict=True)
    )


def saved(value: Any) -> Any:
    """A formula's value as the file keeps it."""
    if isinstance(value, dt.datetime):
        return serial(value)
    if value is None:
        return 0  # a formula that refers to a blank cell shows 0
    return value


def cache(sheets) -> dict[str, int]:
    """Rewrite every formula of these sheets with its value and every spilled cell with its
    own; returns how many cells of each kind were written."""
    if not sheets:
        return {}
    book = sheets[0].book
    ev = Evaluator(sheets, book.runtime.key)
    counts = {"formulas": 0, "arrays": 0, "spilled": 0}
    for sh in sheets:
        title = sh.title_text
        for (r, c), (value, spec) in sh.cells.items():
            if isinstance(value, str) and value.startswith("=") and (title, r, c) not in ev.spilled:
                if sh.live and not CELL_REFERENCE.match(value):
                    # fetched by Excel 365 (STOCKHISTORY): saved unknown, written as a spilling formula
                    sh.ws.write_dynamic_array_formula(r - 1, c - 1, r - 1, c - 1, value, book.format(spec), LIVE)
                else:
                    sh.ws.write_formula(r - 1, c - 1, value, book.format(spec), saved(ev.cell(title, r, c)))
                counts["formulas"] += 1
        for (r0, c0), (formula, (r1, c1), specs) in sh.arrays.items():
            rows = [[Error(LIVE)]] if sh.live else ev.array(title, r0, c0)
            fmt = book.format(specs[(0, 0)])
            sh.ws.write_dynamic_array_formula(r0 - 1, c0 - 1, r1 - 1, c1 - 1, formula, fmt, saved(rows[0][0]))
            counts["arrays"] += 1
            # the spill area is the result's size (tests/test_workbook.py checks it); a cell outside the
            # result (a table whose layout changed before its function did) stays blank
            for i in range(r1 - r0 + 1):
                for j in range(c1 - c0 + 1):
                    if (i, j) != (0, 0):
                        value = rows[i][j] if i < len(rows) and j < len(rows[i]) else None
                        write_value(sh.ws, r0 - 1 + i, c0 - 1 + j, value, book.format(specs[(i, j)]))
                        counts["spilled"] += 1
    return counts


def write_value(ws, r: int, c: int, value: Any, fmt) -> None:
    """A spilled cell: a plain value (Excel keeps no formula there)."""
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, Error):
        ws.write_formula(r, c, f"={value}", fmt, str(value))  # an error value; no error cells in the demo
    elif isinstance(value, dt.datetime):
        ws.write_datetime(r, c, value, fmt)
    elif isinstance(value, str):
        ws.write_string(r, c, value, fmt)
    else:
        ws.write_number(r, c, value, fmt)
