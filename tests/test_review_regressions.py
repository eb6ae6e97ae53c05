"""Regressions from the review of the first version: each once gave a wrong number,
a blank cell or a foreign exception."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import xl_portbeta as pb
from xl_portbeta import PortbetaError, udfs

from conftest import BONDS

PRICES = [["Bond A", "Bond B"]] + [list(r) for r in zip(BONDS["bond_a"], BONDS["bond_b"])]
MARKET = [[v] for v in BONDS["market"]]
SHARES = [BONDS["shares"]]
DATES = [[dt.datetime(2024, 1, 1) + dt.timedelta(days=k)] for k in range(11)]
NA_COM = -2146826246
NA_OFFICEJS = {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}


@pytest.mark.parametrize("error", [NA_COM, NA_OFFICEJS, "#N/A"])
@pytest.mark.parametrize("arg", ["dates", "frequency", "rf", "as_of"])
def test_an_error_value_in_an_optional_argument_is_an_error_not_the_default(arg, error):
    """A failed lookup in as_of must not silently become 'the last row'."""
    kwargs = {"dates": DATES, "frequency": "daily", "rf": 0.0, "as_of": None}
    kwargs[arg] = error
    with pytest.raises(PortbetaError, match=rf"^PORTBETA_WTD: {arg} is an error value"):
        udfs.portbeta_wtd(PRICES, SHARES, MARKET, **kwargs)


def test_a_one_cell_rf_range_holding_an_error_is_an_error():
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: rf is an error value"):
        udfs.portbeta_reg(PRICES, SHARES, MARKET, None, None, [[NA_COM]])


def test_statistics_of_an_exact_fit_leave_t_empty_instead_of_crashing():
    """An index fund that is the index: standard error 0."""
    table = udfs.portbeta_stats(MARKET, [[1000]], MARKET)
    rows = {r[0]: r for r in table}
    assert rows["beta"][1] == pytest.approx(1.0, abs=1e-12)
    assert rows["t statistic"][1] is None


def test_as_of_is_a_calendar_day_when_dates_carry_a_time():
    at_close = [[d[0] + dt.timedelta(hours=16)] for d in DATES]
    by_day = udfs.portbeta_wtd(PRICES, SHARES, MARKET, at_close, None, None, dt.datetime(2024, 1, 5))
    expected = udfs.portbeta_wtd(PRICES, SHARES, MARKET, DATES, None, None, dt.datetime(2024, 1, 5))
    assert by_day == expected
    first_day = udfs.portbeta_wtd(PRICES, SHARES, MARKET, at_close, None, None, "2024-01-01")
    assert first_day == udfs.portbeta_wtd(PRICES, SHARES, MARKET, DATES, None, None, 1.0 * 45292)


@pytest.mark.parametrize("as_of", ["2024-01-10 close", "2024-13-01", "soon"])
def test_odd_as_of_text_is_our_error(as_of):
    with pytest.raises(PortbetaError, match=r"^PORTBETA_WTD: as_of .* is not a date"):
        udfs.portbeta_wtd(PRICES, SHARES, MARKET, DATES, None, None, as_of)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_window_or_row_is_our_error(value):
    with pytest.raises(PortbetaError, match=r"^PORTBETA_ROLLING: window"):
        udfs.portbeta_rolling(PRICES, SHARES, MARKET, value)
    with pytest.raises(PortbetaError, match=r"^PORTBETA_WTD: as_of"):
        udfs.portbeta_wtd(PRICES, SHARES, MARKET, None, None, None, value)


def test_share_counts_meet_their_assets_by_name():
    expected = udfs.portbeta_reg(PRICES, SHARES, MARKET)
    assert udfs.portbeta_reg(PRICES, [["Bond B", "Bond A"], [65000, 25000]], MARKET) == expected
    frame = pd.DataFrame(PRICES[1:], columns=PRICES[0])
    swapped = pd.Series({"Bond B": 65000, "Bond A": 25000})
    assert pb.portfolio_beta(frame, swapped, BONDS["market"]).reg == pytest.approx(expected, abs=1e-14)
    with pytest.raises(PortbetaError, match=r"shares has names that prices does not have \(Bond C\)"):
        udfs.portbeta_reg(PRICES, [["Bond C", "Bond A"], [65000, 25000]], MARKET)


def test_pandas_labels_are_headers_never_data():
    values = np.column_stack([BONDS["bond_a"], BONDS["bond_b"]])
    expected = pb.portfolio_beta(values, BONDS["shares"], BONDS["market"])
    unlabelled = pb.portfolio_beta(pd.DataFrame(values), BONDS["shares"], pd.DataFrame(BONDS["market"]))
    numbered = pb.portfolio_beta(pd.DataFrame(values, columns=[1, 2]), BONDS["shares"], pd.DataFrame(BONDS["market"], columns=[3]))
    tickers = pb.portfolio_beta(pd.DataFrame(values, columns=["7203", "6758"]), BONDS["shares"], BONDS["market"])
    for result in (unlabelled, numbered, tickers):
        assert result.reg == pytest.approx(expected.reg, abs=1e-14)
    assert tickers.names == ("7203", "6758")


def test_prices_indexed_by_date_give_the_dates_and_demand_aligned_pandas_inputs():
    index = pd.bdate_range("2024-01-01", periods=11)
    frame = pd.DataFrame(PRICES[1:], columns=PRICES[0], index=index)
    market = pd.Series(BONDS["market"], index=index)
    result = pb.portfolio_beta(frame, BONDS["shares"], market)
    assert result.sample.labels[-1] == index[-1]
    with pytest.raises(PortbetaError, match=r"market is indexed by other dates than prices"):
        pb.portfolio_beta(frame, BONDS["shares"], market.shift(1, freq="D"))
