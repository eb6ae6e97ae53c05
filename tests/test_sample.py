"""The common sample (xl_portbeta.sample): which dates are kept, dropped, turned around
and resampled, and whose shares set the weights."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import xl_portbeta as pb
from xl_portbeta import PortbetaError, portfolio_beta, udfs
from xl_portbeta.datasets import load_sp500

from conftest import BONDS, BOND_DATES as DATES, BOND_MARKET as MARKET, BOND_PRICES as PRICES, BOND_SHARES as SHARES, random_market, with_cell
from references import reference

TOL = 1e-10


def test_real_data_with_holes_drops_dates_and_spans_returns():
    """A missing price drops its date; the next return spans from the last kept date."""
    prices, market = load_sp500()
    prices, market = prices.loc["2021"].iloc[:, :5].copy(), market.loc["2021"].copy()
    shares = np.array([10.0, 20, 30, 40, 50])
    holes = [5, 17, 18, 100]
    prices.iloc[holes[:3], [0, 2, 4]] = np.nan
    market.iloc[holes[3]] = np.nan
    result = portfolio_beta(prices, shares, market, prices.index.to_numpy())
    keep = np.setdiff1d(np.arange(len(prices)), holes)
    reg, wtd, betas, _ = reference(prices.to_numpy()[keep], shares, market.to_numpy()[keep])
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    assert [d.strftime("%Y-%m-%d") for d in result.sample.dropped] == [
        prices.index[k].strftime("%Y-%m-%d") for k in holes
    ]
    assert result.sample.n_returns == len(keep) - 1


def test_missing_price_of_an_asset_not_held_drops_nothing(rng):
    prices, market = random_market(rng, 50, 3)
    prices[10, 2] = np.nan
    result = portfolio_beta(prices, [10, 20, 0], market)
    reg, wtd, _, _ = reference(prices[:, :2], [10, 20], market)
    assert result.sample.dropped == ()
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    assert np.isnan(result.asset_betas[2])


def test_descending_dates_give_the_same_figures(rng):
    prices, market = random_market(rng, 80, 4)
    dates = pd.bdate_range("2024-01-01", periods=80).to_numpy()
    up = portfolio_beta(prices, [1, 2, 3, 4], market, dates, as_of=dates[50])
    down = portfolio_beta(prices[::-1], [1, 2, 3, 4], market[::-1], dates[::-1], as_of=dates[50])
    assert down.reg == pytest.approx(up.reg, abs=1e-14)
    assert down.wtd == pytest.approx(up.wtd, abs=1e-14)
    assert down.sample.labels == up.sample.labels


@pytest.mark.parametrize("frequency,rule", [("weekly", "W-SUN"), ("monthly", "ME")])
def test_frequency_keeps_each_calendar_periods_last_row(rng, frequency, rule):
    n = 600
    prices, market = random_market(rng, n, 3)
    dates = pd.bdate_range("2020-01-01", periods=n)
    frame = pd.DataFrame(prices, index=dates).assign(m=market)
    resampled = frame.resample(rule).last().dropna()
    result = portfolio_beta(prices, [5, 5, 5], market, dates.to_numpy(), frequency)
    reg, wtd, _, _ = reference(resampled.iloc[:, :3].to_numpy(), [5, 5, 5], resampled["m"].to_numpy())
    assert result.sample.n_returns == len(resampled) - 1
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)


def test_rf_per_row_is_subtracted_per_period_from_both_sides(rng):
    prices, market = random_market(rng, 100, 2)
    annual = rng.uniform(0.0, 0.08, 100)
    result = portfolio_beta(prices, [10, 30], market, rf=annual)
    rf_period = (1 + annual[:-1]) ** (1 / 252) - 1  # the rate at each period's start
    reg, wtd, _, _ = reference(prices, [10, 30], market, rf_period=rf_period)
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    # A rate that moves does move the betas (else this test could not fail).
    plain = portfolio_beta(prices, [10, 30], market)
    assert abs(plain.reg - result.reg) > 1e-6


def test_newest_first_with_holes_in_an_asset_not_held_and_in_the_market(rng):
    """Regression: the rows with holes must be turned around with the data."""
    prices, market = random_market(rng, 40, 3)
    prices[1, 2] = np.nan  # asset 3 is not held: its hole drops nothing
    market[30] = np.nan  # a market hole drops its date
    dates = pd.bdate_range("2024-01-01", periods=40).to_numpy()
    up = portfolio_beta(prices, [10, 20, 0], market, dates)
    down = portfolio_beta(prices[::-1], [10, 20, 0], market[::-1], dates[::-1])
    keep = np.setdiff1d(np.arange(40), [30])
    reg, wtd, _, _ = reference(prices[keep][:, :2], [10, 20], market[keep])
    for result in (up, down):
        assert result.reg == pytest.approx(reg, abs=TOL)
        assert result.wtd == pytest.approx(wtd, abs=TOL)
        assert np.isnan(result.asset_betas[2])


def test_a_missing_rate_on_the_last_row_drops_nothing(rng):
    """Its rate would apply to a period after the sample: it is never used."""
    prices, market = random_market(rng, 30, 2)
    annual = np.full(30, 0.03)
    annual[-1] = np.nan
    assert portfolio_beta(prices, [1, 2], market, rf=annual).sample.dropped == ()
    annual[10] = np.nan  # a rate that is used: its date is dropped
    assert portfolio_beta(prices, [1, 2], market, rf=annual).sample.dropped == (11,)


def test_as_of_is_a_calendar_day_when_dates_carry_a_time():
    at_close = [[d[0] + dt.timedelta(hours=16)] for d in DATES]
    by_day = udfs.portbeta_wtd(PRICES, SHARES, MARKET, at_close, None, None, dt.datetime(2024, 1, 5))
    expected = udfs.portbeta_wtd(PRICES, SHARES, MARKET, DATES, None, None, dt.datetime(2024, 1, 5))
    assert by_day == expected
    first_day = udfs.portbeta_wtd(PRICES, SHARES, MARKET, at_close, None, None, "2024-01-01")
    assert first_day == udfs.portbeta_wtd(PRICES, SHARES, MARKET, DATES, None, None, 1.0 * 45292)


def test_share_counts_meet_their_assets_by_name():
    expected = udfs.portbeta_reg(PRICES, SHARES, MARKET)
    assert udfs.portbeta_reg(PRICES, [["Bond B", "Bond A"], [65000, 25000]], MARKET) == expected
    frame = pd.DataFrame(PRICES[1:], columns=PRICES[0])
    swapped = pd.Series({"Bond B": 65000, "Bond A": 25000})
    assert pb.portfolio_beta(frame, swapped, BONDS["market"]).reg == pytest.approx(expected, abs=1e-14)
    with pytest.raises(PortbetaError, match=r"shares has names that prices does not have \(Bond C\)"):
        udfs.portbeta_reg(PRICES, [["Bond C", "Bond A"], [65000, 25000]], MARKET)


def test_prices_indexed_by_date_give_the_dates_and_demand_aligned_pandas_inputs():
    index = pd.bdate_range("2024-01-01", periods=11)
    frame = pd.DataFrame(PRICES[1:], columns=PRICES[0], index=index)
    market = pd.Series(BONDS["market"], index=index)
    result = pb.portfolio_beta(frame, BONDS["shares"], market)
    assert result.sample.labels[-1] == index[-1]
    with pytest.raises(PortbetaError, match=r"market is indexed by other dates than prices"):
        pb.portfolio_beta(frame, BONDS["shares"], market.shift(1, freq="D"))


def test_a_blank_or_error_cell_is_missing_not_zero():
    """#N/A and blanks drop the date; they never enter as 0."""
    na = {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}
    for hole in (None, "", "#N/A", na, -2146826246, float("nan")):
        holed = portfolio_beta(with_cell(PRICES, 4, 0, hole), SHARES, MARKET)
        dropped = portfolio_beta(PRICES[:4] + PRICES[5:], SHARES, MARKET[:3] + MARKET[4:])
        assert holed.reg == dropped.reg
        assert holed.sample.dropped == (5,)


@pytest.mark.parametrize(
    "dates,periods,label",
    [
        (pd.bdate_range("2020-01-01", periods=60), 252, "daily"),
        (pd.date_range("2020-01-03", periods=60, freq="W-FRI"), 52, "weekly"),
        (pd.date_range("2010-01-31", periods=60, freq="ME"), 12, "monthly"),
        (pd.date_range("2000-03-31", periods=60, freq="QE"), 4, "quarterly"),
        (pd.date_range("1960-12-31", periods=60, freq="YE"), 1, "annual"),
    ],
)
def test_without_frequency_the_periods_per_year_come_from_the_dates(rng, dates, periods, label):
    """Regression (issue 14): monthly rows without frequency were annualized with 252."""
    prices, market = random_market(rng, 60, 3)
    stats = pb.api.portfolio_stats(prices, [1, 2, 3], market, dates.to_numpy(), rf=0.03)
    sample = stats.result.sample
    assert (sample.frequency, sample.periods_per_year, sample.frequency_source) == (label, periods, "dates")
    assert sample.n_returns == 59  # the rows as given
    np.testing.assert_allclose(sample.rf, (1.03) ** (1 / periods) - 1, rtol=1e-14)
    fit = stats.actual.fit
    table = {r[0]: r for r in udfs.portbeta_stats(prices, [1, 2, 3], market, dates.to_numpy(), None, 0.03)}
    assert table["alpha annualized"][1] == pytest.approx((1 + fit.alpha) ** periods - 1, abs=1e-12)
    assert table["residual volatility annualized"][1] == pytest.approx(fit.residual_std * periods**0.5, abs=1e-12)
    assert "from the dates' spacing" in table["alpha annualized"][4]


def test_without_dates_daily_is_assumed_and_said():
    prices, market = random_market(np.random.default_rng(5), 30, 2)
    stats = pb.api.portfolio_stats(prices, [1, 1], market)
    assert stats.result.sample.frequency_source == "assumed"
    table = {r[0]: r for r in udfs.portbeta_stats(prices, [1, 1], market)}
    assert "daily rows assumed (no dates given)" in table["alpha annualized"][4]


def test_irregular_dates_without_frequency_are_an_error_that_asks_for_it(rng):
    prices, market = random_market(rng, 20, 2)
    dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(20) * 15, unit="D")  # every 15 days
    with pytest.raises(PortbetaError, match=r"^PORTBETA_STATS: the dates are 15 days apart .* give frequency"):
        udfs.portbeta_stats(prices, [1, 1], market, dates.to_numpy())
    given = pb.api.portfolio_stats(prices, [1, 1], market, dates.to_numpy(), "daily")  # given: used as said
    assert given.result.sample.periods_per_year == 252


def test_values_beyond_float_range_are_refused_not_zero(rng):
    """Regression (issue 14): prices or shares x 1e305 gave PORTBETA_REG 0.0 silently."""
    prices, market = random_market(rng, 50, 3)
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: shares x prices are too large to compute with"):
        udfs.portbeta_reg(prices * 1e306, [1000, 2000, 3000], market)
    with pytest.raises(PortbetaError, match=r"too large to compute with"):
        udfs.portbeta_reg(prices, [[1e306, 2e306, 3e306]], market)
    scaled = pb.portfolio_beta(prices * 1e300, [1, 2, 3], market)  # large but within range: the same betas
    plain = pb.portfolio_beta(prices, [1, 2, 3], market)
    assert scaled.reg == pytest.approx(plain.reg, abs=1e-12) and scaled.wtd == pytest.approx(plain.wtd, abs=1e-12)


@pytest.mark.parametrize(
    "prices_header,shares_header,message",
    [
        (["a", "a", "c"], ["c", "a", "b"], r"the header of prices names 'a' twice"),
        (["a", "b", "c"], ["c", "a", "a"], r"the header of shares names 'a' twice"),
        (["a", "b", "c"], ["c", "", "a"], r"the header of shares has a blank name \(column 2\)"),
    ],
)
def test_names_in_another_order_must_each_be_there_once(rng, prices_header, shares_header, message):
    """Regression (issue 14): a blank or repeated name matched the counts by position without a word."""
    prices, market = random_market(rng, 20, 3)
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: " + message):
        udfs.portbeta_reg([prices_header] + prices.tolist(), [shares_header, [1, 2, 3]], market.tolist())
    same = udfs.portbeta_reg([prices_header] + prices.tolist(), [prices_header, [1, 2, 3]], market.tolist())
    assert same == pytest.approx(pb.portfolio_beta(prices, [1, 2, 3], market).reg, abs=1e-12)  # same order: fine


def test_twenty_thousand_names_are_matched_quickly():
    names = tuple(f"T{k}" for k in range(20_000))
    from xl_portbeta.inputs import Cells
    from xl_portbeta.sample import columns_by_name

    cells = Cells(np.arange(20_000.0)[None, ::-1].copy(), names[::-1], 2)
    matched = columns_by_name(cells, names)
    np.testing.assert_array_equal(matched.values[0], np.arange(20_000.0))


def test_dates_dropped_for_blanks_in_a_holdings_history_are_counted_and_explained():
    """Issue 14: blanks meaning "not held yet" halve a sample: the notes say how many
    dates were dropped and why, and suggest 0 for "not held" (a blank stays missing)."""
    from conftest import BOND_MARKET, BOND_PRICES
    from xl_portbeta import api, sheet

    history = [[25000.0, None if t < 4 else 65000.0] for t in range(11)]
    prices = [list(r) for r in BOND_PRICES]
    prices[7][0] = None  # a missing price too
    stats = api.portfolio_stats(prices, history, BOND_MARKET)
    sample = stats.result.sample
    assert sample.dropped_why == (("missing prices or market", 1), ("blanks in the holdings history", 4))
    assert len(sample.dropped) == 5
    note = dict((row[0], row[4]) for row in sheet.stats_table(stats)[1:])["dates dropped for missing data"]
    assert "1 for missing prices or market, 4 for blanks in the holdings history" in note
    assert "enter 0 for an asset not held" in note
    # 0 for "not held" keeps those dates
    filled = [[h[0], 0.0 if h[1] is None else h[1]] for h in history]
    assert api.portfolio_stats(prices, filled, BOND_MARKET).result.sample.dropped_why == (("missing prices or market", 1),)
