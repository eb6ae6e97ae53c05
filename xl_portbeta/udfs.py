"""Excel functions: thin xlwings declarations over :mod:`xl_portbeta.api`.

One module for every xlwings runtime: ``import xlwings as xw`` hands out the classic
(COM) decorators on Windows and the Office.js ones in xlwings Lite and Server.
Every range arrives ``"raw"`` (unconverted) and is read by :mod:`xl_portbeta.inputs`,
which knows both runtimes' blanks, error cells and dates, and is faster than
xlwings' converters on large ranges.

The Python names are the Excel names in lower case: Office.js shows them upper-cased,
and VBA (classic) matches names without regard to case.
"""

import inspect

import xlwings as xw

from . import api, sheet
from .errors import PortbetaError, named

# what ``from xl_portbeta.udfs import *`` (xlwings Lite's main.py) brings in
__all__ = [
    "portbeta_reg", "portbeta_wtd", "beta_gap", "asset_betas",
    "portbeta_stats", "beta_gap_detail", "portbeta_rolling", "portbeta_book", "asset_betas_rolling",
]  # fmt: skip

# Excel's help for each argument; every function takes them in this order.
ARGUMENT_HELP = {
    "prices": "Asset prices, one row per date (oldest first), one column per asset; an optional first row of names.",
    "shares": "Share counts: one row of N numbers held throughout, or one row per date (a holdings history). Negative = short.",
    "holdings": "Share counts of many accounts: one row per account, in the column order of prices (or a header row of names); an optional first column of account names.",
    "market": "Benchmark price levels (e.g. the index), one column, same rows as prices.",
    "window": "Number of returns in each window, e.g. 252 for a year of daily returns.",
    "dates": "Optional. Dates of the rows (ascending or descending).",
    "frequency": 'Optional. "daily" (every row), "weekly" or "monthly" (last row of each calendar period; needs dates). Left out: the rows as given, periods per year from the dates.',
    "rf": "Optional. Annual risk-free rate (0.05 for 5%): one number, or one per row. A constant rate changes no beta.",
    "as_of": "Optional. Date whose holdings set the weights (without dates: the row number). Default: the last row.",
}


class ExcelError(PortbetaError, xw.XlwingsError):
    """The add-in's error as the Excel functions raise it: an ``xlwings.XlwingsError``, whose
    message xlwings Lite and Server show on the cell (other errors show a generic text)."""


def ranges(func):
    """An Excel function's arguments and errors: every argument declared ``"raw"``
    (unconverted: inputs.py reads both runtimes' cells) with its Excel help, and every
    error named after the Excel function (the Python name upper-cased)."""
    func = named(func.__name__.upper(), raise_as=ExcelError)(func)
    for name in inspect.signature(func).parameters:
        func = xw.arg(name, "raw", doc=ARGUMENT_HELP[name])(func)
    return func


@xw.func
@ranges
def portbeta_reg(prices, shares, market, dates=None, frequency=None, rf=0.0):
    """Beta of the actual holdings: OLS slope (with intercept) of the portfolio's returns on the market's."""
    result = api.portfolio_beta(prices, shares, market, dates, frequency, rf)
    return sheet.number(result.reg)


@xw.func
@ranges
def portbeta_wtd(prices, shares, market, dates=None, frequency=None, rf=0.0, as_of=None):
    """Weighted-average beta: sum of each holding's market-value weight at as_of times its own OLS beta."""
    result = api.portfolio_beta(prices, shares, market, dates, frequency, rf, as_of)
    return sheet.number(result.wtd)


@xw.func
@ranges
def beta_gap(prices, shares, market, dates=None, frequency=None, rf=0.0, as_of=None):
    """PORTBETA_REG minus PORTBETA_WTD on the same dates: the part of beta made by weight drift."""
    result = api.portfolio_beta(prices, shares, market, dates, frequency, rf, as_of)
    return sheet.number(result.gap)


@xw.func
@ranges
def asset_betas(prices, market, dates=None, frequency=None, rf=0.0):
    """Each asset's OLS beta on the market, as one row in the column order of prices (spills)."""
    betas, _ = api.asset_betas(prices, market, dates, frequency, rf)
    return sheet.row(betas)


@xw.func
@ranges
def portbeta_stats(prices, shares, market, dates=None, frequency=None, rf=0.0, as_of=None):
    """Labelled table: beta, its standard error, t, 95% CI, R², alpha, up/down, downside and Blume betas, for the actual holdings and the current weights (spills)."""
    stats = api.portfolio_stats(prices, shares, market, dates, frequency, rf, as_of)
    return sheet.stats_table(stats)


@xw.func
@ranges
def beta_gap_detail(prices, shares, market, dates=None, frequency=None, rf=0.0, as_of=None):
    """One row per holding: weights, beta, and its part of BETA_GAP (drift + interaction); a total row equals BETA_GAP (spills)."""
    detail = api.gap_detail(prices, shares, market, dates, frequency, rf, as_of)
    return sheet.detail_table(detail)


@xw.func
@ranges
def portbeta_rolling(prices, shares, market, window, dates=None, frequency=None, rf=0.0):
    """One row per window end: date, REG, WTD (weights at that window's end) and GAP (spills)."""
    rolling = api.rolling_portfolio_beta(prices, shares, market, window, dates, frequency, rf)
    return sheet.rolling_table(rolling)


@xw.func
@ranges
def portbeta_book(prices, holdings, market, dates=None, frequency=None, rf=0.0, as_of=None):
    """One row per account: market value, REG, WTD, GAP, the gap's standard error and t, R² of REG, observations (spills)."""
    book = api.book_betas(prices, holdings, market, dates, frequency, rf, as_of)
    return sheet.book_table(book)


@xw.func
@ranges
def asset_betas_rolling(prices, market, window, dates=None, frequency=None, rf=0.0):
    """One row per window end: date, then each asset's OLS beta over that window (spills)."""
    rolling = api.rolling_asset_betas(prices, market, window, dates, frequency, rf)
    return sheet.asset_rolling_table(rolling)
