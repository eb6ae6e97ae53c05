"""Silent wrong numbers at the edges (issue 14, item 4): magnitudes, dates with a time
of day, holdings that change sign, a market that moves on one date, calls from several
threads at once. Each against statsmodels on returns built by hand (tests/references.py)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from conftest import random_market
from hypothesis import given, settings
from hypothesis import strategies as st
from references import excess, reference, statsmodels_fit, value_returns

from xl_portbeta import api, portfolio_beta

TOL = 1e-10


@settings(max_examples=40, deadline=None)
@given(
    price_scale=st.sampled_from([1e-8, 3e-6, 1.0, 7e7, 1e12]),
    share_scale=st.sampled_from([1e-3, 1.0, 1e9]),
    market_scale=st.sampled_from([1e-8, 1.0, 1e12]),
    seed=st.integers(0, 2**32 - 1),
)
def test_prices_from_1e_8_to_1e12_and_a_billion_shares_give_the_same_betas(
    price_scale, share_scale, market_scale, seed
):
    """Beta is scale-free: scaled prices and counts give statsmodels' figures on the
    unscaled returns, to the digits the returns carry."""
    rng = np.random.default_rng(seed)
    prices, market = random_market(rng, 60, 3)
    shares = rng.uniform(1, 5, 3)
    result = portfolio_beta(prices * price_scale, shares * share_scale, market * market_scale)
    reg, wtd, betas, weights = reference(prices, shares, market)
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    np.testing.assert_allclose(result.asset_betas, betas, atol=TOL)
    np.testing.assert_allclose(result.weights, weights, rtol=1e-12)


def test_assets_priced_1e_8_and_1e12_in_one_portfolio(rng):
    """Twenty orders of magnitude between two prices: the small one still has its weight
    and its beta (no digits of one are lost in the other's sums)."""
    prices, market = random_market(rng, 80, 3)
    prices[:, 0] *= 1e-8
    prices[:, 1] *= 1e12
    shares = np.array([1e9 * 1e12, 1.0, 1e3])  # the penny asset carries most of the value
    result = portfolio_beta(prices, shares, market)
    reg, wtd, betas, weights = reference(prices, shares, market)
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    np.testing.assert_allclose(result.asset_betas, betas, atol=TOL)
    np.testing.assert_allclose(result.weights, weights, rtol=1e-12)


@pytest.mark.parametrize("frequency,rule", [("weekly", "W-SUN"), ("monthly", "ME")])
def test_two_timestamps_on_one_day_resampling_keeps_the_later(rng, frequency, rule):
    """An intraday row and the close on a period's last day: the close is the period's row."""
    days = pd.bdate_range("2024-01-01", periods=300)
    stamps = list(days + pd.Timedelta(hours=16))
    # a 10:00 row before the close on some days, among them the last day of periods
    extra = [days[k] + pd.Timedelta(hours=10) for k in (3, 4, 20, 21, 64, 130, 199)]
    index = pd.DatetimeIndex(sorted(stamps + extra))
    prices, market = random_market(rng, len(index), 2)
    result = portfolio_beta(prices, [3, 4], market, index.to_numpy(), frequency)
    frame = pd.DataFrame(prices, index=index).assign(m=market)
    last = frame.resample(rule).last()  # pandas' last row of each calendar period
    assert result.sample.labels == tuple(frame.groupby(frame.index.to_period(rule[0])).tail(1).index)
    reg, wtd, _, _ = reference(last.iloc[:, :2].to_numpy(), [3, 4], last["m"].to_numpy())
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)


def test_as_of_a_day_with_two_timestamps_takes_the_later(rng):
    index = pd.DatetimeIndex(["2024-03-01 10:00", "2024-03-01 16:00", "2024-03-04 16:00", "2024-03-05 16:00",
                              "2024-03-06 10:00", "2024-03-06 16:00", "2024-03-07 16:00"])  # fmt: skip
    prices, market = random_market(rng, 7, 2)
    holdings = np.tile([10.0, 10.0], (7, 1))
    holdings[4] = [50.0, 1.0]  # the 10:00 row holds otherwise than the close
    result = portfolio_beta(prices, holdings, market, index.to_numpy(), "daily", as_of="2024-03-06")
    assert result.sample.as_of == index[5]
    _, wtd, _, _ = reference(prices, holdings, market, as_of=5)
    assert result.wtd == pytest.approx(wtd, abs=TOL)


def test_a_holding_that_goes_from_long_to_short(rng):
    """A history that sells an asset short mid-sample: trades are flows, a short weight
    is negative, REG is the value series' regression."""
    prices, market = random_market(rng, 120, 3)
    holdings = np.tile([100.0, 50.0, 80.0], (120, 1))
    holdings[40:, 1] = -30.0  # long to short
    holdings[90:, 1] = 10.0  # and back to long
    holdings[70:, 2] = -20.0
    m = excess(market)
    for as_of in (60, 119):
        result = portfolio_beta(prices, holdings, market, as_of=as_of + 1)
        assert result.reg == pytest.approx(statsmodels_fit(value_returns(prices, holdings), m).params[1], abs=TOL)
        _, wtd, _, weights = reference(prices, holdings, market, as_of=as_of)
        assert result.wtd == pytest.approx(wtd, abs=TOL)
        np.testing.assert_allclose(result.weights, weights, rtol=1e-12)
    assert portfolio_beta(prices, holdings, market, as_of=61).weights[1] < 0
    detail = api.gap_detail(prices, holdings, market, as_of=61)
    assert detail.contribution.sum() == pytest.approx(detail.result.gap, abs=1e-12)


def test_a_market_that_moves_on_one_date_only(rng):
    """One market return is not 0: the slope is still OLS's; the up regime has one
    period (no beta), and windows without the move have no beta rather than noise."""
    prices, _ = random_market(rng, 60, 2)
    market = np.full(60, 1000.0)
    market[30:] = 1015.0  # one move, on row 30
    shares = [10, 20]
    result = portfolio_beta(prices, shares, market)
    reg, wtd, _betas, _ = reference(prices, shares, market)
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    stats = api.portfolio_stats(prices, shares, market)
    assert np.isnan(stats.actual.up_beta) and np.isnan(stats.actual.down_beta)
    rolling = api.rolling_portfolio_beta(prices, shares, market, 10)
    m, y = excess(market), excess(prices @ np.array(shares, float))
    for k, end in enumerate(range(10, 60)):  # the window of returns end-10 .. end-1
        window = slice(end - 10, end)
        if 29 in range(end - 10, end):  # return 29 is the move (row 29 to row 30)
            assert rolling.reg[k] == pytest.approx(statsmodels_fit(y[window], m[window]).params[1], abs=1e-9)
        else:
            assert np.isnan(rolling.reg[k]), (k, rolling.reg[k])


def test_the_same_numbers_from_many_threads_at_once():
    """Different calls on different data in 6 threads, 60 calls: each equals, to the bit,
    the same call made alone (the one-BLAS-thread limit is shared by all the calls)."""
    rng = np.random.default_rng(11)
    cases = [random_market(rng, n, k) + (rng.uniform(1, 9, k),) for n, k in ((300, 8), (500, 3), (90, 12))]
    calls = [
        lambda p, m, s: api.portfolio_beta(p, s, m).reg,
        lambda p, m, s: api.portfolio_beta(p, s, m).wtd,
        lambda p, m, s: tuple(api.asset_betas(p, m)[0]),
        lambda p, m, s: api.portfolio_stats(p, s, m).gap_se,
        lambda p, m, s: tuple(api.gap_detail(p, s, m).contribution),
        lambda p, m, s: tuple(api.rolling_portfolio_beta(p, s, m, 60).reg),
    ]
    jobs = [(c, case) for c in range(len(calls)) for case in range(len(cases))] * 3
    alone = {(c, case): calls[c](*cases[case]) for c, case in set(jobs)}
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda job: calls[job[0]](*cases[job[1]]), jobs))
    assert together == [alone[job] for job in jobs]
