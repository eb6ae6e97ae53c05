"""The core's rules (xl_portbeta.core) on clean arrays, against independent references."""


import math

import numpy as np
import pytest

from xl_portbeta import api, core

from conftest import random_market
from references import excess, ols_slope, statsmodels_fit

TOL = 1e-10


@pytest.mark.parametrize("kind", ["constant", "history", "history with rf"])
def test_one_pass_betas_equal_betas_of_explicit_contributions(rng, kind):
    """core.holdings_betas (blocks, no T x N arrays) against the matrices written out."""

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


def test_up_down_downside_betas_from_their_definitions(rng):
    prices, market = random_market(rng, 300, 3)
    stats = api.portfolio_stats(prices, [10, 20, 30], market)
    m = excess(market)
    y = excess((prices * [10, 20, 30]).sum(axis=1))
    up, down = m > 0, m < 0
    assert stats.actual.up_beta == pytest.approx(statsmodels_fit(y[up], m[up]).params[1], abs=TOL)
    assert stats.actual.down_beta == pytest.approx(statsmodels_fit(y[down], m[down]).params[1], abs=TOL)
    assert stats.actual.timing_ratio == pytest.approx(stats.actual.up_beta / stats.actual.down_beta, rel=1e-12)
    # Estrada (2002): E[min(r - mu_r, 0) min(m - mu_m, 0)] / E[min(m - mu_m, 0)^2], by loop
    num = sum(min(a - y.mean(), 0) * min(b - m.mean(), 0) for a, b in zip(y, m))
    den = sum(min(b - m.mean(), 0) ** 2 for b in m)
    assert stats.actual.downside_beta == pytest.approx(num / den, abs=TOL)


def test_the_return_rule_is_written_once(monkeypatch, rng):
    """Change what a return is in core.period_returns alone (to log returns here): asset
    betas, REG, WTD and rolling REG all follow, against OLS of log returns built by hand."""
    monkeypatch.setattr(core, "period_returns", lambda changes, starts, out=None: np.log1p(changes / starts))
    prices, market = random_market(rng, 120, 3)
    shares = np.array([10.0, 20.0, 30.0])
    log = lambda x: np.diff(np.log(x), axis=0)  # noqa: E731
    m = log(market)
    result = api.portfolio_beta(prices, shares, market)
    betas = [ols_slope(log(prices[:, i]), m) for i in range(3)]
    np.testing.assert_allclose(result.asset_betas, betas, atol=TOL)
    np.testing.assert_allclose(api.asset_betas(prices, market)[0], betas, atol=TOL)
    assert result.reg == pytest.approx(ols_slope(log(prices @ shares), m), abs=TOL)
    assert result.wtd == pytest.approx(float(result.weights @ betas), abs=TOL)
    rolling = api.rolling_portfolio_beta(prices, shares, market, 119)
    assert rolling.reg[-1] == pytest.approx(result.reg, abs=1e-9)


def test_excess_returns_and_the_per_period_rate(rng):
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.01, (30, 2)), axis=0)
    annual = rng.uniform(0, 0.06, 29)
    rf = core.per_period_rate(annual, 12)
    np.testing.assert_allclose(rf, (1 + annual) ** (1 / 12) - 1, rtol=1e-15)
    np.testing.assert_allclose(core.excess_returns(prices, rf), prices[1:] / prices[:-1] - 1 - rf[:, None], atol=1e-15)
    np.testing.assert_allclose(core.excess_returns(prices[:, 0]), prices[1:, 0] / prices[:-1, 0] - 1, atol=1e-15)


def test_a_holding_without_weight_counts_nothing_even_with_an_unknown_beta():
    assert core.weighted_beta(np.array([0.25, 0.75, 0.0]), np.array([2.0, 1.0, np.nan])) == pytest.approx(1.25)
    np.testing.assert_array_equal(core.weighted_terms(np.array([0.0, 1.0]), np.array([np.nan, 3.0])), [0.0, 3.0])


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
def test_fit_figures_derived_from_the_fit_match_statsmodels(rng, alpha):
    m = rng.normal(0, 0.01, 80)
    y = 0.0003 + 1.3 * m + rng.normal(0, 0.005, 80)
    fit, reference = core.line_fit(y, m), statsmodels_fit(y, m)
    low, high = reference.conf_int(alpha=alpha)[1]
    assert fit.conf_int(alpha) == pytest.approx((low, high), abs=TOL)
    annual = fit.annualized(52)
    assert annual.alpha == pytest.approx((1 + reference.params[0]) ** 52 - 1, abs=TOL)
    assert annual.residual_std == pytest.approx(math.sqrt(reference.scale * 52), abs=TOL)
    assert fit.blume_beta == pytest.approx(0.67 * reference.params[1] + 0.33, abs=TOL)


def test_a_regime_needs_three_periods_and_a_moving_market():
    m = np.array([0.01, 0.02, -0.01, 0.03, -0.02])
    y = 2 * m
    assert core.regime_beta(y, m, m > 0) == pytest.approx(2.0)
    assert math.isnan(core.regime_beta(y, m, m < 0))  # two down periods
    flat = np.array([0.01, 0.01, 0.01, -0.02])
    assert math.isnan(core.regime_beta(2 * flat, flat, flat > 0))  # three up periods, all alike


def test_an_alpha_of_minus_100_percent_or_less_has_no_annual_alpha():
    """Regression (issue 14): -300% a period showed a huge positive annual alpha."""
    fit = core.LineFit(alpha=-3.0, beta=1.0, beta_se=0.1, r_squared=0.5, residual_std=0.01, n=30)
    assert math.isnan(fit.annualized(12).alpha)
    assert math.isnan(core.LineFit(-1.0, 1.0, 0.1, 0.5, 0.01, 30).annualized(12).alpha)
    assert core.LineFit(-0.5, 1.0, 0.1, 0.5, 0.01, 30).annualized(2).alpha == pytest.approx(-0.75)


def _regime_history(rng, calm_first: bool, high: float, low: float, n: int = 901, change: int = 400):
    """Prices of 3 assets and a market whose daily moves change from ``high`` to ``low``
    (or the other way round) at row ``change``."""
    scale = np.where(np.arange(n - 1) < change, low if calm_first else high, high if calm_first else low)
    m = 0.001 * (scale == high) + rng.normal(0, 1, n - 1) * scale
    r = 0.8 * m[:, None] + rng.normal(0, 1, (n - 1, 3)) * scale[:, None]
    prices = 100 * np.cumprod(np.vstack([np.ones(3), 1 + r]), axis=0)
    return prices, 1000 * np.cumprod(np.append(1, 1 + m))


@pytest.mark.parametrize(
    "calm_first, high, low", [(False, 0.02, 0.00005), (False, 0.01, 1e-7), (True, 0.01, 1e-7)]
)
def test_rolling_betas_keep_their_digits_after_a_change_of_volatility(rng, calm_first, high, low):
    """Issue 14: running sums from row 0 carried a volatile past into every calm window
    (1% then 1e-7 a day: a relative error of 1e-4). Against np.polyfit window by window."""
    prices, market = _regime_history(rng, calm_first, high, low)
    window, shares = 120, np.array([1.0, 2.0, 3.0])
    rolling = api.rolling_portfolio_beta(prices, shares, market, window)
    assets = api.rolling_asset_betas(prices, market, window).betas
    r, m = excess(prices), excess(market)
    y = excess(prices @ shares)
    ends = range(window, len(m) + 1)
    ref_reg = np.array([np.polyfit(m[e - window : e], y[e - window : e], 1)[0] for e in ends])
    ref_assets = np.array([[np.polyfit(m[e - window : e], r[e - window : e, i], 1)[0] for i in range(3)] for e in ends])
    value = prices[window:] * shares
    ref_wtd = ((value / value.sum(axis=1, keepdims=True)) * ref_assets).sum(axis=1)
    np.testing.assert_allclose(rolling.reg, ref_reg, rtol=1e-9)
    np.testing.assert_allclose(rolling.wtd, ref_wtd, rtol=1e-9)
    np.testing.assert_allclose(assets, ref_assets, rtol=1e-9)
