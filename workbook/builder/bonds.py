"""The Bonds sheet: two bonds, each add-in figure next to the same figure in plain Excel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xl_portbeta import tables

from .blocks import ASSET_ARGS, common_mistake, data_block, key_figures, per_asset_rows, returns_block
from .layout import BOLD, NOTE, Print, Sheet, rng

NAMES = ("Bond A", "Bond B")
PRICES = (
    (100, 96, 102, 88, 96, 101, 120, 110, 105, 107, 106),
    (98, 102, 88, 95, 105, 100, 101, 99, 104, 108, 112),
)
MARKET = (1000, 1004, 1000, 1010, 1020, 1000, 990, 995, 1005, 1025, 1035)
SHARES = (25000, 65000)
DATES = tuple(d.to_pydatetime() for d in pd.bdate_range("2024-01-02", periods=11))

L = 12  # the results' first column: label, add-in, native, difference, formula text
P = 10  # the per-bond rows' header
S = P + 8  # ASSET_STATS' anchor, below the per-bond rows


def build(book) -> Sheet:
    sh = book.sheet("Bonds")
    sh.title(
        "Two bonds: each add-in function next to the same figure in plain Excel",
        "Blue: the add-in's functions on the data ranges. Green: native formulas on the returns columns. "
        "Same 11 days, same holdings.",
    )
    prices = np.array(PRICES, dtype=float).T
    d = data_block(sh, 4, 1, DATES, NAMES, prices, MARKET, "Market", SHARES, label_col=1)
    rets = returns_block(sh, d, 6, NAMES, "Market")
    n = len(NAMES)

    sh.header(P, L, "Per bond")
    for j, name in enumerate(NAMES):
        sh.header(P, L + 1 + j, name)
    sh.header(P, L + 4, "Native formula", free=True)
    rows = {"udf": P + 1, "beta": P + 2, "diff": P + 3, "weight": P + 4}
    labels = {
        "udf": "ASSET_BETAS (add-in)",
        "beta": "Beta, native",
        "diff": "Difference",
        "weight": "Weight on the last date",
    }
    slopes, weights = per_asset_rows(sh, rows, L, L + 1, d, rets, labels, n)
    sh.put(P + 2, L + 4, "SLOPE(bond returns, market returns)", style=NOTE, free=True)
    sh.put(P + 4, L + 4, "shares x last price / portfolio value", style=NOTE, free=True)
    common_mistake(
        sh,
        P + 5,
        L,
        rets.market,
        {L + 1 + j: rets.column(rets.asset0 + j) for j in range(n)},
        L + 4,
        "SLOPE(market returns, bond returns): NOT the bond's beta",
    )
    sh.record.native["asset_betas_mistake"] = rng(P + 5, L + 1, P + 5, L + n)

    key_figures(
        sh,
        4,
        L,
        rets.portfolio,
        rets.market,
        slopes,
        weights,
        "WTD: weighted average of the bonds' betas",
        "SUMPRODUCT(weights on the last date, each bond's SLOPE)",
    )
    last_row = asset_stats(sh, n)
    sh.finish(widths={"E": 3, "K": 3, "P": 50}, freeze="A5", printing=Print((1, 1, last_row, L + 4)))
    return sh


def asset_stats(sh: Sheet, n: int) -> int:
    """ASSET_STATS below the per-bond rows (sized and formatted from xl_portbeta.tables),
    with room to spill; returns its last row."""
    shape = (len(tables.ASSET_STATS_ROWS) + 1, n + 2)  # a header, one row per statistic; label, assets, note
    room = (shape[0] + 4, shape[1] + 1)
    sh.put(S - 1, L, "ASSET_STATS(prices, market, dates): each bond's beta, adjusted and for thin trading",
           style=BOLD, free=True)  # fmt: skip

    def fmt(i: int, j: int) -> str | None:
        return tables.ASSET_STATS_ROWS[i - 1].number_format if i >= 1 and 1 <= j <= n else None

    args = {k: sh.record.ranges[k] for k in ASSET_ARGS}
    sh.udf(S, L, "ASSET_STATS", args, ASSET_ARGS, "asset_stats", spill=shape, fmt=fmt)
    sh.record.layout["spill_reserved"] = {"asset_stats": rng(S, L, S + room[0] - 1, L + room[1] - 1)}
    return S + shape[0] - 1
