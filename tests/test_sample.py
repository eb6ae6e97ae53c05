"""The common sample (xl_portbeta.sample): which dates are kept, dropped, turned around
and resampled, and whose shares set the weights."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import (
    BOND_DATES as DATES,
)
from conftest import (
    BOND_MARKET as MARKET,
)
from conftest import (
    BOND_PRICES as PRICES,
)
from conftest import (
    BOND_SHARES as SHARES,
)
from conftest import (
    BONDS,
    random_market,
    with_cell,
)
from references import reference

import xl_portbeta as pb
from xl_portbeta import PortbetaError, portfolio_beta, udfs
from xl_portbeta.datasets import load_sp500

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
    reg, wtd, _betas, _ = reference(prices.to_numpy()[keep], shares, market.to_numpy()[keep])
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


# Mutation testing (tools/mutate.py): rules whose removal or off-by-one no test saw.


def test_a_blank_count_of_a_held_asset_in_a_history_drops_its_date(rng):
    prices, market = random_market(rng, 40, 3)
    holdings = np.tile([10.0, 20.0, 0.0], (40, 1))
    holdings[12, 1] = np.nan  # held: the date is dropped
    holdings[5:9, 2] = np.nan  # never held: blanks drop nothing
    result = portfolio_beta(prices, holdings, market)
    assert result.sample.dropped == (13,)  # rows are numbered from 1
    keep = np.setdiff1d(np.arange(40), [12])
    reg, wtd, _, _ = reference(prices[keep], np.nan_to_num(holdings[keep]), market[keep])
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)


def test_newest_first_rates_per_row_are_turned_around_with_the_dates(rng):
    prices, market = random_market(rng, 60, 2)
    dates = pd.bdate_range("2024-01-01", periods=60).to_numpy()
    annual = np.linspace(0.0, 0.09, 60)  # a rate that moves, so that its order matters
    up = portfolio_beta(prices, [10, 30], market, dates, rf=annual)
    down = portfolio_beta(prices[::-1], [10, 30], market[::-1], dates[::-1], rf=annual[::-1])
    reg, wtd, _, _ = reference(prices, [10, 30], market, rf_period=(1 + annual[:-1]) ** (1 / 252) - 1)
    for result in (up, down):
        assert result.reg == pytest.approx(reg, abs=TOL)
        assert result.wtd == pytest.approx(wtd, abs=TOL)


def test_a_missing_rate_on_the_second_to_last_row_drops_that_date(rng):
    """Its rate is the last period's: it is used (only the last row's rate is not)."""
    prices, market = random_market(rng, 30, 2)
    annual = np.full(30, 0.03)
    annual[-2] = np.nan
    result = portfolio_beta(prices, [1, 2], market, rf=annual)
    assert result.sample.dropped == (29,)
    keep = np.setdiff1d(np.arange(30), [28])
    reg, _, _, _ = reference(prices[keep], [1, 2], market[keep], rf_period=1.03 ** (1 / 252) - 1)
    assert result.reg == pytest.approx(reg, abs=TOL)


@pytest.mark.parametrize("blank,trailing", [(None, 3), ("", 1)])
def test_trailing_blank_rows_of_every_range_are_ignored(rng, blank, trailing):
    """Ranges selected larger than the data, with blanks inside (the cell by cell path)."""
    prices, market = random_market(rng, 25, 2)
    price_rows = [["A", "B"]] + prices.tolist()
    price_rows[5][1] = blank  # a hole inside: not the fast path
    market_rows = [[v] for v in market]
    padded = portfolio_beta(price_rows + [[blank, blank]] * trailing, [[1, 2]], market_rows + [[blank]] * trailing)
    exact = portfolio_beta(price_rows, [[1, 2]], market_rows)
    assert padded.sample.labels == exact.sample.labels and padded.sample.n_returns == 23
    assert padded.sample.dropped == exact.sample.dropped == (6,)  # row 1 is the header
    only_prices = portfolio_beta(price_rows + [[blank, blank]] * trailing, [[1, 2]], market_rows)  # one range longer
    assert only_prices.reg == exact.reg
    assert padded.reg == exact.reg
    keep = np.setdiff1d(np.arange(25), [4])
    assert padded.reg == pytest.approx(reference(prices[keep], [1, 2], market[keep])[0], abs=TOL)


def test_a_rate_of_100_percent_is_refused():
    with pytest.raises(PortbetaError, match=r"rf is 1, 100% a year"):
        udfs.portbeta_reg(PRICES, SHARES, MARKET, None, None, 1.0)
    with pytest.raises(PortbetaError, match=r"rf is -1, -100% a year"):
        udfs.portbeta_reg(PRICES, SHARES, MARKET, None, None, -1.0)
    assert udfs.portbeta_reg(PRICES, SHARES, MARKET, None, None, 0.99) == pytest.approx(
        udfs.portbeta_reg(PRICES, SHARES, MARKET), abs=1e-12
    )  # a constant rate changes no beta


def test_a_net_value_of_exactly_zero_is_refused():
    """Long one asset, short the other for the same value on one date: no return, no weight."""
    prices = [[10.0, 20.0], [11.0, 22.0], [12.0, 21.0], [13.0, 23.0], [12.0, 24.0]]
    with pytest.raises(PortbetaError, match=r"net value of 0 on row 1"):
        portfolio_beta(prices, [2, -1], [100, 101, 103, 102, 104])
    # worth 0.5 first (positive, below 1), then less than 0: the first value <= 0 is named
    small = [[10.25, 20.0], [11.5, 22.0], [10.0, 21.0], [13.0, 23.0], [12.0, 24.0]]
    with pytest.raises(PortbetaError, match=r"net value of -1 on row 3"):
        portfolio_beta(small, [2, -1], [100, 101, 103, 102, 104])


@pytest.mark.parametrize("position", [0, -1])
def test_as_of_on_the_first_or_the_last_row(rng, position):
    prices, market = random_market(rng, 30, 2)
    dates = pd.bdate_range("2024-01-01", periods=30)
    holdings = np.tile([10.0, 20.0], (30, 1))
    holdings[0] = [40.0, 5.0]  # the first row's weights differ from the others'
    by_row = portfolio_beta(prices, holdings, market, as_of=[1, 30][position])
    by_date = portfolio_beta(prices, holdings, market, dates.to_numpy(), as_of=dates[position].to_pydatetime())
    _, wtd, _, _ = reference(prices, holdings, market, as_of=position)
    for result in (by_row, by_date):
        assert result.wtd == pytest.approx(wtd, abs=TOL)
        np.testing.assert_array_equal(result.sample.shares_as_of, holdings[position])


def test_a_market_index_rebased_below_1_is_a_market(rng):
    prices, market = random_market(rng, 50, 2)
    rebased = market / market.max() * 0.5  # every level below 1, as an index rebased to 1 that fell
    result = portfolio_beta(prices, [1, 2], rebased)
    reg, wtd, _, _ = reference(prices, [1, 2], rebased)
    assert result.reg == pytest.approx(reg, abs=TOL) and result.wtd == pytest.approx(wtd, abs=TOL)


def test_assets_without_a_name_are_named_by_their_column(rng):
    prices, market = random_market(rng, 20, 3)
    assert portfolio_beta(prices, [1, 2, 3], market).names == ("asset 1", "asset 2", "asset 3")
    named = portfolio_beta([["A", "", "C"]] + prices.tolist(), [[1, 2, 3]], market.tolist())
    assert named.names == ("A", "asset 2", "C")
    by_shares = portfolio_beta(prices, [["x", "y", "z"], [1, 2, 3]], market)  # the shares' header names them
    assert by_shares.names == ("x", "y", "z")


def test_the_samples_steps_hand_on_immutable_records(rng):
    from dataclasses import FrozenInstanceError

    from xl_portbeta import sample

    prices, market = random_market(rng, 20, 2)
    args = sample.read_arguments(prices, [1, 2], market, None, None, None, True)
    for record in (args, sample.align_rows(args), sample.build_sample(prices, [1, 2], market)):
        with pytest.raises(FrozenInstanceError):
            record.prices = None


def test_newest_first_holdings_history_is_turned_around_with_the_dates(rng):
    prices, market = random_market(rng, 50, 2)
    holdings = np.tile([10.0, 20.0], (50, 1))
    holdings[25:] = [40.0, 5.0]  # a trade: the history's order matters
    dates = pd.bdate_range("2024-01-01", periods=50).to_numpy()
    up = portfolio_beta(prices, holdings, market, dates, as_of=dates[10])
    down = portfolio_beta(prices[::-1], holdings[::-1], market[::-1], dates[::-1], as_of=dates[10])
    reg, wtd, _, _ = reference(prices, holdings, market, as_of=10)
    for result in (up, down):
        assert result.reg == pytest.approx(reg, abs=TOL)
        assert result.wtd == pytest.approx(wtd, abs=TOL)


def test_a_zero_price_is_an_error_also_where_other_prices_are_missing():
    """A blank elsewhere takes the other path of the check: the zero is still no hole."""
    prices = [row[:] for row in PRICES]
    prices[2][0] = None
    prices[6][1] = 0.0
    with pytest.raises(
        PortbetaError, match=r"^PORTBETA_REG: prices row 7, column 2 \('Bond B'\) is 0: prices must be positive"
    ):
        udfs.portbeta_reg(prices, SHARES, MARKET)
    pennies = [PRICES[0]] + [[v / 1000 for v in row] for row in PRICES[1:]]  # prices below 1
    pennies[2][0] = None
    holed = with_cell(PRICES, 2, 0, None)
    assert udfs.portbeta_reg(pennies, SHARES, MARKET) == pytest.approx(
        udfs.portbeta_reg(holed, SHARES, MARKET), abs=1e-12
    )
    pennies[6][1] = 0.0
    with pytest.raises(
        PortbetaError, match=r"^PORTBETA_REG: prices row 7, column 2 \('Bond B'\) is 0: prices must be positive"
    ):
        udfs.portbeta_reg(pennies, SHARES, MARKET)


def test_a_net_value_of_zero_is_named_by_its_date():
    prices = [[10.0, 20.0], [11.0, 22.0], [12.0, 21.0], [13.0, 23.0], [12.0, 24.0]]
    dates = pd.bdate_range("2024-01-01", periods=5).to_numpy()
    with pytest.raises(PortbetaError, match=r"net value of 0 on 2024-01-01:"):
        portfolio_beta(prices, [2, -1], [100, 101, 103, 102, 104], dates)


def test_dates_out_of_order_name_the_first_step_against_the_majority():
    """As many steps up as down: read as ascending, the first step down is named."""
    dates = [[dt.datetime(2024, 1, d)] for d in (1, 3, 2, 4, 5, 6, 27, 26, 25, 24, 23)]
    steps = np.sign(np.diff([d[0].toordinal() for d in dates]))
    assert (steps > 0).sum() == (steps < 0).sum()
    with pytest.raises(
        PortbetaError, match=r"dates are not in order: row 3 \(2024-01-02\) follows row 2 \(2024-01-03\)"
    ):
        udfs.portbeta_reg(PRICES, SHARES, MARKET, dates)


def test_the_assets_alone_take_the_last_complete_row_as_their_as_of(rng):
    prices, market = random_market(rng, 30, 2)
    market[-1] = np.nan  # the last row is not complete
    dates = pd.bdate_range("2024-01-01", periods=30)
    assert pb.api.asset_betas(prices, market)[1].as_of == 29
    assert pb.api.asset_betas(prices, market, dates.to_numpy())[1].as_of == dates[28]


def test_trailing_blank_rows_with_newest_first_dates_a_history_and_a_hole(rng):
    """Trimmed rows must leave every row-aligned array (gaps, a history) at the data's
    length, or turning the rows around shifts them against the prices."""
    prices, market = random_market(rng, 40, 3)
    prices[5, 2] = np.nan  # asset 3 is never held: its hole drops nothing
    holdings = np.tile([10.0, 20.0, 0.0], (40, 1))
    holdings[20:, 0] = 30.0
    dates = pd.bdate_range("2024-01-01", periods=40).to_numpy()[::-1].copy()
    prices, holdings, market = prices[::-1].copy(), holdings[::-1].copy(), market[::-1].copy()
    blank = np.full((3, 3), np.nan)
    padded = portfolio_beta(
        np.vstack([prices, blank]), np.vstack([holdings, blank]), np.r_[market, np.nan, np.nan, np.nan],
        np.r_[dates, np.full(3, np.datetime64("NaT", "ns"))],
    )  # fmt: skip
    reg, wtd, _, _ = reference(prices[::-1][:, :2], holdings[::-1][:, :2], market[::-1])
    assert padded.reg == pytest.approx(reg, abs=TOL) and padded.wtd == pytest.approx(wtd, abs=TOL)
    assert padded.sample.dropped == () and np.isnan(padded.asset_betas[2])


def test_as_of_that_is_no_date_is_an_error():
    with pytest.raises(PortbetaError, match=r"^PORTBETA_WTD: as_of True is not a date"):
        udfs.portbeta_wtd(PRICES, SHARES, MARKET, DATES, None, None, True)


def test_three_returns_are_enough():
    result = portfolio_beta(PRICES[:5], SHARES, MARKET[:4])
    assert result.sample.n_returns == 3
    prices = np.array(PRICES[1:5], dtype=float)
    assert result.reg == pytest.approx(
        reference(prices, BONDS["shares"], np.array(MARKET[:4], float).ravel())[0], abs=TOL
    )


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
    note = {row[0]: row[4] for row in sheet.stats_table(stats)[1:]}["dates dropped for missing data"]
    assert "1 for missing prices or market, 4 for blanks in the holdings history" in note
    assert "enter 0 for an asset not held" in note
    # 0 for "not held" keeps those dates
    filled = [[h[0], 0.0 if h[1] is None else h[1]] for h in history]
    assert api.portfolio_stats(prices, filled, BOND_MARKET).result.sample.dropped_why == (
        ("missing prices or market", 1),
    )


def test_a_rate_per_row_with_trailing_blank_rows_and_newest_first_dates(rng):
    """The rates' range selected larger than the data is trimmed with the others, or
    turning the rows around would pair each period with another row's rate."""
    prices, market = random_market(rng, 30, 2)
    dates = pd.bdate_range("2024-01-01", periods=30).to_numpy()[::-1].copy()
    annual = np.linspace(0.0, 0.09, 30)
    exact = portfolio_beta(prices[::-1], [10, 30], market[::-1], dates, rf=annual[::-1])
    nat = np.full(2, np.datetime64("NaT", "ns"))
    padded = portfolio_beta(
        np.vstack([prices[::-1], np.full((2, 2), np.nan)]), [10, 30], np.r_[market[::-1], np.nan, np.nan],
        np.r_[dates, nat], rf=np.r_[annual[::-1], np.nan, np.nan],
    )  # fmt: skip
    reg, _, _, _ = reference(prices, [10, 30], market, rf_period=(1 + annual[:-1]) ** (1 / 252) - 1)
    assert exact.reg == pytest.approx(reg, abs=TOL)
    assert padded.reg == pytest.approx(reg, abs=TOL)


BANDS = [  # median spacing in days -> the frequency read off the dates, or None: an error
    (0.4, None),
    (0.5, "daily"),
    (1.0, "daily"),
    (4.5, "daily"),
    (4.6, None),
    (5.4, None),
    (5.5, "weekly"),
    (5.6, "weekly"),
    (8.4, "weekly"),
    (8.5, "weekly"),
    (8.6, None),
    (25.9, None),
    (26.0, "monthly"),
    (26.1, "monthly"),
    (34.9, "monthly"),
    (35.0, "monthly"),
    (35.1, None),
    (84.9, None),
    (85.0, "quarterly"),
    (85.1, "quarterly"),
    (94.9, "quarterly"),
    (95.0, "quarterly"),
    (95.1, None),
    (349.9, None),
    (350.0, "annual"),
    (350.1, "annual"),
    (379.9, "annual"),
    (380.0, "annual"),
    (380.1, None),
]


@pytest.mark.parametrize(("days", "frequency"), BANDS)
def test_the_frequency_read_off_the_dates_follows_the_documented_bands(days, frequency):
    """README ("frequency"): daily 0.5-4.5 days, weekly 5.5-8.5, monthly 26-35, quarterly
    85-95, annual 350-380, bounds included; between them an error that asks for it."""
    from xl_portbeta.sample import sample_frequency

    step = np.timedelta64(round(days * 86_400e9), "ns")  # hours and minutes: exact in ns
    dates = np.datetime64("2001-01-01T00:00", "ns") + step * np.arange(7)
    if frequency is None:
        with pytest.raises(PortbetaError, match=rf"the dates are {days:.3g} days apart .*give frequency"):
            sample_frequency(None, dates)
    else:
        assert sample_frequency(None, dates) == (frequency, "dates")
        assert sample_frequency("weekly", dates) == ("weekly", "given")


def test_a_huge_price_of_an_asset_nobody_holds_is_no_overflow(rng):
    """The overflow guard is the gross value held, not the largest price x the largest count."""
    prices, market = random_market(rng, 60, 2)
    huge = prices.copy()
    huge[:, 0] *= 1e300  # not held: 0 shares
    result = portfolio_beta(huge, [0, 1e9], market)
    alone = portfolio_beta(prices[:, 1:], [1e9], market)
    assert result.reg == pytest.approx(alone.reg, abs=TOL) and result.wtd == pytest.approx(alone.wtd, abs=TOL)


def test_long_and_short_values_beyond_float_range_are_refused_though_the_net_is_finite(rng):
    """Each position's value is finite (1e308) and so is the net, but the sum of their
    sizes (2e308) is not: the guard is the gross value, which bounds every partial sum."""
    prices, market = random_market(rng, 60, 2)
    prices = prices / prices.max() * 1e300
    prices[:, 0] *= 1.5  # the long position is worth more than the short: net positive
    shares = [1.1e8 / 1.5, -0.9e8]  # values up to 1.1e308 and -0.9e308
    with np.errstate(over="ignore"):
        assert np.isfinite(prices @ shares).all() and not np.isfinite(np.abs(prices) @ np.abs(shares)).all()
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: shares x prices are too large to compute with"):
        udfs.portbeta_reg(prices, [shares], market)


def test_a_market_rebased_to_1_names_its_first_level_that_is_not_positive():
    """Growth of 1 (levels near 1, one below it) with a 0: the 0's row is named, not a level of 0.99."""
    market = [1.0, 1.01, 0.99, 1.02, 0.0, 1.03, 1.01, 1.04]
    prices = [[100 + k, 50 - k] for k in range(8)]
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: market row 5 is 0: market levels must be positive$"):
        udfs.portbeta_reg(prices, [[1, 2]], market)


def test_the_samples_repr_says_assets_held_shares_returns_span_drops_and_as_of(rng):
    """Counted by hand: 10 rows, row 4 misses a held price (dropped), 9 kept: 8 returns."""
    prices, market = random_market(rng, 10, 3)
    prices[3, 0] = np.nan
    plain = portfolio_beta(prices, [1, 0, 2], market).sample
    assert repr(plain) == (
        "Sample(3 assets, 2 held, constant shares; 8 returns (daily assumed), rows 1..10; "
        "1 dates dropped; as_of row 10)"
    )
    dates = pd.bdate_range("2024-01-01", periods=10).to_numpy()  # Monday 1 to Friday 12 January
    dated = portfolio_beta(prices, np.tile([1, 0, 2], (10, 1)), market, dates).sample
    assert repr(dated) == (
        "Sample(3 assets, 2 held, a holdings history; 8 daily returns 2024-01-01..2024-01-12; "
        "1 dates dropped; as_of 2024-01-12)"
    )


def _six_rows(text_at=None):
    prices = [[100.0 + k, 50.0 - k] for k in range(6)]
    if text_at is not None:
        prices[text_at][1] = "n/a"
    return prices, [1000.0 + 3 * k * (-1) ** k for k in range(6)], [[dt.datetime(2024, 1, k + 1)] for k in range(6)]


STOCKS = " (a Stocks data type arrives as its name: use =A2.Price)"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("price cell", "prices row 3, column 2 (2024-01-03) holds text 'n/a', not a price" + STOCKS),
        ("one row of shares", "shares row 1, column 2 holds text 'x', not a share count"),  # its row has no date
        ("unreadable dates", "prices row 3, column 2 holds text 'n/a', not a price" + STOCKS),  # dates reported next
        ("dates too short", "prices row 6, column 2 holds text 'n/a', not a price" + STOCKS),  # row 6 has no date
    ],
)
def test_a_bad_cell_is_named_with_its_rows_date_where_there_is_one(case, message):
    prices, market, dates = _six_rows(5 if case == "dates too short" else 2)
    shares = [[1, 2]]
    if case == "one row of shares":
        prices, shares = _six_rows()[0], [[1, "x"]]
    elif case == "unreadable dates":
        dates[4] = ["soon"]
    elif case == "dates too short":
        dates = dates[:5]
    with pytest.raises(PortbetaError) as raised:
        udfs.portbeta_reg(prices, shares, market, dates)
    assert str(raised.value) == "PORTBETA_REG: " + message


def _seven_rows():
    return [[100.0 + k, 50.0 - k] for k in range(7)], [1000.0 + 3 * k * (-1) ** k for k in range(7)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            "mostly newest first",
            "dates are not in order: row 5 (2024-01-21) follows row 4 (2024-01-17); sort them oldest or newest first",
        ),  # the one step forward is named
        ("rf of 100%", "rf row 7 is 1, 100% a year: enter annual rates as decimals (5% or 0.05)"),
        ("rf of 150%", "rf row 7 is 1.5, 150% a year: enter annual rates as decimals (5% or 0.05)"),
        ("a held column empty", "prices column 2 has no price on any date, but is held: no date is complete"),
    ],
)
def test_the_checks_of_order_rates_and_empty_columns_name_the_cell(change, message):
    prices, market = _seven_rows()
    dates, rf = None, 0.0
    if change == "mostly newest first":
        dates = [[dt.datetime(2024, 1, d)] for d in (20, 19, 18, 17, 21, 16, 15)]
    elif change.startswith("rf"):
        rf = [[0.01]] * 6 + [[1.0 if change.endswith("100%") else 1.5]]  # 100% or more a year is an error
    else:
        prices = [[p[0], None] for p in prices]
    with pytest.raises(PortbetaError) as raised:
        udfs.portbeta_reg(prices, [[1, 2]], market, dates, None, rf)
    assert str(raised.value) == "PORTBETA_REG: " + message


def test_as_of_as_iso_text_is_that_day_and_other_text_is_an_error():
    prices, market = _seven_rows()
    dates = [[dt.datetime(2024, 1, d)] for d in range(1, 8)]
    on_the_5th = udfs.portbeta_wtd(prices, [[1, 2]], market, dates, None, 0.0, dt.datetime(2024, 1, 5))
    assert on_the_5th != udfs.portbeta_wtd(prices, [[1, 2]], market, dates)  # the weights of another day
    assert udfs.portbeta_wtd(prices, [[1, 2]], market, dates, None, 0.0, " 2024-01-05 ") == on_the_5th
    with pytest.raises(PortbetaError, match=r"^PORTBETA_WTD: as_of 'next week' is not a date$"):
        udfs.portbeta_wtd(prices, [[1, 2]], market, dates, None, 0.0, "next week")


def test_messages_of_names_twice_unknown_names_and_no_complete_date():
    prices = pd.DataFrame({n: [100.0 + k for k in range(5)] for n in ("AAPL", "MSFT")})
    market = [1000.0, 1010, 990, 1020, 1005]
    twice = pd.Series([1.0, 2.0, 3.0], index=["MSFT", "AAPL", "AAPL"])
    with pytest.raises(PortbetaError, match=r"shares names 'AAPL' twice"):  # not the first name, 'MSFT'
        portfolio_beta(prices, twice, market)
    unknown = dict.fromkeys(("A", "B", "C", "D", "E", "F"), 1.0)
    with pytest.raises(PortbetaError, match=r"not have: 'A', 'B', 'C', 'D', 'E', \.\.\.; names are matched"):
        portfolio_beta(prices, unknown, market)  # five shown
    holes = prices.to_numpy().copy()
    holes[::2, 0] = np.nan  # asset 1 on odd rows only, asset 2 ...
    holes[1::2, 1] = np.nan  # ... on even rows only: no date has both
    with pytest.raises(
        PortbetaError, match=r"^portfolio_beta: prices, market, shares and rf leave no date with every value"
    ):
        portfolio_beta(holes, [1, 1], market)


def test_a_cell_of_a_two_row_range_is_named_with_its_date():
    dates = [[dt.datetime(2024, 1, 1)], [dt.datetime(2024, 1, 2)]]
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: prices row 2 \(2024-01-02\) holds text 'n/a'"):
        udfs.portbeta_reg([[100.0], ["n/a"]], [[1]], [1000.0, 1010.0], dates)


def test_the_as_of_rows_net_value_is_checked_also_when_resampling_drops_that_row():
    """Weekly rows keep the Fridays; as_of a Wednesday whose net value is negative."""
    dates = pd.bdate_range("2024-01-01", periods=20)
    prices = np.column_stack([np.full(20, 100.0), np.full(20, 80.0)])
    prices[:, 0] += np.arange(20) * 0.5  # moves, so that the asset has a beta
    prices[7, 0] = 50.0  # Wednesday 10 January: 50 - 80 < 0
    market = 1000.0 + 7 * np.sin(np.arange(20))
    with pytest.raises(PortbetaError, match=r"net value of -30 on 2024-01-10: it must be positive"):
        portfolio_beta(prices, [1, -1], market, dates.to_numpy(), "weekly", as_of="2024-01-10")


@pytest.mark.parametrize(
    ("column", "hint"),
    [
        ([-5.0] + [100.0] * 9, True),  # a tenth of the values negative: returns
        ([1.0, 0.5] + [0.02] * 17 + [-0.01], False),  # 1.0 is not within (-1, 1): a price error
        ([1.5, 0.5] + [0.02] * 17 + [-0.01], False),
        ([0.5, 0.3] + [0.02] * 17 + [-0.01], True),  # all within (-1, 1), one negative
    ],
)
def test_a_column_that_looks_like_returns_gets_the_hint_by_the_documented_rule(column, hint):
    n = len(column)
    prices = np.column_stack([column, np.linspace(100, 110, n)])
    market = 1000.0 + 7 * np.sin(np.arange(n))
    with pytest.raises(PortbetaError) as raised:
        portfolio_beta(prices, [1, 1], market)
    assert ("prices column 1 looks like returns" in str(raised.value)) == hint
    assert ("prices must be positive" in str(raised.value)) == (not hint)


def test_the_as_of_rows_gross_value_is_checked_also_when_resampling_drops_that_row():
    """Weekly rows keep the Fridays; as_of a Wednesday whose long and short values,
    each within float range, add to more than 1e308."""
    dates = pd.bdate_range("2024-01-01", periods=20)
    prices = np.column_stack([100.0 + np.arange(20) * 0.5, np.full(20, 80.0)])
    prices[7] = [1.5e300, 1e300]  # Wednesday 10 January
    market = 1000.0 + 7 * np.sin(np.arange(20))
    with pytest.raises(PortbetaError, match=r"too large to compute with"):
        portfolio_beta(prices, [1e8, -1e8], market, dates.to_numpy(), "weekly", as_of="2024-01-10")


def test_a_new_row_aligned_argument_is_its_declaration_its_reader_and_its_rule(monkeypatch):
    """Issue 19 (e): a second benchmark, made in this test as a change would make it: its
    declaration (arguments.ARGUMENTS and an argument list), its reader and its rule
    (sample.ROW_RULES). Its rows are aligned, turned around and dropped with the others'."""
    import inspect

    from xl_portbeta import arguments, sample
    from xl_portbeta.inputs import read_vector

    declared = arguments.Argument("benchmark", "A second benchmark's levels.", None, row_aligned=True)
    monkeypatch.setitem(arguments.ARGUMENTS, "benchmark", declared)
    rule = sample.RowRule(lambda raw, name: read_vector(raw, name, "a price level"), "missing benchmark")
    monkeypatch.setitem(sample.ROW_RULES, "benchmark", rule)
    build = arguments.declared(arguments.PORTFOLIO + ("benchmark",))(sample.build_sample)
    assert list(inspect.signature(build).parameters)[-2:] == ["as_of", "benchmark"]

    levels = [float(100 + k) for k in range(11)]
    levels[4] = None  # a blank: the date of row 5 of prices is dropped for it
    newest_first = [PRICES[0], *PRICES[:0:-1]]
    found = build(newest_first, SHARES, MARKET[::-1], DATES[::-1], benchmark=[[v] for v in levels[::-1]])
    assert found.dropped == (pd.Timestamp(DATES[4][0]),)
    assert found.dropped_why == (("missing benchmark", 1),)
    assert found.columns["benchmark"].tolist() == [v for v in levels if v is not None]  # oldest first
    assert found.labels[0] == pd.Timestamp(DATES[0][0])
    assert build(PRICES, SHARES, MARKET, DATES).columns == {}
    with pytest.raises(PortbetaError, match="benchmark has 10 rows but prices has 11"):
        build(PRICES, SHARES, MARKET, DATES, benchmark=[[100.0]] * 10)
    with pytest.raises(TypeError, match="unexpected keyword argument 'currency'"):
        sample.build_sample(PRICES, SHARES, MARKET, currency=[[1.0]] * 11)


def test_a_few_labels_and_many_are_the_same_timestamps(rng):
    """labels_of makes a sample's first and last date one by one and longer runs through a
    DatetimeIndex: either way each is the Timestamp pandas' own index gives, to the
    nanosecond, before 1970 too."""
    from xl_portbeta.sample import labels_of

    values = np.sort(rng.integers(-2_208_988_800 * 10**9, 4_102_444_800 * 10**9, 40)).astype("datetime64[ns]")
    for part in (values[:1], values[:2], values[:16], values[:17], values):
        got = labels_of(part)
        assert got == list(pd.DatetimeIndex(part)) and {type(t) for t in got} == {pd.Timestamp}
        assert [t.value for t in got] == part.astype(np.int64).tolist()
    assert labels_of(np.array([4, 7])) == [4, 7]  # row numbers
