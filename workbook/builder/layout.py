"""Cell addressing, styles and the Sheet wrapper over an XlsxWriter worksheet.

Rows and columns are 1-based here, as in Excel's A1 notation; XlsxWriter's own calls
are 0-based and are made only in :class:`Sheet`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell

from xl_portbeta.tables import BETA, DATE, PCT, SHARES  # noqa: F401  (the figures' formats)

if TYPE_CHECKING:
    from .build import Book

# --- number formats (the figures' own come from xl_portbeta.tables) ------------------------
PRICE = "#,##0.00"
LEVEL = "#,##0.00"
MONEY = "$#,##0.00"

# --- styles: XlsxWriter format properties, combined with | -------------------------------
TITLE = {"bold": True, "font_size": 14}
BOLD = {"bold": True}
NOTE = {"italic": True, "font_color": "#595959"}
MISTAKE = {"italic": True, "font_color": "#C00000"}
HEADER = {"bold": True, "bg_color": "#F2F2F2", "bottom": 1, "bottom_color": "#808080"}
UDF_FILL = {"bg_color": "#DDEBF7"}  # blue: needs the add-in
NATIVE_FILL = {"bg_color": "#E2EFDA"}  # green: plain Excel
INPUT = {"bg_color": "#FFCC99", "font_color": "#3F3F76", "border": 1, "border_color": "#7F7F7F"}  # orange
WRAP = {"text_wrap": True, "valign": "top"}
CODE = {"font_name": "Consolas"}
RIGHT = {"align": "right"}


def col(c: int) -> str:
    return xl_col_to_name(c - 1)


def a1(row: int, column: int, absolute: bool = False) -> str:
    return xl_rowcol_to_cell(row - 1, column - 1, row_abs=absolute, col_abs=absolute)


def rng(r1: int, c1: int, r2: int, c2: int, absolute: bool = False) -> str:
    first, last = a1(r1, c1, absolute), a1(r2, c2, absolute)
    return first if first == last else f"{first}:{last}"


def first_cell(ref: str) -> tuple[int, int]:
    """The (row, column) of a cell or of a range's first cell, 1-based."""
    r, c = xl_cell_to_rowcol(ref.split(":")[0])
    return r + 1, c + 1


def absolute(ref: str) -> str:
    """A relative cell or range made absolute: B9 -> $B$9, L8:AE257 -> $L$8:$AE$257."""

    def cell(text: str) -> str:
        letters = text.rstrip("0123456789")
        return f"${letters}${text[len(letters) :]}"

    return ":".join(cell(part) for part in ref.split(":"))


def on(sheet: str, ref: str) -> str:
    """A cell or range of another sheet, absolute: on("Portfolio", "L8:AE257") ->
    Portfolio!$L$8:$AE$257 (the sheet names here need no quotes)."""
    assert sheet.isalnum(), sheet
    return f"{sheet}!{absolute(ref)}"


def slope(ys: str, xs: str) -> str:
    return f"=SLOPE({ys},{xs})"


@dataclass
class SheetRecord:
    """What the tests need to know about one sheet (a sheet's part of cells.json)."""

    ranges: dict[str, str] = field(default_factory=dict)
    udfs: list[dict[str, Any]] = field(default_factory=list)
    native: dict[str, str] = field(default_factory=dict)
    layout: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Print:
    """How a sheet prints: the area a reader needs, fitted to one page wide (and ``tall``)."""

    area: tuple[int, int, int, int]  # first row, first column, last row, last column
    landscape: bool = True
    tall: int = 1  # pages tall at most; 0: as many as the area needs


class Sheet:
    """A worksheet, its record, and the cells written after the columns are fitted."""

    def __init__(self, book: Book, title: str):
        self.book = book
        self.ws = book.workbook.add_worksheet(title)
        self.title_text = title
        self.record = SheetRecord()
        self.live = False  # its data is fetched by Excel 365 (STOCKHISTORY): saved unknown (values.cache)
        self.later: list[tuple[int, int, Any, dict]] = []  # titles and notes: they may overflow
        self.widths: dict[str, float] = {}  # columns whose numbers autofit would cut (a sheet's own win)
        # what is written where, read again by values.cache to save each formula with its value:
        self.cells: dict[tuple[int, int], tuple[Any, dict]] = {}  # (row, column) -> (value or formula, style)
        self.arrays: dict[tuple[int, int], tuple[str, tuple[int, int], dict[tuple[int, int], dict]]] = {}

    def put(
        self, row: int, column: int, value: Any, fmt: str | None = None, style: dict | None = None, free: bool = False
    ) -> None:
        spec = dict(style or {}) | ({"num_format": fmt} if fmt else {})
        if free:
            self.later.append((row, column, value, spec))
        else:
            self._write(row, column, value, spec)

    def _write(self, row: int, column: int, value: Any, spec: dict) -> None:
        r, c, fmt = row - 1, column - 1, self.book.format(spec)
        self.cells[(row, column)] = (value, spec)
        if isinstance(value, str) and value.startswith("="):
            self.ws.write_blank(r, c, None, fmt)  # values.cache writes the formula with its value
        elif isinstance(value, str):
            self.ws.write_string(r, c, value, fmt)
        elif isinstance(value, dt.datetime):
            self.ws.write_datetime(r, c, value, fmt)
        elif value is None:
            self.ws.write_blank(r, c, None, fmt)
        else:
            self.ws.write_number(r, c, value, fmt)

    def title(self, text: str, subtitle: str | None = None) -> None:
        self.put(1, 1, text, style=TITLE, free=True)
        if subtitle:
            self.put(2, 1, subtitle, style=NOTE, free=True)

    def header(self, row: int, column: int, text: str, free: bool = False) -> None:
        self.put(row, column, text, style=HEADER | {"align": "center" if column > 1 else "left"}, free=free)

    def input(self, row: int, column: int, value: Any, fmt: str | None = None) -> None:
        self.put(row, column, value, fmt, style=INPUT)

    def native(self, row: int, column: int, formula: str, fmt: str = BETA, fill: bool = True) -> None:
        self.put(row, column, formula, fmt, style=NATIVE_FILL if fill else None)

    def udf(
        self,
        row: int,
        column: int,
        function: str,
        args: dict[str, str],
        order: list[str],
        what: str,
        literal: dict[str, Any] | None = None,
        spill: tuple[int, int] = (1, 1),
        fmt: str | Callable[[int, int], str | None] = BETA,
    ) -> None:
        """An add-in formula, written as a dynamic-array formula over its spill area at
        (row, column); ``fmt`` is one number format or one per (row, column) offset."""
        literal = literal or {}
        text = ",".join(args[k] if k in args else str(literal[k]) for k in order)
        formula = f"={self.book.runtime.call(function)}({text})"
        last_row, last_col = row + spill[0] - 1, column + spill[1] - 1
        ref = rng(row, column, last_row, last_col)
        specs: dict[tuple[int, int], dict] = {}
        self.arrays[(row, column)] = (formula, (last_row, last_col), specs)
        for i in range(spill[0]):
            for j in range(spill[1]):
                number = fmt(i, j) if callable(fmt) else fmt
                # A one-row result is coloured whole; a table only at its anchor cell.
                spec = (UDF_FILL if spill[0] == 1 or (i, j) == (0, 0) else {}) | {"num_format": number or "General"}
                specs[(i, j)] = spec
                if (i, j) == (0, 0):
                    self.ws.write_dynamic_array_formula(
                        row - 1, column - 1, last_row - 1, last_col - 1, formula, self.book.format(spec), ""
                    )
                else:  # XlsxWriter pads the area with zeros: the spill's cells stay empty
                    self._write(row + i, column + j, None, spec)
        self.record.udfs.append({
            "cell": a1(row, column), "function": function, "formula": formula,
            "args": {k: args[k] for k in order if k in args},
            "literals": {k: literal[k] for k in order if k in literal},
            "order": order, "spill": ref, "what": what,
        })  # fmt: skip

    def finish(
        self, widths: dict[str, float] | None = None, printing: Print | None = None, freeze: str | None = None
    ) -> None:
        """Fit the columns to what they show (XlsxWriter's autofit), then write the cells
        that may overflow, set the fixed widths, the frozen panes and the print setup."""
        self.ws.autofit(max_width=440)
        for row, column, value, spec in self.later:
            self._write(row, column, value, spec)
        for letter, width in (self.widths | (widths or {})).items():
            self.ws.set_column(f"{letter}:{letter}", width)
        if freeze:
            self.ws.freeze_panes(freeze)
        if printing:
            self.print_setup(printing)

    def print_setup(self, printing: Print) -> None:
        r1, c1, r2, c2 = printing.area
        self.ws.print_area(r1 - 1, c1 - 1, r2 - 1, c2 - 1)
        self.ws.fit_to_pages(1, printing.tall)
        if printing.landscape:
            self.ws.set_landscape()
        self.ws.set_paper(9)  # A4
        self.ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        self.ws.set_footer(f"&L{self.title_text}&RPage &P of &N")
        self.record.layout["print_area"] = rng(r1, c1, r2, c2)
