"""Build the demo workbook ``workbook/xl_portbeta_demo.xlsx`` (and ``workbook/cells.json``).

Run from anywhere::

    python workbook/build_workbook.py

The build is reproducible: fixed data (the two-bond example and the S&P 500 data
bundled with ``xl_portbeta``), fixed document times, fixed zip entry times, so building
twice gives the same file, byte for byte.

Every figure the add-in computes sits next to the same figure in native Excel
formulas (SLOPE, SUMPRODUCT, returns columns), so the workbook also computes, and can
be checked, without the add-in: ``tests/test_workbook.py`` recalculates it in
LibreOffice Calc and compares every native cell with the Python core.

``cells.json`` records where everything is: the data ranges each function is given,
the formula cells, and the native cross-check cells, by what they compute.

The add-in's functions are written as dynamic-array formulas (``t="array"`` with the
``cm`` cell-metadata flag of Excel 365), which is how Excel itself stores them: without
the flag Excel 365 would read them as legacy formulas, prefix them with the implicit
intersection operator ``@`` and show only the first cell of a table. Excel 2019 and
earlier read the same cells as classic array formulas over the area written here.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference, Series
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

HERE = Path(__file__).resolve().parent
try:
    from xl_portbeta import datasets
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(HERE.parent))
    from xl_portbeta import datasets
from xl_portbeta.sheet import DETAIL_COLUMNS, STATS_HEADER, STATS_ROWS

WORKBOOK = HERE / "xl_portbeta_demo.xlsx"
CELLS = HERE / "cells.json"

#: Document created/modified time and zip entry time: fixed, so builds are identical.
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

# --- the data ---------------------------------------------------------------------------

BOND_NAMES = ("Bond A", "Bond B")
BOND_PRICES = (
    (100, 96, 102, 88, 96, 101, 120, 110, 105, 107, 106),
    (98, 102, 88, 95, 105, 100, 101, 99, 104, 108, 112),
)
BOND_MARKET = (1000, 1004, 1000, 1010, 1020, 1000, 990, 995, 1005, 1025, 1035)
BOND_SHARES = (25000, 65000)
BOND_DATES = tuple(d.to_pydatetime() for d in pd.bdate_range("2024-01-02", periods=11))

PORTFOLIO_START, PORTFOLIO_END = "2022-01-01", "2022-12-31"
ROLLING_START, ROLLING_END = "2015-01-01", "2022-12-28"
ROLLING_WINDOW = 252
MARKET_NAME = "S&P 500"

#: The tables' sizes for the Portfolio sheet's 20 stocks (rows x columns), from the tables'
#: declarations: the area written with each formula (Excel 365 re-sizes a spill itself;
#: older Excel shows this area), and the empty room left around it so that a somewhat
#: larger table still spills.
STATS_SHAPE = (len(STATS_ROWS) + 1, len(STATS_HEADER))
STATS_ROOM = (STATS_SHAPE[0] + 6, STATS_SHAPE[1] + 4)
DETAIL_SHAPE = (20 + 2, len(DETAIL_COLUMNS))  # a header, 20 holdings, the total
DETAIL_ROOM = (DETAIL_SHAPE[0] + 4, DETAIL_SHAPE[1] + 2)

# --- styles -----------------------------------------------------------------------------

BETA = "0.0000"
PCT = "0.00%"
DATE = "yyyy-mm-dd"
PRICE = "#,##0.00"
LEVEL = "#,##0.00"
SHARES = "#,##0"
MONEY = "$#,##0.00"

TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
NOTE_FONT = Font(italic=True, color="595959")
MISTAKE_FONT = Font(italic=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
UDF_FILL = PatternFill("solid", fgColor="DDEBF7")  # blue: needs the add-in
NATIVE_FILL = PatternFill("solid", fgColor="E2EFDA")  # green: plain Excel
HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))
WRAP = Alignment(wrap_text=True, vertical="top")


def col(c: int) -> str:
    return get_column_letter(c)


def a1(row: int, column: int, absolute: bool = False) -> str:
    if absolute:
        return f"${col(column)}${row}"
    return f"{col(column)}{row}"


def rng(r1: int, c1: int, r2: int, c2: int, absolute: bool = False) -> str:
    first, last = a1(r1, c1, absolute), a1(r2, c2, absolute)
    return first if first == last else f"{first}:{last}"


@dataclass
class SheetRecord:
    """What the tests need to know about one sheet."""

    ranges: dict[str, str] = field(default_factory=dict)
    udfs: list[dict[str, Any]] = field(default_factory=list)
    native: dict[str, str] = field(default_factory=dict)
    layout: dict[str, Any] = field(default_factory=dict)


class Sheet:
    """A worksheet plus its record and the cells whose width must not drive the column's."""

    def __init__(self, wb: Workbook, title: str, first: bool = False):
        self.ws = wb.active if first else wb.create_sheet()
        self.ws.title = title
        self.record = SheetRecord()
        self.free: set[str] = set()  # titles and notes: they may overflow to the right
        self.array_anchors: list[str] = []

    def put(self, row, column, value, fmt=None, font=None, fill=None, free=False, align=None):
        cell = self.ws.cell(row=row, column=column, value=value)
        if fmt:
            cell.number_format = fmt
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        if align:
            cell.alignment = align
        if free:
            self.free.add(cell.coordinate)
        return cell

    def title(self, text: str, subtitle: str | None = None) -> None:
        self.put(1, 1, text, font=TITLE_FONT, free=True)
        if subtitle:
            self.put(2, 1, subtitle, font=NOTE_FONT, free=True)

    def header(self, row: int, column: int, text: str, free: bool = False):
        cell = self.put(row, column, text, font=BOLD, fill=HEADER_FILL, free=free)
        cell.border = HEADER_BORDER
        cell.alignment = Alignment(horizontal="center" if column > 1 else "left", wrap_text=False)
        return cell

    def input(self, row: int, column: int, value, fmt=None):
        cell = self.ws.cell(row=row, column=column, value=value)
        cell.style = "Input"
        if fmt:
            cell.number_format = fmt
        return cell

    def udf(self, row, column, function, args: dict[str, str], literal: dict[str, Any] | None = None,
            spill: tuple[int, int] = (1, 1), fmt=BETA, order: list[str] | None = None, what: str = ""):
        """An add-in formula, written as a dynamic-array formula anchored at (row, column)."""
        literal = literal or {}
        order = order or list(args)
        text = ",".join(args[k] if k in args else str(literal[k]) for k in order)
        formula = f"={function}({text})"
        ref = rng(row, column, row + spill[0] - 1, column + spill[1] - 1)
        self.ws.cell(row=row, column=column).value = ArrayFormula(ref, formula)
        # A one-row result is coloured whole; a table only at its anchor cell.
        for r in range(row, row + spill[0]):
            for c in range(column, column + spill[1]):
                cell = self.ws.cell(row=r, column=c)
                cell.number_format = fmt
                if spill[0] == 1 or (r, c) == (row, column):
                    cell.fill = UDF_FILL
        self.array_anchors.append(a1(row, column))
        self.record.udfs.append(
            {
                "cell": a1(row, column),
                "function": function,
                "formula": formula,
                "args": {k: args[k] for k in order if k in args},
                "literals": {k: literal[k] for k in order if k in literal},
                "order": order,
                "spill": ref,
                "what": what,
            }
        )

    def native(self, row, column, formula, fmt=BETA, fill=NATIVE_FILL):
        return self.put(row, column, formula, fmt=fmt, fill=fill)

    def fit_columns(self, minimum: float = 6, maximum: float = 60, fixed: dict[str, float] | None = None):
        """Column widths from the longest shown text; formulas count by their number format."""
        widths: dict[int, float] = {}
        for row in self.ws.iter_rows():
            for cell in row:
                if cell.value is None or cell.coordinate in self.free:
                    continue
                widths[cell.column] = max(widths.get(cell.column, 0), _shown_length(cell))
        for c, w in widths.items():
            self.ws.column_dimensions[col(c)].width = max(minimum, min(maximum, w + 2))
        for letter, w in (fixed or {}).items():
            self.ws.column_dimensions[letter].width = w


def _shown_length(cell) -> float:
    value, fmt = cell.value, cell.number_format
    if isinstance(value, ArrayFormula) or (isinstance(value, str) and value.startswith("=")):
        return {BETA: 9, PCT: 9, DATE: 10, MONEY: 11}.get(fmt, 12)
    if isinstance(value, dt.datetime):
        return 10
    if isinstance(value, (int, float)):
        if fmt in (PRICE, LEVEL, SHARES, MONEY):
            return len(f"{value:,.2f}") + 1
        return len(str(value))
    text = str(value)
    bold = cell.font is not None and cell.font.b
    return max(len(line) for line in text.split("\n")) * (1.1 if bold else 1.0)


def data_block(sh: Sheet, header_row: int, date_col: int, dates, names, prices: np.ndarray, market,
               market_name: str, shares, label_col: int) -> dict[str, Any]:
    """Dates, one price column per asset, the market; the shares row right above the header."""
    n_rows, n_assets = prices.shape
    first, last = header_row + 1, header_row + n_rows
    c0, c1 = date_col + 1, date_col + n_assets
    mcol = c1 + 1
    sh.put(header_row - 1, label_col, "Shares held", font=BOLD, align=Alignment(horizontal="right"))
    for j, s in enumerate(shares):
        sh.input(header_row - 1, c0 + j, float(s) if not float(s).is_integer() else int(s), SHARES)
    sh.header(header_row, date_col, "Date")
    for j, name in enumerate(names):
        sh.header(header_row, c0 + j, name)
    sh.header(header_row, mcol, market_name)
    for i in range(n_rows):
        r = first + i
        sh.put(r, date_col, dates[i], fmt=DATE)
        for j in range(n_assets):
            sh.put(r, c0 + j, float(prices[i, j]), fmt=PRICE)
        sh.put(r, mcol, float(market[i]), fmt=LEVEL)
    sh.record.ranges.update(
        {
            "dates": rng(header_row, date_col, last, date_col),
            "prices": rng(header_row, c0, last, c1),
            "shares": rng(header_row - 1, c0, header_row - 1, c1),
            "market": rng(header_row, mcol, last, mcol),
        }
    )
    sh.record.layout.update(
        {
            "header_row": header_row,
            "first_data_row": first,
            "last_data_row": last,
            "date_column": col(date_col),
            "asset_columns": [col(c0), col(c1)],
            "market_column": col(mcol),
            "shares_row": header_row - 1,
            "names": list(names),
        }
    )
    return {"first": first, "last": last, "c0": c0, "c1": c1, "mcol": mcol}


def returns_block(sh: Sheet, header_row: int, start_col: int, block: dict[str, Any], names,
                  market_name: str, with_assets: bool = True) -> dict[str, int]:
    """Native returns columns (=p_t/p_{t-1}-1), the portfolio's value (SUMPRODUCT of shares
    and prices) and the portfolio's return."""
    first, last, c0, c1, mcol = block["first"], block["last"], block["c0"], block["c1"], block["mcol"]
    shares = rng(header_row - 1, c0, header_row - 1, c1, absolute=True)
    c = start_col
    out: dict[str, int] = {}
    if with_assets:
        out["asset0"] = c
        for j, name in enumerate(names):
            sh.header(header_row, c + j, f"{name} return")
            for r in range(first + 1, last + 1):
                sh.native(r, c + j, f"={a1(r, c0 + j)}/{a1(r - 1, c0 + j)}-1", fmt=PCT, fill=None)
        c += len(names)
    out["market_ret"] = c
    sh.header(header_row, c, f"{market_name} return")
    for r in range(first + 1, last + 1):
        sh.native(r, c, f"={a1(r, mcol)}/{a1(r - 1, mcol)}-1", fmt=PCT, fill=None)
    c += 1
    out["value"] = c
    sh.header(header_row, c, "Portfolio value")
    for r in range(first, last + 1):
        sh.native(r, c, f"=SUMPRODUCT({shares},{rng(r, c0, r, c1)})", fmt=MONEY, fill=None)
    c += 1
    out["port_ret"] = c
    sh.header(header_row, c, "Portfolio return")
    for r in range(first + 1, last + 1):
        sh.native(r, c, f"={a1(r, c - 1)}/{a1(r - 1, c - 1)}-1", fmt=PCT, fill=None)
    native = sh.record.native
    if with_assets:
        native["asset_returns"] = rng(first + 1, out["asset0"], last, out["asset0"] + len(names) - 1)
    native["market_returns"] = rng(first + 1, out["market_ret"], last, out["market_ret"])
    native["portfolio_value"] = rng(first, out["value"], last, out["value"])
    native["portfolio_returns"] = rng(first + 1, out["port_ret"], last, out["port_ret"])
    return out


def portfolio_args(sh: Sheet) -> dict[str, str]:
    return dict(sh.record.ranges)


# --- sheets -----------------------------------------------------------------------------

START_TEXT = [
    ("title", "xl_portbeta: a portfolio's beta, two ways"),
    ("head", "The two betas"),
    ("text", "REG  =PORTBETA_REG(prices, shares, market, [dates]): the beta of the portfolio you actually held. "
             "The slope of its returns on the market's returns, while its weights drift with prices."),
    ("text", "WTD  =PORTBETA_WTD(...): the weighted average of each holding's own beta, with the "
             "market-value weights of one date (default: the last)."),
    ("text", "GAP  =BETA_GAP(...) = REG - WTD: how much the weights' drift changed the beta. "
             "ASSET_BETAS(prices, market, [dates]) gives each holding's own beta."),
    ("head", "Which one to use"),
    ("text", "Funds and reported risk (what the portfolio really did): REG, from the actual holdings."),
    ("text", "Comparing with an index fund, or looking forward from today's weights: WTD, from the current weights."),
    ("head", "The sheets"),
    ("text", "Bonds: two bonds, each function next to the same figure in plain Excel formulas, and the common mistake."),
    ("text", "Portfolio: 20 S&P 500 stocks in 2022, equal weights on the last date, with the statistics and per-holding tables."),
    ("text", "Rolling: REG, WTD and GAP over 252-day windows, 2015 to 2022, with a chart."),
    ("text", "Valuation: what the gap is worth (CAPM discount rate and the value of a $10 perpetuity under each beta)."),
    ("text", "Blue cells call the add-in (#NAME? until it is enabled); green cells compute the same figure in plain "
             "Excel; orange cells are inputs you can change."),
    ("head", "Enable the functions: classic xlwings (Excel on Windows, with Python installed)"),
    ("code", "1. pip install .        (in a clone of xl_portbeta, with the Python that xlwings uses)"),
    ("code", "2. xlwings addin install"),
    ("text", "3. xlwings tab in Excel: UDF Modules = xl_portbeta.udfs (this workbook's xlwings.conf sheet sets it "
             "already), then Import Functions. That needs Trust Center > Macro Settings > Trust access to the VBA "
             "project object model; save the workbook as .xlsm to keep the functions."),
    ("head", "Enable the functions: xlwings Lite (Excel on Windows, macOS and the web; no Python to install)"),
    ("text", "1. Home > Add-ins: add xlwings Lite and open its task pane."),
    ("code", "2. requirements.txt:  xl_portbeta        (or the URL of the xl_portbeta wheel)"),
    ("code", "3. main.py:  from xl_portbeta.udfs import *"),
    ("text", "Cells still showing #NAME? once the functions are enabled: Ctrl+Alt+F9 recalculates everything."),
    ("head", "Arguments"),
    ("text", "prices, shares, market, [dates], [frequency], [rf], [as_of]: prices one column per holding (a first row "
             "of names is fine), shares one row, market one column, on the same rows. PORTBETA_REG takes no as_of; "
             "ASSET_BETAS takes no shares."),
]


def build_start(wb: Workbook) -> Sheet:
    sh = Sheet(wb, "Start", first=True)
    ws = sh.ws
    row = 1
    for kind, text in START_TEXT:
        if kind == "title":
            sh.put(row, 1, text, font=TITLE_FONT)
            row += 2
            continue
        if kind == "head":
            if row > 3:
                row += 1
            sh.put(row, 1, text, font=BOLD, fill=HEADER_FILL).border = HEADER_BORDER
        elif kind == "code":
            sh.put(row, 1, text, font=Font(name="Consolas"))
        else:
            sh.put(row, 1, text, align=WRAP)
            ws.row_dimensions[row].height = 15 * max(1, -(-len(text) // 105))
        row += 1
    ws.column_dimensions["A"].width = 110
    ws.sheet_view.showGridLines = False
    return sh


def build_conf(wb: Workbook) -> Sheet:
    """Classic xlwings reads keys from A1 down (to the first blank) and values from column B."""
    sh = Sheet(wb, "xlwings.conf")
    sh.put(1, 1, "UDF Modules")
    sh.put(1, 2, "xl_portbeta.udfs")
    sh.put(1, 4, "Read by the classic xlwings add-in (Windows): keys in column A from A1 down, values in column B.",
           font=NOTE_FONT, free=True)
    sh.put(2, 4, "UDF Modules tells Import Functions where the Excel functions are. Other keys "
                 "(e.g. Interpreter_Win, Conda Path) may be added below A1 without blank rows.", font=NOTE_FONT,
           free=True)
    sh.put(3, 4, "xlwings Lite ignores this sheet.", font=NOTE_FONT, free=True)
    sh.ws.column_dimensions["A"].width = 14
    sh.ws.column_dimensions["B"].width = 20
    sh.ws.column_dimensions["C"].width = 3
    sh.record.layout["UDF Modules"] = "B1"
    return sh


def build_bonds(wb: Workbook) -> Sheet:
    sh = Sheet(wb, "Bonds")
    sh.title(
        "Two bonds: each add-in function next to the same figure in plain Excel",
        "Blue: the add-in's functions on the data ranges. Green: native formulas on the returns columns. "
        "Same 11 days, same holdings.",
    )
    prices = np.array(BOND_PRICES, dtype=float).T
    block = data_block(sh, 4, 1, BOND_DATES, BOND_NAMES, prices, BOND_MARKET, "Market", BOND_SHARES, label_col=1)
    rets = returns_block(sh, 4, 6, block, BOND_NAMES, "Market")
    first, last = block["first"], block["last"]
    r1 = first + 1  # first return row
    asset0, mret, value, pret = rets["asset0"], rets["market_ret"], rets["value"], rets["port_ret"]
    market_returns = rng(r1, mret, last, mret, absolute=True)
    port_returns = rng(r1, pret, last, pret)

    L = 12  # results: label, UDF, native, difference, formula text
    sh.header(4, L, "Figure")
    sh.header(4, L + 1, "Add-in (UDF)")
    sh.header(4, L + 2, "Native Excel")
    sh.header(4, L + 3, "Difference")
    sh.header(4, L + 4, "Native formula")
    args = portfolio_args(sh)
    order = ["prices", "shares", "market", "dates"]
    rows = [
        ("REG: beta of the actual holdings", "PORTBETA_REG", f"=SLOPE({port_returns},{market_returns})",
         "SLOPE(portfolio returns, market returns)", "reg"),
        ("WTD: weighted average of the bonds' betas", "PORTBETA_WTD", None,
         "SUMPRODUCT(weights on the last date, each bond's SLOPE)", "wtd"),
        ("GAP = REG - WTD", "BETA_GAP", None, "native REG - native WTD", "gap"),
    ]
    # Per bond: ASSET_BETAS, SLOPE, weight, the mistake.
    P = 10
    sh.header(P, L, "Per bond")
    for j, name in enumerate(BOND_NAMES):
        sh.header(P, L + 1 + j, name)
    sh.header(P, L + 4, "Native formula")
    sh.put(P + 1, L, "ASSET_BETAS (add-in)")
    sh.udf(P + 1, L + 1, "ASSET_BETAS", {k: args[k] for k in ("prices", "market", "dates")},
           spill=(1, len(BOND_NAMES)), order=["prices", "market", "dates"], what="asset_betas")
    sh.put(P + 2, L, "Beta, native")
    sh.put(P + 2, L + 4, "SLOPE(bond returns, market returns)", font=NOTE_FONT, free=True)
    sh.put(P + 3, L, "Difference")
    sh.put(P + 4, L, "Weight on the last date")
    sh.put(P + 4, L + 4, "shares x last price / portfolio value", font=NOTE_FONT, free=True)
    sh.put(P + 5, L, "The common mistake: arguments swapped", font=MISTAKE_FONT)
    sh.put(P + 5, L + 4, "SLOPE(market returns, bond returns): NOT the bond's beta", font=MISTAKE_FONT, free=True)
    for j in range(len(BOND_NAMES)):
        c = L + 1 + j
        bond_returns = rng(r1, asset0 + j, last, asset0 + j)
        sh.native(P + 2, c, f"=SLOPE({bond_returns},{market_returns})")
        sh.put(P + 3, c, f"={a1(P + 1, c)}-{a1(P + 2, c)}", fmt=BETA)
        sh.native(P + 4, c, f"={a1(sh.record.layout['shares_row'], block['c0'] + j)}*{a1(last, block['c0'] + j)}/{a1(last, value, True)}", fmt=PCT)
        sh.put(P + 5, c, f"=SLOPE({market_returns},{bond_returns})", fmt=BETA, font=MISTAKE_FONT)
    slopes = rng(P + 2, L + 1, P + 2, L + len(BOND_NAMES))
    weights = rng(P + 4, L + 1, P + 4, L + len(BOND_NAMES))
    natives = {
        "reg": rows[0][2],
        "wtd": f"=SUMPRODUCT({weights},{slopes})",
        "gap": f"={a1(5, L + 2)}-{a1(6, L + 2)}",
    }
    for i, (label, function, _, text, key) in enumerate(rows):
        r = 5 + i
        sh.put(r, L, label)
        sh.udf(r, L + 1, function, args, order=order, what=key)
        sh.native(r, L + 2, natives[key])
        sh.put(r, L + 3, f"={a1(r, L + 1)}-{a1(r, L + 2)}", fmt=BETA)
        sh.put(r, L + 4, text, font=NOTE_FONT, free=True)
        sh.record.native[key] = a1(r, L + 2)
    sh.put(8, L, "The common mistake: arguments swapped", font=MISTAKE_FONT)
    sh.put(8, L + 2, f"=SLOPE({market_returns},{port_returns})", fmt=BETA, font=MISTAKE_FONT)
    sh.put(8, L + 4, "SLOPE(market returns, portfolio returns): NOT a beta", font=MISTAKE_FONT, free=True)
    sh.record.native.update(
        {
            "reg_mistake": a1(8, L + 2),
            "asset_betas": rng(P + 2, L + 1, P + 2, L + len(BOND_NAMES)),
            "weights": weights,
            "asset_betas_mistake": rng(P + 5, L + 1, P + 5, L + len(BOND_NAMES)),
        }
    )
    sh.ws.freeze_panes = "A5"
    sh.fit_columns(fixed={"E": 3, "K": 3})
    return sh


def build_portfolio(wb: Workbook) -> tuple[Sheet, np.ndarray]:
    prices, shares, market = datasets.demo_portfolio(PORTFOLIO_START, PORTFOLIO_END)
    names = [str(c) for c in prices.columns]
    n = len(names)
    last_date = prices.index[-1].strftime("%Y-%m-%d")
    sh = Sheet(wb, "Portfolio")
    sh.title(
        f"Equal-weighted portfolio of {n} S&P 500 stocks, {prices.index[0].year} (data bundled with xl_portbeta)",
        f"$1,000,000 split equally on {last_date} in whole shares, held all year: going back in time the weights "
        "drift away from equal.",
    )
    H = 8  # data header row
    DATE_COL = 11  # K; column J holds the labels of the per-stock rows
    dates = [d.to_pydatetime() for d in prices.index]
    block = data_block(sh, H, DATE_COL, dates, names, prices.to_numpy(), market.to_numpy(), MARKET_NAME,
                       shares, label_col=DATE_COL - 1)
    rets = returns_block(sh, H, block["mcol"] + 2, block, names, MARKET_NAME)
    first, last, c0 = block["first"], block["last"], block["c0"]
    r1 = first + 1
    market_returns = rng(r1, rets["market_ret"], last, rets["market_ret"], absolute=True)
    port_returns = rng(r1, rets["port_ret"], last, rets["port_ret"])
    args = portfolio_args(sh)
    order = ["prices", "shares", "market", "dates"]

    # Per-stock rows above the shares row and the header, aligned with the price columns.
    lab = DATE_COL - 1
    right = Alignment(horizontal="right")
    ab_row, beta_row, diff_row, weight_row, shares_row = 3, 4, 5, 6, H - 1
    sh.put(ab_row, lab, "ASSET_BETAS (add-in)", align=right)
    sh.udf(ab_row, c0, "ASSET_BETAS", {k: args[k] for k in ("prices", "market", "dates")}, spill=(1, n),
           order=["prices", "market", "dates"], what="asset_betas")
    sh.put(beta_row, lab, "Beta, native: SLOPE(return, market return)", align=right)
    sh.put(diff_row, lab, "Difference", align=right)
    sh.put(weight_row, lab, f"Weight on {last_date}: shares x price / value", align=right)
    for j in range(n):
        c = c0 + j
        sh.native(beta_row, c, f"=SLOPE({rng(r1, rets['asset0'] + j, last, rets['asset0'] + j)},{market_returns})")
        sh.put(diff_row, c, f"={a1(ab_row, c)}-{a1(beta_row, c)}", fmt=BETA)
        sh.native(weight_row, c, f"={a1(shares_row, c)}*{a1(last, c)}/{a1(last, rets['value'], True)}", fmt=PCT)
    slopes = rng(beta_row, c0, beta_row, c0 + n - 1)
    weights = rng(weight_row, c0, weight_row, c0 + n - 1)

    # Key figures, top left.
    for j, text in enumerate(["Figure", "Add-in (UDF)", "Native Excel", "Difference"]):
        sh.header(3, 1 + j, text)
    sh.header(3, 5, "Native formula", free=True)
    natives = {
        "reg": f"=SLOPE({port_returns},{market_returns})",
        "wtd": f"=SUMPRODUCT({weights},{slopes})",
        "gap": "=C4-C5",
    }
    texts = {
        "reg": "SLOPE(portfolio returns, market returns)",
        "wtd": "SUMPRODUCT(weights, SLOPEs) in the rows above the prices",
        "gap": "native REG - native WTD",
    }
    for i, (key, label, function) in enumerate(
        [("reg", "REG: beta of the actual holdings", "PORTBETA_REG"),
         ("wtd", f"WTD: weighted average, weights on {last_date}", "PORTBETA_WTD"),
         ("gap", "GAP = REG - WTD", "BETA_GAP")]
    ):
        r = 4 + i
        sh.put(r, 1, label)
        sh.udf(r, 2, function, args, order=order, what=key)
        sh.native(r, 3, natives[key])
        sh.put(r, 4, f"=B{r}-C{r}", fmt=BETA)
        sh.put(r, 5, texts[key], font=NOTE_FONT, free=True)
        sh.record.native[key] = a1(r, 3)
    sh.put(7, 1, "The common mistake: arguments swapped", font=MISTAKE_FONT)
    sh.put(7, 3, f"=SLOPE({market_returns},{port_returns})", fmt=BETA, font=MISTAKE_FONT)
    sh.put(7, 5, "SLOPE(market returns, portfolio returns): NOT a beta", font=MISTAKE_FONT, free=True)
    sh.record.native.update(
        {"reg_mistake": "C7", "asset_betas": slopes, "weights": weights}
    )

    # The two tables, stacked below the key figures, with room to spill.
    stats_row = 11
    sh.put(stats_row - 1, 1, "PORTBETA_STATS(prices, shares, market, dates): the sample, both betas and their "
           "statistics", font=BOLD, free=True)
    sh.udf(stats_row, 1, "PORTBETA_STATS", args, spill=STATS_SHAPE, order=order, fmt="General", what="stats")
    detail_row = stats_row + STATS_ROOM[0] + 2
    sh.put(detail_row - 1, 1, "BETA_GAP_DETAIL(prices, shares, market, dates): each holding's weight, beta and "
           "part of the gap", font=BOLD, free=True)
    sh.udf(detail_row, 1, "BETA_GAP_DETAIL", args, spill=DETAIL_SHAPE, order=order, fmt="General", what="detail")
    format_tables(sh, stats_row, detail_row)
    sh.record.layout["spill_reserved"] = {
        "stats": rng(stats_row, 1, stats_row + STATS_ROOM[0] - 1, STATS_ROOM[1]),
        "detail": rng(detail_row, 1, detail_row + DETAIL_ROOM[0] - 1, DETAIL_ROOM[1]),
    }
    sh.ws.freeze_panes = a1(H + 1, 1)
    sh.fit_columns(fixed={"A": 44, col(lab): 44, col(block["mcol"] + 1): 3})
    for c in range(2, 10):
        sh.ws.column_dimensions[col(c)].width = 13
    return sh, shares


def format_tables(sh: "Sheet", stats_row: int, detail_row: int) -> None:
    """Dates as dates, percentages as %, betas to 4 decimals, in the spilled tables: the
    formats their rows and columns declare (xl_portbeta.sheet)."""
    for k, stat in enumerate(STATS_ROWS, start=1):
        for c in (2, 3, 4):
            sh.ws.cell(row=stats_row + k, column=c).number_format = stat.number_format
    for k in range(1, DETAIL_SHAPE[0]):
        for c, column in enumerate(DETAIL_COLUMNS, start=1):
            if column.number_format:
                sh.ws.cell(row=detail_row + k, column=c).number_format = column.number_format


def build_rolling(wb: Workbook, shares: np.ndarray) -> Sheet:
    prices, _, market = datasets.demo_portfolio(ROLLING_START, ROLLING_END)
    names = [str(c) for c in prices.columns]
    n_rows = len(prices)
    n_windows = (n_rows - 1) - ROLLING_WINDOW + 1
    sh = Sheet(wb, "Rolling")
    sh.title(
        f"Rolling {ROLLING_WINDOW}-day betas, {prices.index[0].year} to {prices.index[-1].year}: the Portfolio "
        "sheet's 20 stocks and shares",
        f"Each row: REG, WTD and GAP over the {ROLLING_WINDOW} daily returns ending on that date, weights as of "
        "that date. Green columns: REG again, as a native SLOPE over the same returns.",
    )
    H = 5
    DATE_COL = 24  # X; W holds the shares label
    dates = [d.to_pydatetime() for d in prices.index]
    block = data_block(sh, H, DATE_COL, dates, names, prices.to_numpy(), market.to_numpy(), MARKET_NAME,
                       shares, label_col=DATE_COL - 1)
    rets = returns_block(sh, H, block["mcol"] + 2, block, names, MARKET_NAME, with_assets=False)
    first, last = block["first"], block["last"]
    args = portfolio_args(sh)
    spill = (n_windows + 1, 4)
    sh.udf(H, 1, "PORTBETA_ROLLING", args, literal={"window": ROLLING_WINDOW}, spill=spill,
           order=["prices", "shares", "market", "window", "dates"], fmt=BETA, what="rolling")
    spill_first, spill_last = H + 1, H + n_windows
    for r in range(spill_first, spill_last + 1):
        sh.ws.cell(row=r, column=1).number_format = DATE
    # Native REG over the same windows, row by row next to the spill.
    sh.header(H, 5, "Window end")
    sh.header(H, 6, "REG, native")
    sh.header(H, 7, "REG: add-in - native")
    for k in range(n_windows):
        r = spill_first + k
        ret_first = first + 1 + k
        ret_last = ret_first + ROLLING_WINDOW - 1
        sh.native(r, 5, f"={a1(ret_last, DATE_COL)}", fmt=DATE)
        sh.native(r, 6, f"=SLOPE({rng(ret_first, rets['port_ret'], ret_last, rets['port_ret'])},"
                        f"{rng(ret_first, rets['market_ret'], ret_last, rets['market_ret'])})")
        sh.put(r, 7, f"=B{r}-F{r}", fmt=BETA)
    assert ret_last == last
    sh.record.native.update(
        {
            "rolling_dates": rng(spill_first, 5, spill_last, 5),
            "rolling_reg": rng(spill_first, 6, spill_last, 6),
        }
    )
    sh.record.layout.update({"window": ROLLING_WINDOW, "n_windows": n_windows})

    chart = LineChart()
    chart.title = f"Rolling {ROLLING_WINDOW}-day betas"
    chart.y_axis.title = "beta"
    chart.y_axis.number_format = "0.00"
    chart.x_axis.number_format = "yyyy-mm"
    chart.x_axis.title = "window end"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height, chart.width = 11, 24
    categories = Reference(sh.ws, min_col=1, min_row=spill_first, max_row=spill_last)
    for j, name in enumerate(["REG", "WTD", "GAP"]):
        values = Reference(sh.ws, min_col=2 + j, min_row=spill_first, max_row=spill_last)
        series = Series(values, title=name)
        series.smooth = False
        series.graphicalProperties.line.width = 15000
        chart.series.append(series)
    chart.set_categories(categories)
    sh.ws.add_chart(chart, "I7")
    sh.record.layout["chart"] = {
        "anchor": "I7",
        "categories": rng(spill_first, 1, spill_last, 1),
        "series": {name: rng(spill_first, 2 + j, spill_last, 2 + j) for j, name in enumerate(["REG", "WTD", "GAP"])},
    }
    sh.ws.freeze_panes = a1(H + 1, 1)
    sh.fit_columns(fixed={"A": 11, "B": 9, "C": 9, "D": 9, "H": 3,
                          col(DATE_COL - 1): 12, col(block["mcol"] + 1): 3})
    return sh


def build_valuation(wb: Workbook, bonds: Sheet) -> Sheet:
    sh = Sheet(wb, "Valuation")
    sh.title(
        "What the gap is worth: CAPM discount rate and value under each beta",
        "Betas from the Bonds sheet's native formulas (green cells there), so this sheet computes in any "
        "spreadsheet. Change the orange inputs.",
    )
    sh.put(4, 1, "Risk-free rate (rf)")
    sh.input(4, 2, 0.02, PCT)
    sh.put(5, 1, "Market risk premium (MRP)")
    sh.input(5, 2, 0.08, PCT)
    sh.put(6, 1, "Cash flow per year, forever")
    sh.input(6, 2, 10, MONEY)
    for j, text in enumerate(["", "REG: actual holdings", "WTD: current weights", "REG - WTD"]):
        sh.header(8, 1 + j, text)
    reg_cell, wtd_cell = bonds.record.native["reg"], bonds.record.native["wtd"]
    sh.put(9, 1, "Beta (Bonds sheet, native)")
    sh.native(9, 2, f"=Bonds!{_abs(reg_cell)}")
    sh.native(9, 3, f"=Bonds!{_abs(wtd_cell)}")
    sh.native(9, 4, "=B9-C9")
    sh.put(10, 1, "Discount rate K = rf + beta x MRP")
    sh.native(10, 2, "=$B$4+B9*$B$5", fmt=PCT)
    sh.native(10, 3, "=$B$4+C9*$B$5", fmt=PCT)
    sh.native(10, 4, "=B10-C10", fmt=PCT)
    sh.put(11, 1, "Value of the perpetuity = cash flow / K")
    sh.native(11, 2, "=$B$6/B10", fmt=MONEY)
    sh.native(11, 3, "=$B$6/C10", fmt=MONEY)
    sh.native(11, 4, "=B11-C11", fmt=MONEY)
    sh.put(12, 1, "Value difference, % of the WTD value")
    sh.native(12, 4, "=D11/C11", fmt=PCT)
    sh.put(14, 1, "A higher beta means a higher discount rate and a lower value: valuing the actual holdings with "
                  "WTD instead of REG is off by the amount in D11.", font=NOTE_FONT, free=True)
    sh.record.native.update(
        {"beta_reg": "B9", "beta_wtd": "C9", "beta_diff": "D9", "k_reg": "B10", "k_wtd": "C10", "k_diff": "D10",
         "pv_reg": "B11", "pv_wtd": "C11", "pv_diff": "D11", "pv_diff_pct": "D12"}
    )
    sh.record.layout["inputs"] = {"rf": "B4", "mrp": "B5", "cash_flow": "B6"}
    sh.record.layout["betas_from"] = {"reg": f"Bonds!{reg_cell}", "wtd": f"Bonds!{wtd_cell}"}
    sh.ws.freeze_panes = "A9"
    sh.fit_columns(fixed={"A": 40, "B": 22, "C": 22, "D": 14})
    return sh


def _abs(cell: str) -> str:
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    return f"${m.group(1)}${m.group(2)}"


# --- writing ----------------------------------------------------------------------------

METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" '
    'pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" '
    'coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
)
METADATA_CT = (
    '<Override PartName="/xl/metadata.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/>'
)
METADATA_REL = (
    '<Relationship Id="rIdXlPortbetaMeta" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata" '
    'Target="metadata.xml"/>'
)


def _finish(raw: bytes, anchors: dict[int, list[str]]) -> bytes:
    """Mark the add-in's formulas as dynamic arrays, fix the document times and zip entry
    times: the same input always gives the same bytes."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            name = info.filename
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", name)
            if m and anchors.get(int(m.group(1))):
                text = data.decode("utf-8")
                for ref in anchors[int(m.group(1))]:
                    text, count = re.subn(rf'<c r="{ref}"(?=[ >])', f'<c r="{ref}" cm="1"', text)
                    assert count == 1, (name, ref, count)
                data = text.encode("utf-8")
            elif name == "[Content_Types].xml":
                data = data.replace(b"</Types>", METADATA_CT.encode() + b"</Types>")
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", METADATA_REL.encode() + b"</Relationships>")
            elif name == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rf"\g<1>{stamp}\g<3>", text)
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
        entry = zipfile.ZipInfo("xl/metadata.xml", date_time=ZIP_TIME)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o644 << 16
        dst.writestr(entry, METADATA_XML.encode("utf-8"))
    return out.getvalue()


def build(path: Path | str = WORKBOOK, cells_path: Path | str | None = CELLS) -> dict[str, Any]:
    """Build the workbook at ``path`` (and the cell record at ``cells_path``); return the record."""
    wb = Workbook()
    start = build_start(wb)
    bonds = build_bonds(wb)
    portfolio, shares = build_portfolio(wb)
    rolling = build_rolling(wb, shares)
    valuation = build_valuation(wb, bonds)
    conf = build_conf(wb)
    sheets = [start, bonds, portfolio, rolling, valuation, conf]
    wb.active = 0
    props = wb.properties
    props.creator = "xl_portbeta workbook/build_workbook.py"
    props.lastModifiedBy = None
    props.title = "xl_portbeta demo: a portfolio's beta, two ways"
    props.created = props.modified = FIXED_TIME
    wb.calculation.fullCalcOnLoad = True

    buffer = io.BytesIO()
    wb.save(buffer)
    anchors = {i + 1: sh.array_anchors for i, sh in enumerate(sheets)}
    Path(path).write_bytes(_finish(buffer.getvalue(), anchors))

    record = {
        "workbook": Path(path).name,
        "built_by": "workbook/build_workbook.py",
        "sheet_order": [sh.ws.title for sh in sheets],
        "sheets": {
            sh.ws.title: {
                "ranges": sh.record.ranges,
                "udfs": sh.record.udfs,
                "native": sh.record.native,
                "layout": sh.record.layout,
            }
            for sh in sheets
        },
    }
    if cells_path is not None:
        Path(cells_path).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(WORKBOOK), help=f"workbook path (default {WORKBOOK})")
    parser.add_argument("--cells", default=str(CELLS), help=f"cell record path (default {CELLS})")
    args = parser.parse_args(argv)
    build(args.out, args.cells)
    print(f"wrote {args.out} and {args.cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
