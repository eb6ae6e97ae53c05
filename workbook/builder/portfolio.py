"""The Portfolio sheet: 20 S&P 500 stocks in 2022, every function, the PORTBETA_STATS and
BETA_GAP_DETAIL tables (sized and formatted from xl_portbeta.tables)."""

from __future__ import annotations

import numpy as np

from xl_portbeta import datasets, tables

from .blocks import ARGS, data_block, key_figures, per_asset_rows, returns_block
from .layout import BOLD, Print, Sheet, col, rng

START, END = "2022-01-01", "2022-12-31"
MARKET_NAME = "S&P 500"
H = 8  # data header row
DATE_COL = 11  # K; column J holds the labels of the per-stock rows
STATS_ROW = 11  # PORTBETA_STATS' anchor, below the key figures


def stats_shape() -> tuple[tuple[int, int], tuple[int, int]]:
    """PORTBETA_STATS' size (a header and one row per declared row) and the empty room
    left around it so that a somewhat larger table still spills; read at build time."""
    shape = (len(tables.STATS_ROWS) + 1, len(tables.STATS_HEADER))
    return shape, (shape[0] + 6, shape[1] + 4)


def detail_shape(n: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """BETA_GAP_DETAIL's size for n holdings (a header, n rows, the total) and its room."""
    shape = (n + 2, len(tables.DETAIL_COLUMNS))
    return shape, (shape[0] + 4, shape[1] + 2)


def stats_format(i: int, j: int) -> str | None:
    """Each row's declared format in the actual, current and difference columns."""
    return tables.STATS_ROWS[i - 1].number_format if i >= 1 and j in (1, 2, 3) else None


def detail_format(i: int, j: int) -> str | None:
    return tables.DETAIL_COLUMNS[j].number_format if i >= 1 else None


def build(book) -> tuple[Sheet, np.ndarray]:
    prices, shares, market = datasets.demo_portfolio(START, END)
    names = [str(c) for c in prices.columns]
    n = len(names)
    last_date = prices.index[-1].strftime("%Y-%m-%d")
    sh = book.sheet("Portfolio")
    sh.title(
        f"Equal-weighted portfolio of {n} S&P 500 stocks, {prices.index[0].year} (data bundled with xl_portbeta)",
        f"$1,000,000 split equally on {last_date} in whole shares, held all year: going back in time the weights "
        "drift away from equal.",
    )
    dates = [x.to_pydatetime() for x in prices.index]
    d = data_block(
        sh, H, DATE_COL, dates, names, prices.to_numpy(), market.to_numpy(), MARKET_NAME, shares, label_col=DATE_COL - 1
    )
    rets = returns_block(sh, d, d.mcol + 2, names, MARKET_NAME)
    labels = {
        "udf": "ASSET_BETAS (add-in)",
        "beta": "Beta, native: SLOPE(return, market return)",
        "diff": "Difference",
        "weight": f"Weight on {last_date}: shares x price / value",
    }
    slopes, weights = per_asset_rows(
        sh, {"udf": 3, "beta": 4, "diff": 5, "weight": 6}, DATE_COL - 1, d.c0, d, rets, labels, n
    )
    key_figures(
        sh,
        3,
        1,
        rets.portfolio,
        rets.market,
        slopes,
        weights,
        f"WTD: weighted average, weights on {last_date}",
        "SUMPRODUCT(weights, SLOPEs) in the rows above the prices",
    )
    last_row = stats_and_detail_tables(sh, n)
    sh.finish(
        widths={"A": 44, col(DATE_COL - 1): 44, col(d.mcol + 1): 3} | {col(c): 13 for c in range(2, 10)},
        freeze=f"A{H + 1}",
        printing=Print((1, 1, last_row, 8), landscape=False),
    )
    return sh, shares


def stats_and_detail_tables(sh: Sheet, n: int) -> int:
    """The two tables, stacked below the key figures, with room to spill; returns the last
    row of the room left for them."""
    (stats, stats_room), (detail, detail_room) = stats_shape(), detail_shape(n)
    args = {k: sh.record.ranges[k] for k in ARGS}
    sh.put(
        STATS_ROW - 1,
        1,
        "PORTBETA_STATS(prices, shares, market, dates): the sample, both betas and their statistics",
        style=BOLD,
        free=True,
    )
    sh.udf(STATS_ROW, 1, "PORTBETA_STATS", args, ARGS, "stats", spill=stats, fmt=stats_format)
    detail_row = STATS_ROW + stats_room[0] + 2
    sh.put(
        detail_row - 1,
        1,
        "BETA_GAP_DETAIL(prices, shares, market, dates): each holding's weight, beta and part of the gap",
        style=BOLD,
        free=True,
    )
    sh.udf(detail_row, 1, "BETA_GAP_DETAIL", args, ARGS, "detail", spill=detail, fmt=detail_format)
    sh.record.layout["spill_reserved"] = {
        "stats": rng(STATS_ROW, 1, STATS_ROW + stats_room[0] - 1, stats_room[1]),
        "detail": rng(detail_row, 1, detail_row + detail_room[0] - 1, detail_room[1]),
    }
    return detail_row + detail[0] - 1
