"""The Live sheet: type tickers, dates and share counts; Excel 365's own STOCKHISTORY fetches
the closes and the add-in computes both betas from them.

One calendar, the benchmark's: its STOCKHISTORY gives the dates, and each ticker's closes are
looked up on those dates with XLOOKUP (a date the ticker has no close on is empty text, which
the add-in reads as a missing price and drops). Each ticker's own history is fetched whole
into a staging block to the right, so unequal histories (a late listing, a holiday on one
exchange) never shift a column against the dates.

STOCKHISTORY needs Microsoft 365 and a connection; nothing here can compute it at build time,
so the sheet's formulas are saved with #N/A (:data:`SAVED`), which is what a viewer without
STOCKHISTORY shows (LibreOffice shows #NAME? once it recalculates: it has no STOCKHISTORY).
"""

from __future__ import annotations

import datetime as dt

from . import values
from .layout import BOLD, NOTE, SHARES, Print, Sheet, a1, col, rng

TITLE = "Live"
SAVED = values.LIVE  # what the fetched cells and the betas are saved with: the fetch happens in Excel 365 only

BENCHMARK = "SPY"  # an ETF on the S&P 500: STOCKHISTORY has ETFs, funds, stocks, bonds and currencies
TICKERS = ("AAPL", "MSFT", "JNJ", "XOM", "JPM")
SHARE_COUNTS = (100, 50, 80, 120, 90)
START, END = dt.datetime(2022, 1, 1), dt.datetime(2022, 12, 31)
INTERVAL = 0  # STOCKHISTORY's 0 = daily, 1 = weekly, 2 = monthly

TICKER_ROW, SHARES_ROW = 10, 11
HEADER_ROW = 13
FIRST = HEADER_ROW + 1  # the first fetched date
DATES_COL, MARKET_COL, PRICES_COL = 1, 2, 3
SIDE_COL = 9  # right of the table: the inputs (label, value), then the betas, then the notes
INPUT_ROW, BETAS_ROW, NOTES_ROW = 4, 9, 13  # benchmark, first date, last date, interval: rows 4-7
STAGE_COL = 21  # the staging block (column U): the benchmark's (date, close), then each ticker's


BENCHMARK_CELL = a1(INPUT_ROW, SIDE_COL + 1, absolute=True)  # the benchmark's ticker, the first input


def spill(column: int) -> str:
    """A spilled range as the file stores it (Excel shows ``$A$14#``)."""
    return f"_xlfn.ANCHORARRAY({a1(FIRST, column, absolute=True)})"


def down_to_last_date(first_row: int, c1: int, c2: int) -> str:
    """A range from ``first_row`` down to the calendar's last date: a real range (classic
    xlwings and Office.js both pass it as cells), as long as the calendar."""
    last = f"INDEX(${col(c2)}:${col(c2)},ROWS({spill(DATES_COL)})+{FIRST - 1})"
    return f"{a1(first_row, c1, absolute=True)}:{last}"


def history(stock: str) -> str:
    """An instrument's (date, close) rows from the sheet's dates and interval, no header row."""
    b = {k: a1(INPUT_ROW + i, SIDE_COL + 1, absolute=True) for i, k in enumerate(("stock", "start", "end", "interval"))}
    return f"=_xlfn.STOCKHISTORY({stock},{b['start']},{b['end']},{b['interval']},0,0,1)"


def build(book) -> Sheet:
    sh = book.sheet(TITLE)
    sh.live = True
    sh.title(
        "Live prices: STOCKHISTORY fetches the closes, the add-in computes both betas",
        "Needs Microsoft 365 (Windows, Mac or the web) online: change the orange cells and Excel fetches the closes.",
    )
    sh.put(3, 1, "Without STOCKHISTORY (Excel 2021 or earlier, offline, LibreOffice) the cells show the #N/A saved "
           "in this file, or #NAME?.", style=NOTE, free=True)  # fmt: skip
    inputs(sh)
    n = len(TICKERS)
    stage = {"benchmark": STAGE_COL, **{t: STAGE_COL + 2 * (j + 1) for j, t in enumerate(TICKERS)}}
    sh.header(HEADER_ROW - 1, STAGE_COL, "As STOCKHISTORY gives them: each history whole (date, close)", free=True)
    sh.header(HEADER_ROW, STAGE_COL, "Benchmark")
    sh.native(FIRST, STAGE_COL, history(BENCHMARK_CELL), fill=False)
    for j, ticker in enumerate(TICKERS):
        c = stage[ticker]
        sh.native(HEADER_ROW, c, f"={a1(TICKER_ROW, PRICES_COL + j, absolute=True)}", fill=False)
        sh.native(FIRST, c, history(a1(TICKER_ROW, PRICES_COL + j, absolute=True)), fill=False)

    # the aligned table the add-in reads: the benchmark's dates, its closes, each ticker's close on each date
    sh.header(HEADER_ROW, DATES_COL, "Date")
    sh.native(HEADER_ROW, MARKET_COL, f"={BENCHMARK_CELL}", fill=False)
    bench = spill(STAGE_COL)
    sh.native(FIRST, DATES_COL, f"=INDEX({bench},0,1)", "yyyy-mm-dd", fill=False)
    sh.native(FIRST, MARKET_COL, f"=INDEX({bench},0,2)", "#,##0.00", fill=False)
    for j, ticker in enumerate(TICKERS):
        c, own = PRICES_COL + j, spill(stage[ticker])
        sh.native(HEADER_ROW, c, f"={a1(TICKER_ROW, c, absolute=True)}", fill=False)
        lookup = f'=_xlfn.XLOOKUP({spill(DATES_COL)},INDEX({own},0,1),INDEX({own},0,2),"")'
        sh.native(FIRST, c, lookup, "#,##0.00", fill=False)

    ranges = {
        "prices": down_to_last_date(HEADER_ROW, PRICES_COL, PRICES_COL + n - 1),
        "shares": rng(TICKER_ROW, PRICES_COL, SHARES_ROW, PRICES_COL + n - 1, absolute=True),
        "market": down_to_last_date(HEADER_ROW, MARKET_COL, MARKET_COL),
        "dates": down_to_last_date(HEADER_ROW, DATES_COL, DATES_COL),
    }
    sh.record.ranges.update(ranges)
    betas(sh, ranges)
    notes(sh)
    sh.record.layout.update({
        "fetched": True, "saved": SAVED, "benchmark": a1(INPUT_ROW, SIDE_COL + 1), "tickers": rng(TICKER_ROW, PRICES_COL, TICKER_ROW,
        PRICES_COL + n - 1), "staging": {k: a1(FIRST, c) for k, c in stage.items()},
    })  # fmt: skip
    sh.finish(
        widths={"A": 12, "B": 12, **{col(c): 10 for c in range(PRICES_COL, PRICES_COL + n)}, "H": 3, "I": 36, "J": 12},
        freeze=a1(FIRST, 1),
        printing=Print((1, 1, NOTES_ROW + len(NOTES), SIDE_COL + 7)),
    )
    return sh


def inputs(sh: Sheet) -> None:
    for i, (label, value, fmt) in enumerate((
        ("Benchmark ticker", BENCHMARK, None),
        ("First date", START, "yyyy-mm-dd"),
        ("Last date", END, "yyyy-mm-dd"),
        ("Interval (0 daily, 1 weekly, 2 monthly)", INTERVAL, "0"),
    )):  # fmt: skip
        sh.put(INPUT_ROW + i, SIDE_COL, label, style=BOLD)
        sh.input(INPUT_ROW + i, SIDE_COL + 1, value, fmt)
    sh.put(TICKER_ROW, 2, "Ticker", style=BOLD)
    sh.put(SHARES_ROW, 2, "Shares held", style=BOLD)
    for j, (ticker, count) in enumerate(zip(TICKERS, SHARE_COUNTS, strict=True)):
        sh.input(TICKER_ROW, PRICES_COL + j, ticker)
        sh.input(SHARES_ROW, PRICES_COL + j, count, SHARES)


def betas(sh: Sheet, ranges: dict[str, str]) -> None:
    order = ["prices", "shares", "market", "dates"]
    for i, (function, label) in enumerate((
        ("PORTBETA_REG", "REG: the actual holdings"),
        ("PORTBETA_WTD", "WTD: weights on the last date"),
        ("BETA_GAP", "GAP = REG - WTD"),
    )):  # fmt: skip
        sh.put(BETAS_ROW + i, SIDE_COL, label, style=BOLD)
        sh.udf(BETAS_ROW + i, SIDE_COL + 1, function, ranges, order, label.split(":")[0].split(" ")[0].lower())


NOTES = (
    "One calendar, the benchmark's: column A holds its dates, and each ticker's",
    "close is looked up on them (XLOOKUP). A date a ticker has no close on is empty,",
    "and the add-in drops that date. Each history is fetched whole at the right",
    "(column U on), so unequal histories never shift a column against the dates.",
    "STOCKHISTORY's closes carry no dividends: these are betas of price returns.",
    "Weekly or monthly intervals give a row per period (periods per year from the dates).",
    "The betas read rows 13 down to the calendar's last date (INDEX): any length.",
    "To add a ticker, insert a column within C:G (the ranges grow with it), copy a",
    "ticker column's formulas into it, and give it a STOCKHISTORY block at the right.",
)


def notes(sh: Sheet) -> None:
    for i, text in enumerate(NOTES):
        sh.put(NOTES_ROW + i, SIDE_COL, text, style=NOTE, free=True)
