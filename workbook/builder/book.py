"""The Book sheet: 30 accounts on the Portfolio sheet's 20 stocks in 2022, every account's
betas in one PORTBETA_BOOK table, and the first account again in plain Excel.

The prices, the market and the dates are the Portfolio sheet's ranges (referenced, not
copied); so are the stocks' native SLOPEs and the market's returns that the cross-check
uses. The accounts are made here, reproducibly, without random numbers: six model
portfolios, five accounts each, whole shares bought at the last date's prices.
"""

from __future__ import annotations

import numpy as np

from xl_portbeta import datasets, tables

from .blocks import key_figures
from .layout import BOLD, DATE, MONEY, NOTE, PCT, RIGHT, SHARES, Print, Sheet, a1, col, first_cell, on, rng

#: Each model's weights (relative; the Balanced model holds every stock equally).
MODELS: tuple[tuple[str, dict[str, float] | None], ...] = (
    ("Balanced", None),
    ("Growth", {"AAPL": 4, "MSFT": 4, "AMD": 3, "HD": 2, "BBY": 2, "GE": 2, "BAC": 2, "JPM": 2, "UNH": 2, "LLY": 2}),
    ("Income", {"KO": 2, "PEP": 2, "PG": 2, "JNJ": 2, "MRK": 2, "PFE": 2, "XOM": 2, "CVX": 2, "WMT": 1, "JPM": 1}),
    ("Defensive", {"JNJ": 3, "PG": 3, "KO": 2, "PEP": 2, "WMT": 2, "MRK": 2, "UNH": 2, "LLY": 2}),
    ("Value", {"XOM": 3, "CVX": 3, "RRC": 2, "BAC": 2, "JPM": 2, "GE": 2, "PFE": 1, "BBY": 1}),
    ("Concentrated", None),  # a handful of stocks each: CONCENTRATED
)
#: The Concentrated accounts' stocks, equally weighted (a former employee's shares, a sector bet...).
CONCENTRATED = (
    ("AAPL", "MSFT", "AMD"),
    ("XOM", "CVX", "RRC"),
    ("JNJ", "PFE", "MRK", "LLY"),
    ("BAC", "JPM"),
    ("KO", "PEP", "PG", "WMT"),
)
#: The five accounts of each model: what each holds at the last date.
CAPITALS = (250_000, 1_000_000, 75_000, 2_500_000, 500_000)

TOP = 4  # the key figures' header row
H = 11  # the header row of the table and of the holdings
BETA_ROW, WEIGHT_ROW = H - 2, H - 1  # above the holdings: each stock's beta, the first account's weight


def hold_col() -> int:
    """The holdings' account names (their share counts to the right): after the table, read
    at build time, and a narrow spacer column."""
    return len(tables.BOOK_COLUMNS) + 2


def tilt(account: int, stock: int) -> float:
    """How far an account's weight in a stock is from its model's: 0.5 to 1.5 times, by
    integer arithmetic (the same on every machine)."""
    return (5 + (7 * (account + 1) * (stock + 3)) % 11) / 10


def accounts(names: list[str], last_prices: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The accounts' names and whole share counts (accounts x stocks, in ``names``' order)."""
    out_names, rows = [], []
    for model, weights in MODELS:
        for i, capital in enumerate(CAPITALS):
            if model == "Balanced":
                w = np.ones(len(names))
            elif model == "Concentrated":
                w = np.array([1.0 if n in CONCENTRATED[i] else 0.0 for n in names])
            else:
                assert weights is not None and set(weights) <= set(names), model
                w = np.array([float(weights.get(n, 0)) for n in names])
            if model != "Concentrated":
                w = w * np.array([tilt(i, j) for j in range(len(names))])
            rows.append(np.floor(capital * w / w.sum() / last_prices))
            out_names.append(f"{model} {i + 1:02d}")
    return out_names, np.array(rows)


def table_format(i: int, j: int) -> str | None:
    """Each column's declared format, below the header."""
    return tables.BOOK_COLUMNS[j].number_format if i >= 1 else None


def build(book, portfolio: Sheet) -> Sheet:
    prices, _, _ = datasets.demo_portfolio()
    names = [str(c) for c in prices.columns]
    assert names == portfolio.record.layout["names"], "the Book sheet uses the Portfolio sheet's data"
    n, last_date = len(names), prices.index[-1].strftime("%Y-%m-%d")
    account_names, holdings = accounts(names, prices.iloc[-1].to_numpy())
    hold = hold_col()
    k = len(account_names)
    sh = book.sheet("Book")
    sh.title(
        f"A book of {k} accounts on the Portfolio sheet's {n} stocks, {prices.index[0].year}: every account's "
        "betas in one formula",
        f"{len(MODELS)} model portfolios, {len(CAPITALS)} accounts each, whole shares bought on {last_date}; "
        "prices, market and dates are the Portfolio sheet's. Green: the first account again in plain Excel.",
    )
    sh.put(
        3,
        1,
        f"Holdings (orange, one row per account, level with its results): columns {col(hold)} to "
        f"{col(hold + n)}, not printed.",
        style=NOTE,
        free=True,
    )

    # the holdings: a header of tickers (PORTBETA_BOOK matches them by name), a row per account
    sh.header(H, hold, "Account")
    for j, name in enumerate(names):
        sh.header(H, hold + 1 + j, name)
    for a, (name, row) in enumerate(zip(account_names, holdings, strict=True)):
        sh.put(H + 1 + a, hold, name, style=BOLD)
        for j, shares in enumerate(row):
            sh.input(H + 1 + a, hold + 1 + j, int(shares), SHARES)
    held = rng(H, hold, H + k, hold + n)
    p = portfolio.record
    sh.record.ranges.update({key: on(portfolio.title_text, p.ranges[key]) for key in ("prices", "market", "dates")})
    sh.record.ranges["holdings"] = held

    # the table, level with the holdings
    order = ["prices", "holdings", "market", "dates"]
    sh.put(
        H - 1,
        1,
        f"PORTBETA_BOOK(prices, holdings, market, dates): one row per account of {held}",
        style=BOLD,
        free=True,
    )
    sh.udf(
        H,
        1,
        "PORTBETA_BOOK",
        sh.record.ranges,
        order,
        "book",
        spill=(k + 1, len(tables.BOOK_COLUMNS)),
        fmt=table_format,
    )

    first = cross_check(sh, portfolio, names, account_names[0], prices, last_date)
    sh.record.layout.update({
        "accounts": account_names, "holdings_header_row": H, "columns": [c.key for c in tables.BOOK_COLUMNS],
        "checked_account": account_names[0], "checked_row": first,
    })  # fmt: skip
    widths = {
        "A": 40,
        "B": 20,
        "C": 13,
        "D": 13,
        "E": 13,
        "F": 18,
        "G": 8,
        "H": 10,
        "I": 12,
        "J": 14,
        col(hold - 1): 3,
        col(hold): 33,
    }
    sh.finish(
        widths=widths | {col(hold + 1 + j): 8 for j in range(n)},
        freeze=f"A{H + 1}",
        printing=Print((1, 1, H + k, len(tables.BOOK_COLUMNS))),
    )
    return sh


def cross_check(sh: Sheet, portfolio: Sheet, names: list[str], account: str, prices, last_date: str) -> int:
    """The first account in plain Excel: its value on each date, its returns, REG as a
    SLOPE on the Portfolio sheet's market returns, WTD from its weights on the last date
    and the Portfolio sheet's native SLOPE of each stock; returns the account's row."""
    p, title = portfolio.record, portfolio.title_text
    hold = hold_col()
    n, n_dates = len(names), len(prices)
    row = H + 1  # the first account's row, in the holdings and in the table
    shares = rng(row, hold + 1, row, hold + n, absolute=True)
    date_col = hold + n + 2
    value_col, ret_col = date_col + 1, date_col + 2
    for c, text in ((date_col, "Date"), (value_col, f"{account}: value"), (ret_col, f"{account}: return")):
        sh.header(H, c, text)
    p_first, p_last = p.layout["first_data_row"], p.layout["last_data_row"]
    p_date = first_cell(p.ranges["dates"])[1]
    p_c0 = first_cell(p.ranges["prices"])[1]  # the Portfolio sheet's first stock column
    assert p_last - p_first + 1 == n_dates
    for i in range(n_dates):
        r, pr = H + 1 + i, p_first + i
        sh.put(r, date_col, "=" + on(title, a1(pr, p_date)), DATE)
        sh.native(
            r, value_col, f"=SUMPRODUCT({shares},{on(title, rng(pr, p_c0, pr, p_c0 + n - 1))})", MONEY, fill=False
        )
        if i:
            sh.native(r, ret_col, f"={a1(r, value_col)}/{a1(r - 1, value_col)}-1", PCT, fill=False)
    last = H + n_dates
    value_last = a1(last, value_col, absolute=True)

    # above the holdings: each stock's native beta (the Portfolio sheet's) and the account's weight
    sh.put(BETA_ROW, hold, f"Beta, native ({title} sheet's SLOPE)", style=RIGHT)
    sh.put(WEIGHT_ROW, hold, f"{account}: weight on {last_date}", style=RIGHT)
    p_beta_row = first_cell(p.native["asset_betas"])[0]
    assert first_cell(p.native["asset_betas"])[1] == p_c0
    for j in range(n):
        c = hold + 1 + j
        sh.native(BETA_ROW, c, "=" + on(title, a1(p_beta_row, p_c0 + j)))
        sh.native(WEIGHT_ROW, c, f"={a1(row, c)}*{on(title, a1(p_last, p_c0 + j))}/{value_last}", PCT)
    slopes = rng(BETA_ROW, hold + 1, BETA_ROW, hold + n)
    weights = rng(WEIGHT_ROW, hold + 1, WEIGHT_ROW, hold + n)

    returns = rng(H + 2, ret_col, last, ret_col)
    market = on(title, p.native["market_returns"])
    assert first_cell(p.native["market_returns"])[0] == p_first + 1  # the same dates as the account's returns
    addin = {
        key: f"=IF(ISERROR({a1(H, 1, True)}),{a1(H, 1, True)},{a1(row, 1 + _book_column(key))})"
        for key in ("reg", "wtd", "gap")
    }
    key_figures(
        sh,
        TOP,
        1,
        returns,
        market,
        slopes,
        weights,
        f"WTD: weighted average, weights on {last_date}",
        f"SUMPRODUCT(weights, betas): rows {BETA_ROW} and {WEIGHT_ROW}, columns {col(hold + 1)} to {col(hold + n)}",
        addin=addin,
        addin_header=f"Add-in: {account}",
    )
    sh.record.native.update({
        "asset_betas": slopes, "weights": weights,
        "account_value": rng(H + 1, value_col, last, value_col), "account_returns": returns,
    })  # fmt: skip
    sh.record.layout["addin"] = {key: a1(TOP + 1 + i, 2) for i, key in enumerate(("reg", "wtd", "gap"))}
    return row


def _book_column(key: str) -> int:
    """The 0-based column of PORTBETA_BOOK's table that holds ``key``."""
    return [c.key for c in tables.BOOK_COLUMNS].index(key)
