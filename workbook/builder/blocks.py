"""Blocks that more than one sheet writes: the data, the native returns, the key figures
(REG, WTD, GAP: add-in vs native vs difference vs the native formula) and the common
mistake (SLOPE with its arguments swapped)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layout import (
    BETA,
    BOLD,
    DATE,
    LEVEL,
    MISTAKE,
    MONEY,
    NOTE,
    PCT,
    PRICE,
    RIGHT,
    SHARES,
    UDF_FILL,
    Sheet,
    a1,
    col,
    rng,
    slope,
)

ARGS = ["prices", "shares", "market", "dates"]  # the portfolio functions' arguments, in order
ASSET_ARGS = ["prices", "market", "dates"]  # ASSET_BETAS takes no shares


@dataclass(frozen=True)
class Data:
    """Where a data block's rows and columns are."""

    header: int
    first: int
    last: int
    c0: int
    c1: int
    mcol: int

    @property
    def shares_row(self) -> int:
        return self.header - 1


def data_block(
    sh: Sheet,
    header_row: int,
    date_col: int,
    dates,
    names,
    prices: np.ndarray,
    market,
    market_name: str,
    shares,
    label_col: int,
) -> Data:
    """Dates, one price column per asset, the market; the shares row right above the header."""
    n_rows, n_assets = prices.shape
    d = Data(
        header_row, header_row + 1, header_row + n_rows, date_col + 1, date_col + n_assets, date_col + n_assets + 1
    )
    sh.put(d.shares_row, label_col, "Shares held", style=BOLD | RIGHT)
    for j, s in enumerate(shares):
        sh.input(d.shares_row, d.c0 + j, float(s) if not float(s).is_integer() else int(s), SHARES)
    for c, text in zip(range(date_col, d.mcol + 1), ["Date", *names, market_name], strict=True):
        sh.header(header_row, c, text)
    for i in range(n_rows):
        r = d.first + i
        sh.put(r, date_col, dates[i], DATE)
        for j in range(n_assets):
            sh.put(r, d.c0 + j, float(prices[i, j]), PRICE)
        sh.put(r, d.mcol, float(market[i]), LEVEL)
    sh.widths.update({col(date_col): 10.5, col(d.mcol): 10} | {col(c): 9 for c in range(d.c0, d.c1 + 1)})
    sh.record.ranges.update({
        "dates": rng(header_row, date_col, d.last, date_col),
        "prices": rng(header_row, d.c0, d.last, d.c1),
        "shares": rng(d.shares_row, d.c0, d.shares_row, d.c1),
        "market": rng(header_row, d.mcol, d.last, d.mcol),
    })  # fmt: skip
    sh.record.layout.update({
        "header_row": header_row, "first_data_row": d.first, "last_data_row": d.last,
        "date_column": col(date_col), "asset_columns": [col(d.c0), col(d.c1)], "market_column": col(d.mcol),
        "shares_row": d.shares_row, "names": list(names),
    })  # fmt: skip
    return d


@dataclass(frozen=True)
class Returns:
    """The native returns columns and the ranges the key figures use."""

    asset0: int | None
    market_ret: int
    value: int
    port_ret: int
    first: int  # first return row
    last: int

    def column(self, c: int, absolute: bool = False) -> str:
        return rng(self.first, c, self.last, c, absolute)

    @property
    def market(self) -> str:
        return self.column(self.market_ret, absolute=True)

    @property
    def portfolio(self) -> str:
        return self.column(self.port_ret)


def _change_column(sh: Sheet, d: Data, c: int, header: str, source: int, fmt: str = PCT) -> None:
    sh.header(d.header, c, header)
    for r in range(d.first + 1, d.last + 1):
        sh.native(r, c, f"={a1(r, source)}/{a1(r - 1, source)}-1", fmt, fill=False)


def returns_block(sh: Sheet, d: Data, start_col: int, names, market_name: str, with_assets: bool = True) -> Returns:
    """Native returns columns (=p_t/p_{t-1}-1), the portfolio's value (SUMPRODUCT of shares
    and prices) and the portfolio's return."""
    shares = rng(d.shares_row, d.c0, d.shares_row, d.c1, absolute=True)
    c = start_col
    asset0 = c if with_assets else None
    if with_assets:
        for j, name in enumerate(names):
            _change_column(sh, d, c + j, f"{name} return", d.c0 + j)
        c += len(names)
    market_ret, value, port_ret = c, c + 1, c + 2
    _change_column(sh, d, market_ret, f"{market_name} return", d.mcol)
    sh.header(d.header, value, "Portfolio value")
    for r in range(d.first, d.last + 1):
        sh.native(r, value, f"=SUMPRODUCT({shares},{rng(r, d.c0, r, d.c1)})", MONEY, fill=False)
    _change_column(sh, d, port_ret, "Portfolio return", value)
    rets = Returns(asset0, market_ret, value, port_ret, d.first + 1, d.last)
    native = sh.record.native
    if with_assets:
        native["asset_returns"] = rng(rets.first, asset0, rets.last, asset0 + len(names) - 1)
    native["market_returns"] = rets.column(market_ret)
    native["portfolio_value"] = rng(d.first, value, d.last, value)
    native["portfolio_returns"] = rets.portfolio
    return rets


def per_asset_rows(
    sh: Sheet, rows: dict[str, int], label_col: int, c0: int, d: Data, rets: Returns, labels: dict[str, str], n: int
) -> tuple[str, str]:
    """ASSET_BETAS (add-in), each asset's native SLOPE, their difference and the weights on
    the last date, one column per asset from ``c0``; returns the SLOPEs' and weights' ranges."""
    for key, text in labels.items():
        sh.put(rows[key], label_col, text, style=RIGHT if label_col > 1 else None)
    args = {k: sh.record.ranges[k] for k in ASSET_ARGS}
    sh.udf(rows["udf"], c0, "ASSET_BETAS", args, ASSET_ARGS, "asset_betas", spill=(1, n))
    for j in range(n):
        c = c0 + j
        sh.native(rows["beta"], c, slope(rets.column(rets.asset0 + j), rets.market))
        sh.put(rows["diff"], c, f"={a1(rows['udf'], c)}-{a1(rows['beta'], c)}", BETA)
        sh.native(
            rows["weight"],
            c,
            f"={a1(d.shares_row, d.c0 + j)}*{a1(d.last, d.c0 + j)}/{a1(d.last, rets.value, True)}",
            PCT,
        )
    slopes = rng(rows["beta"], c0, rows["beta"], c0 + n - 1)
    weights = rng(rows["weight"], c0, rows["weight"], c0 + n - 1)
    sh.record.native.update({"asset_betas": slopes, "weights": weights})
    return slopes, weights


def common_mistake(
    sh: Sheet, row: int, label_col: int, market: str, cells: dict[int, str], note_col: int, note: str
) -> None:
    """The common mistake: SLOPE(market returns, returns), the arguments swapped.
    ``cells``: {column: the returns range} whose mistaken slope the row shows."""
    sh.put(row, label_col, "The common mistake: arguments swapped", style=MISTAKE)
    for c, returns in cells.items():
        sh.put(row, c, slope(market, returns), BETA, style=MISTAKE)
    sh.put(row, note_col, note, style=MISTAKE, free=True)


KEY_HEADERS = ("Figure", "Add-in (UDF)", "Native Excel", "Difference", "Native formula")


def key_figures(
    sh: Sheet,
    top: int,
    left: int,
    portfolio: str,
    market: str,
    slopes: str,
    weights: str,
    wtd_label: str,
    wtd_text: str,
    addin: dict[str, str] | None = None,
    addin_header: str = KEY_HEADERS[1],
) -> None:
    """REG, WTD and GAP: label, add-in figure, native formula, their difference and the
    native formula in words, under a header row at ``top``; the common mistake below them.
    ``portfolio`` and ``market``: the native returns ranges. The add-in figure is the
    single-portfolio function on the sheet's data ranges, or (``addin``: {"reg", "wtd",
    "gap"} -> formula) a cell of a table the add-in spilled."""
    headers = (KEY_HEADERS[0], addin_header, *KEY_HEADERS[2:])
    for j, text in enumerate(headers):
        sh.header(top, left + j, text, free=j == len(headers) - 1)
    native_col = left + 2
    reg_cell, wtd_cell = a1(top + 1, native_col), a1(top + 2, native_col)
    rows: list[tuple[str, str, str, str, str]] = [
        (
            "reg",
            "REG: beta of the actual holdings",
            "PORTBETA_REG",
            slope(portfolio, market),
            "SLOPE(portfolio returns, market returns)",
        ),
        ("wtd", wtd_label, "PORTBETA_WTD", f"=SUMPRODUCT({weights},{slopes})", wtd_text),
        ("gap", "GAP = REG - WTD", "BETA_GAP", f"={reg_cell}-{wtd_cell}", "native REG - native WTD"),
    ]
    for i, (key, label, function, native, text) in enumerate(rows):
        r = top + 1 + i
        sh.put(r, left, label)
        if addin is None:
            sh.udf(r, left + 1, function, {k: sh.record.ranges[k] for k in ARGS}, ARGS, key)
        else:
            sh.put(r, left + 1, addin[key], BETA, style=UDF_FILL)
        sh.native(r, native_col, native)
        sh.put(r, left + 3, f"={a1(r, left + 1)}-{a1(r, native_col)}", BETA)
        sh.put(r, left + 4, text, style=NOTE, free=True)
        sh.record.native[key] = a1(r, native_col)
    mistake_row = top + 4
    common_mistake(
        sh,
        mistake_row,
        left,
        market,
        {native_col: portfolio},
        left + 4,
        "SLOPE(market returns, portfolio returns): NOT a beta",
    )
    sh.record.native["reg_mistake"] = a1(mistake_row, native_col)
