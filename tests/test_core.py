"""The core's rules (xl_portbeta.core) on clean arrays, against independent references."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from conftest import random_market
from references import excess, ols_slope, statsmodels_fit

from xl_portbeta import api, core
from xl_portbeta import sample as sample_module

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
    own = weights * (prices[1:] / prices[:-1] - 1)  # each holding's contribution on its own return
    parts = core.holdings_betas(prices, holdings, m, rf)
    np.testing.assert_allclose(parts.asset_betas, [ols_slope(r[:, i], m) for i in range(7)], atol=1e-12)
    np.testing.assert_allclose(parts.contribution_betas, [ols_slope(own[:, i], m) for i in range(7)], atol=1e-12)
    np.testing.assert_allclose(parts.portfolio_returns, (weights * r).sum(axis=1), atol=1e-15)
    if kind.endswith("rf"):
        assert parts.rate_beta == pytest.approx(ols_slope(rf, m), abs=1e-12)
    else:
        assert parts.rate_beta == 0.0


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


def _log_rule(changes, starts, out=None):
    return np.log1p(changes / starts)


def test_the_return_rule_is_written_once(monkeypatch, rng):
    """Change what a return is in core.period_returns alone (to log returns here): asset
    betas, REG, WTD and rolling REG all follow, against OLS of log returns built by hand."""
    monkeypatch.setattr(core, "period_returns", _log_rule)
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


@pytest.mark.parametrize("kind", ["constant", "history with rf"])
def test_every_figure_follows_the_return_rule(monkeypatch, rng, kind):
    """Issue 19: with core.period_returns alone changed (to log returns), the gap, its
    split by holding (which must still sum to it), the statistics and the book follow,
    against log returns built by hand and statsmodels. A holding's contribution to a
    period's return is its share of the holdings' value change."""
    monkeypatch.setattr(core, "period_returns", _log_rule)
    prices, market = random_market(rng, 200, 4)
    holdings = rng.uniform(5, 40, 4)
    annual = 0.0
    if kind != "constant":
        holdings = np.tile(holdings, (200, 1))
        holdings[80:, 1] = 0.0
        holdings[140:, 3] *= 4
        annual = 0.05
    rf = (1 + annual) ** (1 / 252) - 1  # per period (no dates: daily)
    log_excess = lambda x: np.log1p(x[1:] / x[:-1] - 1 - rf)  # noqa: E731
    h = np.broadcast_to(holdings, prices.shape)
    start_values = (h[:-1] * prices[:-1]).sum(axis=1)
    changes = h[:-1] * (prices[1:] - prices[:-1] - rf * prices[:-1])  # each holding's excess value change
    portfolio = np.log1p(changes.sum(axis=1) / start_values)  # the holdings' log excess return
    # a holding's share of the value change, with the rate its weight earns added back
    # (the split is on each holding's own return: issue 20)
    contributions = portfolio[:, None] * changes / changes.sum(axis=1, keepdims=True)
    contributions += rf * h[:-1] * prices[:-1] / start_values[:, None]
    m, r = log_excess(market), np.column_stack([log_excess(prices[:, i]) for i in range(4)])
    betas = np.array([ols_slope(r[:, i], m) for i in range(4)])
    weights = h[-1] * prices[-1] / (h[-1] * prices[-1]).sum()
    reg, wtd = ols_slope(portfolio, m), float(weights @ betas)

    result = api.portfolio_beta(prices, holdings, market, rf=annual)
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    assert result.gap == pytest.approx(reg - wtd, abs=TOL)
    by_hand = [ols_slope(contributions[:, i], m) - weights[i] * betas[i] for i in range(4)]
    np.testing.assert_allclose(result.gap_by_holding, by_hand, atol=TOL)
    detail = api.gap_detail_of(result)
    assert detail.contribution.sum() == pytest.approx(reg - wtd, abs=1e-12)  # the split sums to the gap
    assert (detail.drift + detail.interaction).sum() == pytest.approx(reg - wtd, abs=1e-12)

    stats = api.stats_of(result)
    actual, current = statsmodels_fit(portfolio, m), statsmodels_fit(r @ weights, m)
    drift = statsmodels_fit(portfolio - r @ weights, m)
    assert stats.actual.fit.beta == pytest.approx(reg, abs=TOL)
    assert stats.actual.fit.alpha == pytest.approx(actual.params[0], abs=TOL)
    assert stats.actual.fit.beta_se == pytest.approx(actual.bse[1], abs=TOL)
    assert stats.current.fit.beta == pytest.approx(wtd, abs=TOL)
    assert stats.current.fit.beta_se == pytest.approx(current.bse[1], abs=TOL)
    assert stats.gap_fit.beta == pytest.approx(reg - wtd, abs=TOL)
    assert stats.gap_se == pytest.approx(drift.bse[1], abs=TOL)
    up = m > 0
    assert stats.actual.up_beta == pytest.approx(ols_slope(portfolio[up], m[up]), abs=TOL)

    accounts = np.vstack([h[-1], rng.uniform(1, 9, 4)])  # a book holds constant shares
    book = api.book_betas(prices, accounts, market, rf=annual)
    for k, account in enumerate(accounts):
        y = log_excess(prices @ account)
        w = account * prices[-1] / (account @ prices[-1])
        assert book.reg[k] == pytest.approx(ols_slope(y, m), abs=TOL)
        assert book.wtd[k] == pytest.approx(float(w @ betas), abs=TOL)
        assert book.gap[k] == pytest.approx(ols_slope(y, m) - float(w @ betas), abs=TOL)
        assert book.gap_se[k] == pytest.approx(statsmodels_fit(y - r @ w, m).bse[1], abs=TOL)
    if kind == "constant":  # the book's first account is the portfolio
        assert book.reg[0] == pytest.approx(result.reg, abs=1e-13)


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
    assert fit.conf_int() == pytest.approx(tuple(reference.conf_int()[1]), abs=TOL)  # 95% by default
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


@pytest.mark.parametrize("kind", ["constant", "history"])
def test_average_weights_are_the_mean_of_each_periods_start_weights(rng, kind):
    """Mutation testing: the history's mean divided turned multiplied went unseen."""
    prices, _ = random_market(rng, 40, 3)
    holdings = np.array([5.0, 10.0, 20.0])
    if kind == "history":
        holdings = np.tile(holdings, (40, 1))
        holdings[15:, 0] = 0.0  # sold
        holdings[25:, 2] = 60.0  # bought more
    shares = np.broadcast_to(holdings, prices.shape)
    by_hand = np.zeros(3)
    for t in range(39):  # the 39 return periods start on rows 0 .. 38
        value = shares[t] * prices[t]
        by_hand += value / value.sum() / 39
    np.testing.assert_allclose(core.average_weights(prices, holdings), by_hand, rtol=1e-13)
    assert core.average_weights(prices, holdings).sum() == pytest.approx(1.0, abs=1e-14)


def test_an_annual_return_needs_returns_and_no_wipe_out():
    """-100% in one period wipes out the value: no annual return (not -100% compounded)."""
    assert math.isnan(core.annualized_return(np.array([0.1, -1.0, 0.2]), 12))
    assert math.isnan(core.annualized_return(np.array([0.1, -1.5, 0.2]), 12))
    assert math.isnan(core.annualized_return(np.array([]), 12))
    assert core.annualized_return(np.array([0.1, -0.5]), 2) == pytest.approx(1.1 * 0.5 - 1)


def test_the_cores_results_are_immutable(rng):
    from dataclasses import FrozenInstanceError

    prices, market = random_market(rng, 40, 2)
    m = excess(market)
    fit = core.line_fit(excess(prices[:, 0]), m)
    results = [
        core.holdings_betas(prices, np.array([1.0, 2.0]), m),
        fit,
        fit.annualized(12),
        core.line_fits(excess(prices), m),
        core.beta_stats(excess(prices[:, 0]), m, 12),
        core.book_figures(prices, np.array([[1.0, 2.0]]), m, 0.0, prices[-1]),
    ]
    for result in results:
        with pytest.raises(FrozenInstanceError):
            result.n = 0


def test_without_rf_the_holdings_returns_are_plain_returns(rng):
    prices, _ = random_market(rng, 30, 2)
    assets, holdings = core.asset_and_holdings_returns(prices, np.array([3.0, 1.0]))
    np.testing.assert_allclose(assets, excess(prices), atol=1e-15)
    value = prices @ np.array([3.0, 1.0])
    np.testing.assert_allclose(holdings, excess(value), atol=1e-15)
    parts = core.holdings_betas(prices, np.array([3.0, 1.0]), excess(prices[:, 0]))
    np.testing.assert_allclose(parts.portfolio_returns, excess(value), atol=1e-15)


def test_a_period_without_market_return_is_in_neither_regime(rng):
    """Periods with a market excess return of exactly 0 belong to neither the up nor the
    down market (a flat day is not a down day)."""
    m = rng.normal(0, 0.01, 120)
    m[::7] = 0.0  # flat days
    y = 1.2 * m + rng.normal(0, 0.004, 120)
    y[::7] = rng.normal(0, 0.02, len(y[::7]))  # what the portfolio does on them must not count
    stats = core.beta_stats(y, m, 252)
    assert stats.down_beta == pytest.approx(statsmodels_fit(y[m < 0], m[m < 0]).params[1], abs=TOL)
    assert stats.up_beta == pytest.approx(statsmodels_fit(y[m > 0], m[m > 0]).params[1], abs=TOL)
    down_by_hand = np.expm1(np.log1p(y[m < 0]).mean() * 252) / np.expm1(np.log1p(m[m < 0]).mean() * 252)
    assert stats.down_capture == pytest.approx(down_by_hand, rel=1e-12)


def test_an_exact_fit_has_no_t_statistic_in_the_fits_of_many_series():
    m = np.array([0.25, 0.5, -0.25, 0.5])  # binary fractions: the fit is exact in floats too
    fits = core.line_fits(np.c_[2 * m, 2 * m + 0.5], m)  # a standard error of 0
    np.testing.assert_array_equal(fits.beta_se, [0.0, 0.0])
    assert np.isnan(fits.t_stat).all()


def test_a_near_perfect_fit_keeps_its_standard_errors_digits(rng):
    """R² = 1 - 1e-12: SST - beta² Sxx would keep 4 digits of SSR; the residuals keep them all."""
    m = rng.normal(0, 0.01, 200)
    y = 1.5 * m + rng.normal(0, 1e-8, 200)
    fit, reference = core.line_fit(y, m), statsmodels_fit(y, m)
    assert fit.beta_se == pytest.approx(reference.bse[1], rel=1e-7)
    assert fit.residual_std == pytest.approx(math.sqrt(reference.scale), rel=1e-7)


def test_the_timing_ratio_is_up_over_down_beta_also_for_a_down_beta_of_1(rng):
    from dataclasses import replace

    m = rng.normal(0, 0.01, 60)
    stats = core.beta_stats(1.1 * m + rng.normal(0, 0.003, 60), m, 252)
    assert replace(stats, up_beta=1.3, down_beta=1.0).timing_ratio == 1.3
    assert math.isnan(replace(stats, down_beta=0.0).timing_ratio)


def test_a_book_account_worth_0_on_a_date_is_not_valid(rng):
    """Long one asset, short another worth 10 less: positive on every date but one (or
    but the date of the weights), where it is worth exactly 0."""
    base, market = random_market(rng, 20, 1)
    prices = np.c_[base[:, 0] + 10.0, base[:, 0]]
    holdings = np.array([[1.0, 1.0], [1.0, -1.0]])
    m = excess(market)
    assert core.book_figures(prices, holdings, m, 0.0, prices[-1]).valid.all()
    zero_once = prices.copy()
    zero_once[3, 0] = zero_once[3, 1]
    figures = core.book_figures(zero_once, holdings, m, 0.0, zero_once[-1])
    np.testing.assert_array_equal(figures.valid, [True, False])
    assert np.isnan(figures.reg[1]) and np.isfinite(figures.reg[0])
    at_weights = core.book_figures(prices, holdings, m, 0.0, np.array([5.0, 5.0]))
    np.testing.assert_array_equal(at_weights.valid, [True, False])
    assert np.isnan(at_weights.wtd[1])


def test_a_book_of_more_accounts_than_one_block(rng):
    """1,030 accounts: two blocks of accounts, each account once, in order."""
    prices, market = random_market(rng, 30, 3)
    holdings = rng.uniform(1, 10, (1030, 3))
    m = excess(market)
    figures = core.book_figures(prices, holdings, m, 0.0, prices[-1])
    assert len(figures.reg) == 1030 and figures.valid.all()
    for k in (0, 1023, 1024, 1029):
        assert figures.reg[k] == pytest.approx(statsmodels_fit(excess(prices @ holdings[k]), m).params[1], abs=1e-12)


def _regime_history(rng, calm_first: bool, high: float, low: float, n: int = 901, change: int = 400):
    """Prices of 3 assets and a market whose daily moves change from ``high`` to ``low``
    (or the other way round) at row ``change``."""
    scale = np.where(np.arange(n - 1) < change, low if calm_first else high, high if calm_first else low)
    m = 0.001 * (scale == high) + rng.normal(0, 1, n - 1) * scale
    r = 0.8 * m[:, None] + rng.normal(0, 1, (n - 1, 3)) * scale[:, None]
    prices = 100 * np.cumprod(np.vstack([np.ones(3), 1 + r]), axis=0)
    return prices, 1000 * np.cumprod(np.append(1, 1 + m))


@pytest.mark.parametrize("calm_first, high, low", [(False, 0.02, 0.00005), (False, 0.01, 1e-7), (True, 0.01, 1e-7)])
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


@pytest.mark.parametrize("n_assets", [1, 3, 20])  # wider than 16 columns: running sums a row at a time
def test_core_rolling_betas_equal_np_polyfit_window_by_window(rng, n_assets):
    """core.rolling_moments, rolling_asset_betas and rolling_weighted_beta on their own
    (the API blanks flat windows on top), over 2.5 blocks of windows and a last short block."""
    window, n = 30, 30 * 3 - 7
    m = rng.normal(0.0005, 0.01, n)
    r = 0.3 + 0.5 * np.arange(n_assets) * m[:, None] + rng.normal(0, 0.01, (n, n_assets))  # far from 0: big sums
    ends = range(window, n + 1)
    ref = np.array([[np.polyfit(m[e - window : e], r[e - window : e, i], 1)[0] for i in range(n_assets)] for e in ends])
    np.testing.assert_allclose(core.rolling_asset_betas(r, m, window), ref, rtol=1e-10, atol=1e-12)
    codev, squares = core.rolling_moments(r[:, :1], m, window)  # as api.rolling_of has REG's
    np.testing.assert_allclose(codev[:, 0] / squares, ref[:, 0], rtol=1e-10, atol=1e-12)
    end_prices = rng.uniform(10, 100, (len(ref), n_assets))
    for end_holdings in (rng.uniform(-1, 3, n_assets), rng.uniform(1, 3, (len(ref), n_assets))):
        values = end_prices * end_holdings
        ref_wtd = (values * ref).sum(axis=1) / values.sum(axis=1)
        wtd = core.rolling_weighted_beta(r, m, end_prices, end_holdings, window)
        np.testing.assert_allclose(wtd, ref_wtd, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("start", [0, 17, 30, 41])  # the stretch in the first block, at a block's start, across two
def test_flat_windows_are_those_whose_market_varies_by_rounding_only(rng, start):
    """A window is flat when its market returns' root mean square deviation is at most
    core.resolution: deviations of +/-0.5 of it are flat, of +/-2 of it are not."""
    window = 10
    for size, flat in ((0.5, True), (2.0, False)):
        m = rng.uniform(-0.02, 0.02, 80)
        m[-1] = 0.05  # the largest |m|, which sets the resolution
        res = core.resolution(m)
        m[start : start + window] = 0.005 + size * res * np.tile([1.0, -1.0], window // 2)
        assert core.resolution(m) == res  # max |m| unchanged
        expected = np.zeros(80 - window + 1, dtype=bool)
        expected[start] = flat
        np.testing.assert_array_equal(core.flat_windows(m, window), expected)
        _, squares = core.rolling_moments(np.empty((80, 0)), m, window)
        np.testing.assert_array_equal(core.flat_windows(m, window, squares), expected)


def test_window_blocks_are_immutable_results(rng):
    block = next(core.window_blocks(rng.normal(0, 1, (12, 2)), rng.normal(0, 1, 12), 4))
    with pytest.raises(dataclasses.FrozenInstanceError):
        block.shift = 1.0


def test_core_functions_take_array_likes_with_the_numbers_of_float_arrays(rng):
    """core is a public layer (like empyrical's stats.py): nested lists and int arrays are
    read as floats, never an error or integer arithmetic."""
    prices = rng.integers(50, 150, size=(40, 3))  # whole prices and share counts
    holdings = np.array([3, 1, 2])
    history = np.tile(holdings, (40, 1))
    market = np.diff(rng.integers(900, 1100, size=41)) / 1000.0
    rf = np.full(39, 1e-4)
    as_floats = prices.astype(float)
    # changes in the float array's result: int arithmetic or an unconverted list would fail here
    assert np.allclose(core.excess_returns(prices), np.diff(as_floats, axis=0) / as_floats[:-1], rtol=0, atol=1e-15)
    assert np.allclose(
        core.excess_returns(prices.tolist(), rf.tolist()),
        np.diff(as_floats, axis=0) / as_floats[:-1] - rf[:, None],
        rtol=0,
        atol=1e-15,
    )
    changes, starts = np.diff(as_floats, axis=0), as_floats[:-1]
    assert np.array_equal(core.excess_changes(changes, starts, rf.tolist()), changes - rf[:, None] * starts)
    for h in (holdings, history):
        ints, floats = (
            core.asset_and_holdings_returns(prices, h.tolist()),
            core.asset_and_holdings_returns(as_floats, h.astype(float)),
        )
        assert all(np.array_equal(a, b) for a, b in zip(ints, floats))
        ints = core.holdings_betas(prices.tolist(), h.tolist(), market[1:].tolist())
        floats = core.holdings_betas(as_floats, h.astype(float), market[1:])
        assert all(
            np.array_equal(getattr(ints, k), getattr(floats, k))
            for k in ("asset_betas", "contribution_betas", "portfolio_returns")
        )
        assert np.array_equal(
            core.average_weights(as_floats, h.tolist()), core.average_weights(as_floats, h.astype(float))
        )
    assert np.array_equal(core.centred([1, 2, 6]), [-2.0, -1.0, 3.0])
    assert np.array_equal(core.drift_returns([0.01, 0.02, -0.01], [0.0, 0.0, 0.0]), [0.01, 0.02, -0.01])
    assert core.annualized_return([0.1, 0.1], 2) == pytest.approx(0.21, abs=1e-15)
    assert core.annualized_return([1, 0], 2) == pytest.approx(1.0, abs=1e-15)  # int returns: ((1 + 1)(1 + 0))^(2/2) - 1


@pytest.mark.parametrize("module", [core, sample_module])
def test_all_names_the_public_api_and_only_what_exists(module):
    """``__all__`` is the module's public API (``from xl_portbeta.core import *``): core's
    names every public function and class defined there; sample's is its one entry point
    and result (its steps are documented as build_sample's, not exported)."""
    names = module.__all__
    assert len(set(names)) == len(names)
    assert all(hasattr(module, n) and not n.startswith("_") for n in names)
    defined = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_") and callable(v) and getattr(v, "__module__", None) == module.__name__
    }
    if module is core:
        assert defined <= set(names) and {"PERIODS_PER_YEAR", "MIN_REGIME_RETURNS", "BLUME_WEIGHT"} <= set(names)
    else:
        assert set(names) == {"Sample", "build_sample", "MIN_RETURNS"}


def test_the_markets_own_treynor_ratio_is_its_annual_return(rng):
    """The market's beta on itself is 1, so its Treynor ratio is its annualized excess return."""
    m = rng.normal(0.0004, 0.01, 250)
    stats = core.beta_stats(m, m, 252)
    assert stats.fit.beta == pytest.approx(1.0, abs=1e-14)
    assert stats.treynor_ratio == pytest.approx(stats.annual_return, rel=1e-13)
    assert stats.treynor_ratio == pytest.approx(core.annualized_return(m, 252), rel=1e-12)


def test_rebalanced_returns_are_the_weighted_excess_returns_block_by_block(rng):
    """core.rebalanced_returns (PORTBETA_STATS' current weights) against the weighted sum of
    excess_returns' columns, across block edges (256 periods) and with a per-period rf."""
    for n_rows in (2, 257, 600):
        prices, _ = random_market(rng, n_rows, 4)
        weights = np.array([0.5, -0.2, 0.4, 0.3])
        rf = rng.uniform(0, 0.0002, n_rows - 1)
        for rate in (0.0, rf):
            expected = (prices[1:] / prices[:-1] - 1 - np.reshape(rate, (-1, 1))) @ weights
            found = core.rebalanced_returns(prices, weights, rate)
            np.testing.assert_allclose(found, expected, rtol=0, atol=1e-15)
            assert np.array_equal(found, np.einsum("tn,n->t", core.excess_returns(prices, rate), weights))


def test_beta_standard_errors_a_block_at_a_time_equal_statsmodels(rng):
    """Over more periods than a block (two passes of blocks), with a moving rf and a
    near-perfect fit whose SSR would cancel in SST - b² Sxx."""
    m = rng.normal(0.0004, 0.01, 700)
    r = np.column_stack([1.2 * m + rng.normal(0, 0.01, 700), 0.8 * m + rng.normal(0, 1e-9, 700)])
    prices = np.vstack([[10.0, 20.0], [10.0, 20.0] * np.cumprod(1 + r, axis=0)])
    market = np.concatenate([[100.0], 100 * np.cumprod(1 + m)])
    rf = rng.uniform(0, 1e-4, 700)
    returns, market_returns = core.excess_returns(prices, rf), core.excess_returns(market, rf)
    betas = core.betas(returns, market_returns)
    got = core.beta_standard_errors(prices, market_returns, betas, rf)
    expected = [statsmodels_fit(returns[:, i], market_returns).bse[1] for i in range(2)]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0)
    assert np.isnan(core.beta_standard_errors(prices, market_returns, np.array([np.nan, 0.8]), rf)[0])


def _gap_parts_by_hand(prices, holdings, market, rf_period, as_of=-1):
    """BETA_GAP_DETAIL's parts from README's formulas, in pandas: each holding's own
    return r_i,t, the market's excess return m_t,
    contribution = cov((w_i,t-1 - w_i,as_of) r_i,t, m_t) / var(m),
    drift = (average w_i - w_i,as_of) cov(r_i, m) / var(m), interaction the rest."""
    prices = pd.DataFrame(prices, columns=list("ABCD"))
    held = pd.DataFrame(np.broadcast_to(holdings, prices.shape), columns=prices.columns)
    value = held * prices
    weights = value.div(value.sum(axis=1), axis=0)
    start_weights = weights.iloc[:-1].reset_index(drop=True)
    r = prices.pct_change().iloc[1:].reset_index(drop=True)
    rf = pd.Series(np.broadcast_to(rf_period, len(r)))
    m = pd.Series(market).pct_change().iloc[1:].reset_index(drop=True) - rf
    as_of_weights = weights.iloc[as_of]
    var_m = m.var()
    contribution = pd.Series({c: ((start_weights[c] - as_of_weights[c]) * r[c]).cov(m) / var_m for c in r})
    own_betas = pd.Series({c: r[c].cov(m) / var_m for c in r})
    drift = (start_weights.mean() - as_of_weights) * own_betas
    reg = (r * start_weights).sum(axis=1).sub(rf).cov(m) / var_m
    wtd = (as_of_weights * pd.Series({c: (r[c] - rf).cov(m) / var_m for c in r})).sum()
    return contribution, drift, contribution - drift, reg - wtd


@pytest.mark.parametrize("rf_kind", ["constant", "per row"])
def test_a_constant_rf_moves_no_holdings_part_of_the_gap(rng, rf_kind):
    """Issue 20: BETA_GAP_DETAIL's contribution, drift and interaction of each holding are
    computed on its own return (README's formula), so a constant rf leaves each of them
    unchanged (before, the drift weights times rf moved them), and they still sum to the
    gap, against pandas' covariances of the hand-built series. A per-row rf moves the
    parts as the market's excess returns move, and they still sum to the gap."""
    prices, market = random_market(rng, 160, 4)
    holdings = np.tile(rng.uniform(5, 40, 4), (160, 1))
    holdings[60:, 0] *= 3  # trades: the weights drift apart from the as_of weights
    holdings[110:, 2] = 0.0
    holdings[130:, 3] *= 0.2
    base = api.gap_detail(prices, holdings, market)
    if rf_kind == "constant":
        annual, rf_period = 0.05, (1.05) ** (1 / 252) - 1
    else:
        annual = rng.uniform(0.0, 0.08, 160)
        rf_period = ((1 + annual) ** (1 / 252) - 1)[:-1]  # a row's rate applies to the period it starts
    detail = api.gap_detail(prices, holdings, market, rf=annual.reshape(-1, 1) if rf_kind != "constant" else annual)
    contribution, drift, interaction, gap = _gap_parts_by_hand(prices, holdings, market, rf_period)
    np.testing.assert_allclose(detail.contribution, contribution, atol=1e-12)
    np.testing.assert_allclose(detail.drift, drift, atol=1e-12)
    np.testing.assert_allclose(detail.interaction, interaction, atol=1e-12)
    assert detail.result.gap == pytest.approx(gap, abs=1e-12)
    assert detail.contribution.sum() == pytest.approx(detail.result.gap, abs=1e-13)
    assert (detail.drift + detail.interaction).sum() == pytest.approx(detail.result.gap, abs=1e-13)
    if rf_kind == "constant":
        for part in ("contribution", "drift", "interaction"):
            np.testing.assert_allclose(getattr(detail, part), getattr(base, part), rtol=0, atol=1e-13)
        moved = np.abs(contribution - _gap_parts_by_hand(prices, holdings, market, 0.0)[0]).max()
        assert moved < 1e-13  # the reference agrees: nothing of it depends on a constant rf
        assert np.abs(np.diff(holdings, axis=0)).sum() > 0  # ... though the weights drift


def exact_fit(y, m):
    """OLS slope, intercept, standard error and R² in exact rational arithmetic (float's
    inputs as they are): the reference where the floats' own methods differ in the 11th digit."""
    from fractions import Fraction

    ys, ms = [Fraction(v) for v in y.tolist()], [Fraction(v) for v in m.tolist()]
    n = len(ys)
    y_bar, m_bar = sum(ys) / n, sum(ms) / n
    sxy = sum((a - m_bar) * (b - y_bar) for a, b in zip(ms, ys, strict=True))
    sxx = sum((a - m_bar) ** 2 for a in ms)
    syy = sum((b - y_bar) ** 2 for b in ys)
    beta = sxy / sxx
    ssr = syy - beta * sxy
    return float(beta), float(y_bar - beta * m_bar), math.sqrt(ssr / (n - 2) / sxx), float(1 - ssr / syy)


def test_fits_of_returns_and_of_levels_far_from_zero_keep_their_digits(rng):
    """line_fits takes SST as ``sum y^2 - n mean^2`` where the mean is small beside the
    spread (returns) and centres the other columns (a level of 1e4 that moves by 1e-2
    would keep no digit of SST the first way): every column's figures equal the exact
    ones to 1e-13 (statsmodels' own fit of the level column is 1e-11 off them)."""
    m = rng.normal(0.0005, 0.01, 500)
    y = np.c_[
        1.2 * m + rng.normal(0, 0.01, 500),  # returns
        1e4 + 0.8 * m + rng.normal(0, 0.01, 500),  # mean 1e4, spread 1e-2
        0.05 + 0.3 * m + rng.normal(0, 0.01, 500),  # mean 5x the spread
    ]
    fits = core.line_fits(y, m)
    for k in range(3):
        beta, alpha, beta_se, r_squared = exact_fit(y[:, k], m)
        assert fits.beta[k] == pytest.approx(beta, rel=1e-13)
        assert fits.alpha[k] == pytest.approx(alpha, rel=1e-13)
        assert fits.beta_se[k] == pytest.approx(beta_se, rel=1e-13)
        assert fits.r_squared[k] == pytest.approx(r_squared, rel=1e-13)
