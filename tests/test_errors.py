"""Every bad input gets an error that names the function, the argument and the place."""

import datetime as dt
import re

import numpy as np
import pytest
from conftest import BOND_DATES, BOND_MARKET, BOND_PRICES, BOND_SHARES, with_cell

from xl_portbeta import PortbetaError, api, portfolio_beta, udfs

PRICES, MARKET, SHARES, DATES = BOND_PRICES, BOND_MARKET, BOND_SHARES, BOND_DATES


def call(function="PORTBETA_REG", prices=PRICES, shares=SHARES, market=MARKET, **kw):
    """The Excel function ``function`` called as Python calls it."""
    return getattr(udfs, function.lower())(prices, shares, market, **kw)


CASES = {
    "market shorter": (
        dict(market=MARKET[:9]),
        "PORTBETA_REG: market has 9 rows but prices has 11 (2 fewer): the ranges must cover the same dates",
    ),
    "dates longer": (
        dict(dates=DATES + [[dt.datetime(2024, 2, 1)]]),
        "PORTBETA_REG: prices has 11 rows after its header row but dates has 12 (1 fewer)",
    ),
    "shares wrong width": (
        dict(shares=[[1, 2, 3]]),
        "PORTBETA_REG: shares is 1 x 3: give one row (or column) of 2 share counts, or one row per date with 2 columns",
    ),
    "text in prices": (
        dict(prices=with_cell(PRICES, 16 - 14, 1, "n/a")),
        "PORTBETA_REG: prices row 3, column 2 ('Bond B') holds text 'n/a', not a price",
    ),
    "number as text": (
        dict(prices=with_cell(PRICES, 5, 0, "101.5")),
        "PORTBETA_REG: prices row 6, column 1 ('Bond A') holds text '101.5', a number stored as text: enter it as a number",
    ),
    "logical in prices": (
        dict(prices=with_cell(PRICES, 4, 0, True)),
        "PORTBETA_REG: prices row 5, column 1 ('Bond A') holds TRUE, a logical value, not a price",
    ),
    "date in prices": (
        dict(prices=with_cell(PRICES, 4, 1, dt.datetime(2024, 1, 5))),
        "PORTBETA_REG: prices row 5, column 2 ('Bond B') holds a date, not a price",
    ),
    "infinite price": (
        dict(prices=np.array([[1.0, 2.0], [np.inf, 2.0], [1.1, 2.1], [1.2, 2.2], [1.3, 2.0]])),
        "PORTBETA_REG: prices row 2, column 1 holds an infinite value",
    ),
    "zero price": (
        dict(prices=with_cell(PRICES, 7, 1, 0)),
        "PORTBETA_REG: prices row 8, column 2 ('Bond B') is 0: prices must be positive",
    ),
    "negative price": (
        dict(prices=with_cell(PRICES, 2, 0, -5.0)),
        "PORTBETA_REG: prices row 3, column 1 ('Bond A') is -5: prices must be positive",
    ),
    "zero market": (
        dict(market=with_cell(MARKET, 3, 0, 0)),
        "PORTBETA_REG: market row 4 is 0: market levels must be positive",
    ),
    "text in market": (
        dict(market=with_cell(MARKET, 3, 0, "—")),
        "PORTBETA_REG: market row 4 holds text '—', not a price level",
    ),
    "text in shares": (
        dict(shares=[[25000, "all"]]),
        "PORTBETA_REG: shares row 1, column 2 holds text 'all', not a share count",
    ),
    "blank share": (
        dict(shares=[[25000, None]]),
        "PORTBETA_REG: shares column 2 is empty or an error: enter 0 for an asset not held",
    ),
    "nothing held": (
        dict(shares=[[0, 0]]),
        "PORTBETA_REG: shares are all 0: the portfolio holds nothing",
    ),
    "net value not positive": (
        dict(shares=[[25000, -26000]]),
        "PORTBETA_REG: shares and prices give a net value of -48000 on row 2: it must be positive",
    ),
    "too few returns": (
        dict(prices=PRICES[:4], market=MARKET[:3]),
        "PORTBETA_REG: prices and market leave only 2 returns: need at least 3",
    ),
    "too few after dropping": (
        dict(prices=[PRICES[0]] + [with_cell(PRICES, r, 0, "")[r] if r > 3 else PRICES[r] for r in range(1, 12)]),
        "PORTBETA_REG: prices and market leave only 2 returns after dropping 8 dates with missing data: need at least 3",
    ),
    "flat market": (
        dict(market=[[1000.0 * 1.01**k] for k in range(11)]),
        "PORTBETA_REG: the market returns have no variance on the dates used: a beta is undefined",
    ),
    "duplicate dates": (
        dict(dates=DATES[:5] + [DATES[4]] + DATES[6:]),
        "PORTBETA_REG: dates rows 5 and 6 are both 2024-01-05: each date once",
    ),
    "unsorted dates": (
        dict(dates=DATES[:5] + [DATES[8]] + DATES[6:8] + [DATES[5]] + DATES[9:]),
        "PORTBETA_REG: dates are not in order: row 7 (2024-01-07) follows row 6 (2024-01-09)",
    ),
    "blank date": (
        dict(dates=DATES[:3] + [[None]] + DATES[4:]),
        "PORTBETA_REG: dates row 4 is empty or an error: every row needs its date",
    ),
    "date typed as text": (
        dict(dates=DATES[:3] + [["2024-01-04"]] + DATES[4:]),
        "PORTBETA_REG: dates row 4 holds text '2024-01-04', not a date: enter it as an Excel date",
    ),
    "unknown frequency": (
        dict(dates=DATES, frequency="quarterly"),
        'PORTBETA_REG: frequency \'quarterly\' is unknown: use "daily", "weekly" or "monthly"',
    ),
    "frequency without dates": (
        dict(frequency="monthly"),
        'PORTBETA_REG: frequency "monthly" needs dates: pass the dates range',
    ),
    "rf as percent": (
        dict(rf=5),
        "PORTBETA_REG: rf is 5, 500% a year: enter annual rates as decimals (5% or 0.05)",
    ),
    "rf text": (
        dict(rf=[["1%"]] * 11),
        "PORTBETA_REG: rf row 1 holds text '1%', a number stored as text: enter it as a number",
    ),
    "as_of after the dates": (
        dict(function="PORTBETA_WTD", dates=DATES, as_of=dt.datetime(2025, 1, 1)),
        "PORTBETA_WTD: as_of 2025-01-01 is outside the dates (2024-01-01 to 2024-01-11)",
    ),
    "as_of row outside": (
        dict(function="BETA_GAP", as_of=40),
        "BETA_GAP: as_of row 40 is outside the data rows 2 to 12 of prices",
    ),
    "as_of not a date": (
        dict(function="BETA_GAP", dates=DATES, as_of="last Friday"),
        "BETA_GAP: as_of 'last Friday' is not a date",
    ),
    "market of two columns": (
        dict(market=[[1, 2]] * 11),
        "PORTBETA_REG: market is 11 rows x 2 columns: give one column of levels, or name each benchmark's column in a header row",
    ),
    "shares missing": (
        dict(shares=None),
        "PORTBETA_REG: shares is missing: give one row of share counts, or one row per date",
    ),
    "shares an empty cell": (
        dict(shares=""),
        "PORTBETA_REG: shares is missing",
    ),
    "history column without numbers": (
        dict(shares=[[25000, None]] * 11),
        "PORTBETA_REG: shares column 2 has no numbers: enter 0 for an asset not held",
    ),
    "rf per row as percent": (
        dict(rf=[[0.02]] * 5 + [[3]] + [[0.02]] * 5),
        "PORTBETA_REG: rf row 6 is 3, 300% a year: enter annual rates as decimals",
    ),
    "as_of a range": (
        dict(function="PORTBETA_WTD", as_of=[[1], [2]]),
        "PORTBETA_WTD: as_of must be one value, not a range",
    ),
    "as_of not a row number": (
        dict(function="PORTBETA_WTD", as_of=2.5),
        "PORTBETA_WTD: as_of 2.5 is not a whole number: without dates, as_of is a row of prices",
    ),
    "as_of before any complete date": (
        dict(function="PORTBETA_WTD", dates=DATES, prices=with_cell(PRICES, 1, 0, ""), as_of=DATES[0][0]),
        "PORTBETA_WTD: as_of 2024-01-01: no date with complete data on or before it",
    ),
    "as_of row before any complete row": (
        dict(function="PORTBETA_WTD", prices=with_cell(PRICES, 1, 0, ""), as_of=2),
        "PORTBETA_WTD: as_of row 2: no row with complete data on or before it",
    ),
    "prices without columns": (
        dict(prices=[]),
        "PORTBETA_REG: prices is empty",
    ),
    "header only": (
        dict(prices=PRICES[:1], market=[["S&P"]]),
        "PORTBETA_REG: prices holds no data rows",
    ),
    "every date incomplete": (
        dict(prices=[PRICES[0]] + [[r[0], ""] for r in PRICES[1:]]),
        "PORTBETA_REG: prices column 2 ('Bond B') has no price on any date, but is held: no date is complete",
    ),
    "ragged range": (
        dict(prices=[[1.0, 2.0], [1.0]]),
        "PORTBETA_REG: prices is not a rectangular range",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_error_message(case):
    kwargs, message = CASES[case]
    with pytest.raises(PortbetaError) as caught:
        call(**kwargs)
    text = str(caught.value)
    assert text.startswith(message.split(":")[0] + ":")
    assert message in text


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: portfolio_beta(with_cell(PRICES, 2, 1, "n/a"), SHARES, MARKET), "portfolio_beta"),
        (lambda: api.portfolio_stats(with_cell(PRICES, 2, 1, "n/a"), SHARES, MARKET), "portfolio_stats"),
        (lambda: api.build_sample(with_cell(PRICES, 2, 1, "n/a"), SHARES, MARKET), "build_sample"),
        (lambda: api.rolling_portfolio_beta(PRICES, SHARES, MARKET, 99), "rolling_portfolio_beta"),
    ],
)
def test_the_python_api_names_the_function_called(call, name):
    """The outermost function called names the message, once."""
    with pytest.raises(PortbetaError) as caught:
        call()
    error = caught.value
    assert error.function == name
    assert str(error) == f"{name}: {error.problem}"
    assert not error.problem.startswith(("portfolio_beta", "build_sample", "beta_of"))  # named once


def test_the_error_is_an_xlwings_error_so_lite_shows_it():
    """Every Excel function raises an xlwings.XlwingsError (its message shown on the cell),
    also a PortbetaError; the error class itself needs no xlwings (the command line's)."""
    import inspect

    import xlwings

    assert issubclass(udfs.ExcelError, xlwings.XlwingsError) and issubclass(udfs.ExcelError, PortbetaError)
    arguments = dict(prices=with_cell(PRICES, 2, 1, "n/a"), shares=SHARES, holdings=SHARES, market=MARKET, window=3,
                     currencies="USD", fx_rates=[["USD"]] + [[1.0]] * (len(PRICES) - 1))  # fmt: skip
    # the holdings' builders take no prices: their first argument, the dates, holds the bad cell
    day = dt.datetime(2024, 1, 2)
    builders = dict(dates=[[day], [day], ["n/a"]], statement_dates=[[day]], statements=[[1, 2]], trade_dates=[[day]],
                    tickers=[["A"]], quantities=[[1]])  # fmt: skip
    for name in udfs.__all__:
        udf = getattr(udfs, name)
        parameters = inspect.signature(udf).parameters
        where = "prices row 3, column 2" if "prices" in parameters else "dates row 3"
        given = arguments if "prices" in parameters else builders
        wanted = {k: given[k] for k in parameters if k in given}
        with pytest.raises(xlwings.XlwingsError, match=rf"^{name.upper()}: {where}") as caught:
            udf(**wanted)
        assert isinstance(caught.value, PortbetaError)
    with pytest.raises(PortbetaError, match=r"^portfolio_beta: ") as caught:
        portfolio_beta(np.asarray(PRICES[1:], dtype=object), [1, 2], MARKET[1:])
    assert not isinstance(caught.value, xlwings.XlwingsError)


@pytest.mark.parametrize(
    "udf,name,extra",
    [
        (udfs.portbeta_reg, "PORTBETA_REG", ()),
        (udfs.portbeta_wtd, "PORTBETA_WTD", ()),
        (udfs.beta_gap, "BETA_GAP", ()),
    ],
)
def test_each_udf_names_itself(udf, name, extra):
    with pytest.raises(PortbetaError, match=re.escape(f"{name}: prices row 3, column 2 ('Bond B') holds text 'n/a'")):
        udf(with_cell(PRICES, 2, 1, "n/a"), SHARES, MARKET, *extra)


def test_asset_betas_names_itself():
    with pytest.raises(PortbetaError, match=r"^ASSET_BETAS: market row 4 holds text 'x'"):
        udfs.asset_betas(PRICES, with_cell(MARKET, 3, 0, "x"))
