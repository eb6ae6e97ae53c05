"""The Rolling sheet: PORTBETA_ROLLING over 252-day windows, a native SLOPE per window,
and a chart of both (the native REG line and the dates, from the native "Window end"
column, show before the add-in has run)."""

from __future__ import annotations

import numpy as np

from xl_portbeta import datasets

from .blocks import ARGS, data_block, returns_block
from .layout import BETA, DATE, NOTE, Print, Sheet, a1, col, rng, slope

START, END = "2015-01-01", "2022-12-28"
WINDOW = 252
MARKET_NAME = "S&P 500"
H = 5  # header row of the spill and of the data
DATE_COL = 24  # X; W holds the shares label
CHART_ANCHOR = "I7"
CATEGORIES = 5  # the native "Window end" column: the same dates as the spill's, without the add-in
PRINTED_ROWS = 40  # the chart and the first windows; the table goes on for ~1,760 rows


def build(book, shares: np.ndarray) -> Sheet:
    prices, _, market = datasets.demo_portfolio(START, END)
    names = [str(c) for c in prices.columns]
    n_windows = (len(prices) - 1) - WINDOW + 1
    sh = book.sheet("Rolling")
    sh.title(
        f"Rolling {WINDOW}-day betas, {prices.index[0].year} to {prices.index[-1].year}: the Portfolio "
        "sheet's 20 stocks and shares",
        f"Each row: REG, WTD and GAP over the {WINDOW} daily returns ending on that date, weights as of "
        "that date. Green columns: REG again, as a native SLOPE over the same returns.",
    )
    dates = [x.to_pydatetime() for x in prices.index]
    d = data_block(
        sh, H, DATE_COL, dates, names, prices.to_numpy(), market.to_numpy(), MARKET_NAME, shares, label_col=DATE_COL - 1
    )
    rets = returns_block(sh, d, d.mcol + 2, names, MARKET_NAME, with_assets=False)
    args = {k: sh.record.ranges[k] for k in ARGS}
    sh.udf(
        H,
        1,
        "PORTBETA_ROLLING",
        args,
        ["prices", "shares", "market", "window", "dates"],
        "rolling",
        literal={"window": WINDOW},
        spill=(n_windows + 1, 4),
        fmt=lambda i, j: DATE if j == 0 and i else BETA,
    )
    first, last = H + 1, H + n_windows
    native_windows(sh, d, rets, first, n_windows)
    sh.record.layout.update({"window": WINDOW, "n_windows": n_windows})
    chart(sh, first, last)
    sh.put(3, 1, f"Printed: the chart and the first windows; the table goes on to row {last}.", style=NOTE, free=True)
    sh.finish(
        widths={
            "A": 11,
            "B": 9,
            "C": 9,
            "D": 9,
            "E": 11,
            "F": 12,
            "G": 19,
            "H": 3,
            col(DATE_COL - 1): 12,
            col(d.mcol + 1): 3,
        },
        freeze=f"A{H + 1}",
        printing=Print((1, 1, PRINTED_ROWS, 22)),
    )
    return sh


def native_windows(sh: Sheet, d, rets, first: int, n_windows: int) -> None:
    """REG over the same windows as a native SLOPE, row by row next to the spill."""
    for c, text in zip((CATEGORIES, 6, 7), ("Window end", "REG, native", "REG: add-in - native"), strict=True):
        sh.header(H, c, text)
    for k in range(n_windows):
        r = first + k
        ret_first = d.first + 1 + k
        ret_last = ret_first + WINDOW - 1
        sh.native(r, CATEGORIES, f"={a1(ret_last, DATE_COL)}", DATE)
        sh.native(
            r,
            6,
            slope(
                rng(ret_first, rets.port_ret, ret_last, rets.port_ret),
                rng(ret_first, rets.market_ret, ret_last, rets.market_ret),
            ),
        )
        sh.put(r, 7, f"=B{r}-F{r}", BETA)
    assert ret_last == d.last
    sh.record.native.update({
        "rolling_dates": rng(first, CATEGORIES, first + n_windows - 1, CATEGORIES),
        "rolling_reg": rng(first, 6, first + n_windows - 1, 6),
    })  # fmt: skip


SERIES = (("REG", 2), ("WTD", 3), ("GAP", 4), ("REG, native", 6))  # name, column


def chart(sh: Sheet, first: int, last: int) -> None:
    """A line chart of the spill's REG, WTD and GAP and of the native REG column, over the
    native window-end dates (the spill's would read #NAME? until the add-in runs)."""
    ch = sh.book.workbook.add_chart({"type": "line"})
    column = lambda c: f"'{sh.title_text}'!{rng(first, c, last, c, absolute=True)}"  # noqa: E731
    empty = [None] * (last - first + 1)  # no cached points: Excel plots what it computes
    for name, c in SERIES:
        line = {"width": 1.25} | ({"dash_type": "dash"} if c == 6 else {})
        ch.add_series(
            {
                "name": name,
                "categories": "=" + column(CATEGORIES),
                "values": "=" + column(c),
                "line": line,
                "categories_data": empty,
                "values_data": empty,
            }
        )
    ch.set_title({"name": f"Rolling {WINDOW}-day betas"})
    ch.set_x_axis(
        {
            "name": "window end",
            "date_axis": True,
            "num_format": "yyyy",
            "major_unit": 1,
            "major_unit_type": "years",
            "major_tick_mark": "outside",
            "minor_tick_mark": "none",
        }
    )
    ch.set_y_axis({"name": "beta", "num_format": "0.00"})
    ch.set_legend({"position": "bottom"})
    ch.set_size({"width": 907, "height": 416})
    sh.ws.insert_chart(CHART_ANCHOR, ch)
    sh.record.layout["chart"] = {
        "anchor": CHART_ANCHOR,
        "categories": rng(first, CATEGORIES, last, CATEGORIES),
        "series": {name: rng(first, c, last, c) for name, c in SERIES},
    }
