"""REG, WTD, GAP and asset betas against independent references.

The references are built here from first principles (portfolio value series, explicit
excess returns) and regressed with statsmodels OLS (constant added, y = asset, x = market),
or derived exactly with fractions; never from xl_portbeta's own intermediate arrays.
"""

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from xl_portbeta import asset_betas, portfolio_beta
from xl_portbeta.datasets import demo_portfolio, load_sp500

from conftest import random_market

TOL = 1e-10


def ols_slope(y, x):
    """statsmodels OLS slope of y on x, with intercept."""
    return sm.OLS(np.asarray(y, float), sm.add_constant(np.asarray(x, float))).fit().params[1]


def value_returns(prices, holdings):
    """Returns of the holdings held at each period's start: a value series, by hand."""
    prices, holdings = np.asarray(prices, float), np.asarray(holdings, float)
    if holdings.ndim == 1:
        holdings = np.broadcast_to(holdings, prices.shape)
    start_value = (holdings[:-1] * prices[:-1]).sum(axis=1)
    end_value = (holdings[:-1] * prices[1:]).sum(axis=1)
    return end_value / start_value - 1


def reference(prices, holdings, market, as_of=-1, rf_period=0.0):
    """(REG, WTD, asset betas, weights) from statsmodels on hand-built returns."""
    prices, market = np.asarray(prices, float), np.asarray(market, float)
    holdings = np.broadcast_to(np.asarray(holdings, float), prices.shape)
    m = market[1:] / market[:-1] - 1 - rf_period
    betas = np.array([ols_slope(prices[1:, i] / prices[:-1, i] - 1 - rf_period, m) for i in range(prices.shape[1])])
    value = holdings[as_of] * prices[as_of]
    weights = value / value.sum()
    reg = ols_slope(value_returns(prices, holdings) - rf_period, m)
    return reg, float(weights @ betas), betas, weights


# --------------------------------------------------------------------- the worked example


def exact_slope(y, x):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)


def test_two_bond_example_matches_exact_rational_arithmetic(bonds):
    """Every figure derived with fractions: no floating point in the reference."""
    a, b, m = ([Fraction(v) for v in bonds[k]] for k in ("bond_a", "bond_b", "market"))
    ha, hb = (Fraction(v) for v in bonds["shares"])
    ret = lambda s: [s[t] / s[t - 1] - 1 for t in range(1, len(s))]  # noqa: E731
    value = [ha * pa + hb * pb for pa, pb in zip(a, b)]
    reg = exact_slope(ret(value), ret(m))
    beta_a, beta_b = exact_slope(ret(a), ret(m)), exact_slope(ret(b), ret(m))
    w_a = ha * a[-1] / value[-1]
    wtd = w_a * beta_a + (1 - w_a) * beta_b

    result = portfolio_beta(np.column_stack([bonds["bond_a"], bonds["bond_b"]]), bonds["shares"], bonds["market"])
    assert result.reg == pytest.approx(float(reg), abs=1e-13)
    assert result.wtd == pytest.approx(float(wtd), abs=1e-13)
    assert result.gap == pytest.approx(float(reg - wtd), abs=1e-13)
    assert result.asset_betas == pytest.approx([float(beta_a), float(beta_b)], abs=1e-13)
    assert result.weights == pytest.approx([float(w_a), float(1 - w_a)], abs=1e-15)
    # The textbook number is off by about 0.09 here: the gap is real, not rounding.
    assert abs(result.gap) > 0.05


# --------------------------------------------------------------------- statsmodels oracle


@pytest.mark.parametrize("n_rows,n_assets", [(30, 1), (60, 3), (260, 12)])
def test_random_portfolios_match_statsmodels(rng, n_rows, n_assets):
    prices, market = random_market(rng, n_rows, n_assets)
    shares = rng.uniform(-20, 100, n_assets)
    shares[0] = 500  # keep the net value positive with shorts
    result = portfolio_beta(prices, shares, market)
    reg, wtd, betas, weights = reference(prices, shares, market)
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    assert result.gap == pytest.approx(reg - wtd, abs=TOL)
    np.testing.assert_allclose(result.asset_betas, betas, rtol=0, atol=TOL)
    np.testing.assert_allclose(result.weights, weights, rtol=0, atol=1e-14)
    only, _ = asset_betas(prices, market)
    np.testing.assert_allclose(only, betas, rtol=0, atol=TOL)


def test_holdings_history_matches_value_reconciliation(rng):
    """Trades are not returns: the period return uses the holdings at its start."""
    prices, market = random_market(rng, 120, 3)
    holdings = np.tile([100.0, 50.0, 0.0], (120, 1))
    holdings[40:, 0] = 300.0  # buy more of asset 1
    holdings[70:, 1] = 0.0  # sell asset 2
    holdings[70:, 2] = 80.0  # buy asset 3
    result = portfolio_beta(prices, holdings, market, as_of=60)
    reg, wtd, _, weights = reference(prices, holdings, market, as_of=59)
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    np.testing.assert_allclose(result.weights, weights, atol=1e-14)
    assert result.sample.as_of == 60  # the row number of prices, counted from 1


def test_real_data_matches_statsmodels():
    prices, shares, market = demo_portfolio()
    result = portfolio_beta(prices, shares, market, prices.index.to_numpy())
    reg, wtd, betas, _ = reference(prices.to_numpy(), shares, market.to_numpy())
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    np.testing.assert_allclose(result.asset_betas, betas, rtol=0, atol=TOL)
    assert result.names == tuple(prices.columns)
    assert result.sample.n_returns == len(prices) - 1


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


# --------------------------------------------------------------------- identities


def test_constant_weight_portfolio_regression_beta_equals_wtd(rng):
    prices, market = random_market(rng, 200, 6)
    result = portfolio_beta(prices, rng.uniform(1, 50, 6), market)
    asset_returns = prices[1:] / prices[:-1] - 1
    rebalanced = asset_returns @ result.weights
    assert ols_slope(rebalanced, market[1:] / market[:-1] - 1) == pytest.approx(result.wtd, abs=TOL)


def test_gap_terms_sum_to_the_gap(rng):
    prices, market = random_market(rng, 150, 5)
    shares = rng.uniform(1, 50, 5)
    result = portfolio_beta(prices, shares, market, as_of=70)
    values = shares * prices
    w = values / values.sum(axis=1, keepdims=True)
    r = prices[1:] / prices[:-1] - 1
    m = market[1:] / market[:-1] - 1
    terms = [np.cov((w[:-1, i] - w[69, i]) * r[:, i], m)[0, 1] / np.var(m, ddof=1) for i in range(5)]
    np.testing.assert_allclose(result.gap_by_holding, terms, atol=1e-12)
    assert sum(terms) == pytest.approx(result.gap, abs=1e-12)


def test_scaling_shares_or_prices_changes_nothing(rng):
    prices, market = random_market(rng, 90, 4)
    shares = rng.uniform(1, 50, 4)
    base = portfolio_beta(prices, shares, market)
    for scaled in (
        portfolio_beta(prices, shares * 1000, market),
        portfolio_beta(prices * 0.01, shares, market),
        portfolio_beta(prices, shares, market * 7),
    ):
        assert scaled.reg == pytest.approx(base.reg, abs=1e-12)
        assert scaled.wtd == pytest.approx(base.wtd, abs=1e-12)
        np.testing.assert_allclose(scaled.weights, base.weights, atol=1e-14)


def test_constant_rf_changes_no_beta(rng):
    prices, market = random_market(rng, 120, 3)
    base = portfolio_beta(prices, [1, 2, 3], market)
    with_rf = portfolio_beta(prices, [1, 2, 3], market, rf=0.05)
    assert with_rf.reg == pytest.approx(base.reg, abs=1e-12)
    assert with_rf.wtd == pytest.approx(base.wtd, abs=1e-12)
    np.testing.assert_allclose(with_rf.asset_betas, base.asset_betas, atol=1e-12)


def test_result_is_immutable(bonds):
    result = portfolio_beta(np.column_stack([bonds["bond_a"], bonds["bond_b"]]), bonds["shares"], bonds["market"])
    with pytest.raises(Exception):
        result.reg = 0.0
    with pytest.raises(ValueError):
        result.weights[0] = 0.5


@pytest.mark.parametrize("kind", ["constant", "history", "history with rf"])
def test_one_pass_betas_equal_betas_of_explicit_contributions(rng, kind):
    """core.holdings_betas (blocks, no T x N arrays) against the matrices written out."""
    from xl_portbeta import core

    prices, market = random_market(rng, 700, 7)  # several blocks of periods
    holdings = rng.uniform(1, 50, 7)
    if kind != "constant":
        holdings = np.tile(holdings, (700, 1))
        holdings[300:, 2] = 0.0
        holdings[450:, 5] *= 3
    rf = rng.uniform(0, 2e-4, 699) if kind.endswith("rf") else np.zeros(699)
    m = market[1:] / market[:-1] - 1 - rf
    start = np.broadcast_to(holdings, prices.shape)[:-1] * prices[:-1]
    weights = start / start.sum(axis=1, keepdims=True)
    r = prices[1:] / prices[:-1] - 1 - rf[:, None]
    contributions = weights * r
    parts = core.holdings_betas(prices, holdings, m, rf)
    np.testing.assert_allclose(parts.asset_betas, [ols_slope(r[:, i], m) for i in range(7)], atol=1e-12)
    np.testing.assert_allclose(
        parts.contribution_betas, [ols_slope(contributions[:, i], m) for i in range(7)], atol=1e-12
    )
    np.testing.assert_allclose(parts.portfolio_returns, contributions.sum(axis=1), atol=1e-15)


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
