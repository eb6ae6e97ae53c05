"""PORTBETA_STATS, BETA_GAP_DETAIL and PORTBETA_ROLLING against independent references."""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from xl_portbeta import api, udfs
from xl_portbeta.datasets import demo_portfolio

from conftest import random_market

TOL = 1e-10


def excess(prices_or_values, rf_period=0.0):
    x = np.asarray(prices_or_values, float)
    return x[1:] / x[:-1] - 1 - rf_period


def statsmodels_fit(y, m):
    return sm.OLS(y, sm.add_constant(m)).fit()


def check_fit(stats, fit, periods):
    assert stats.fit.beta == pytest.approx(fit.params[1], abs=TOL)
    assert stats.fit.alpha == pytest.approx(fit.params[0], abs=TOL)
    assert stats.fit.beta_se == pytest.approx(fit.bse[1], abs=TOL)
    assert stats.fit.t_stat == pytest.approx(fit.tvalues[1], rel=1e-9)
    low, high = fit.conf_int(alpha=0.05)[1]
    assert stats.fit.conf_int(0.05)[0] == pytest.approx(low, abs=TOL)
    assert stats.fit.conf_int(0.05)[1] == pytest.approx(high, abs=TOL)
    assert stats.fit.r_squared == pytest.approx(fit.rsquared, abs=TOL)
    assert stats.fit.n == fit.nobs
    assert stats.fit.annualized(periods).alpha == pytest.approx((1 + fit.params[0]) ** periods - 1, abs=TOL)
    assert stats.fit.annualized(periods).residual_std == pytest.approx(np.sqrt(fit.scale * periods), abs=TOL)
    assert stats.fit.blume_beta == pytest.approx(0.67 * fit.params[1] + 0.33, abs=TOL)


@pytest.mark.parametrize("rf", [0.0, 0.04])
def test_stats_of_both_columns_match_statsmodels(rng, rf):
    prices, market = random_market(rng, 250, 6)
    shares = rng.uniform(1, 40, 6)
    stats = api.portfolio_stats(prices, shares, market, rf=rf, as_of=120)
    rf_period = (1 + rf) ** (1 / 252) - 1
    m = excess(market, rf_period)
    actual = excess((prices * shares).sum(axis=1), rf_period)
    w = prices[119] * shares / (prices[119] * shares).sum()
    current = (excess(prices, rf_period)) @ w  # rebalanced to the as_of weights every period
    check_fit(stats.actual, statsmodels_fit(actual, m), 252)
    check_fit(stats.current, statsmodels_fit(current, m), 252)
    assert stats.current.fit.beta == pytest.approx(stats.result.wtd, abs=1e-12)
    assert stats.actual.fit.beta == pytest.approx(stats.result.reg, abs=1e-12)


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


def test_a_regime_with_fewer_than_3_periods_is_an_empty_cell_with_a_note(rng):
    prices, _ = random_market(rng, 8, 2)
    market = np.array([100, 101, 102, 101.5, 103, 104, 105, 106.5])  # one down period
    table = udfs.portbeta_stats(prices, [1, 1], market)
    rows = {r[0]: r for r in table}
    assert rows["down-market beta"][1:4] == [None, None, None]
    assert "fewer than 3 down-market periods" in rows["down-market beta"][4]
    assert rows["timing ratio (up / down)"][1] is None
    assert isinstance(rows["up-market beta"][1], float)


def test_stats_table_is_labelled_and_never_holds_nan():
    prices, shares, market = demo_portfolio()
    table = udfs.portbeta_stats(prices, shares, market, prices.index.to_numpy())
    assert table[0] == ["statistic", "actual holdings", "current weights", "difference", "note"]
    labels = [r[0] for r in table[1:]]
    for needed in ("beta", "standard error of beta", "t statistic", "95% CI low", "95% CI high", "R²",
                   "alpha per period", "alpha annualized", "residual volatility annualized", "observations",
                   "first date used", "last date used", "dates dropped for missing data", "up-market beta",
                   "down-market beta", "timing ratio (up / down)", "downside beta (Estrada)", "Blume-adjusted beta"):  # fmt: skip
        assert needed in labels
    assert all(len(r) == 5 for r in table)
    for r in table:
        for v in r:
            assert not (isinstance(v, float) and not math.isfinite(v))
    rows = {r[0]: r for r in table}
    assert rows["beta"][3] == pytest.approx(rows["beta"][1] - rows["beta"][2], abs=1e-15)
    assert rows["first date used"][1] == pd.Timestamp("2022-01-03").to_pydatetime()
    assert rows["observations"][1] == len(prices) - 1


def test_gap_detail_rows_add_up_exactly(rng):
    prices, market = random_market(rng, 200, 5)
    shares = rng.uniform(1, 40, 5)
    detail = api.gap_detail(prices, shares, market, as_of=100)
    np.testing.assert_allclose(detail.drift + detail.interaction, detail.contribution, atol=1e-15)
    assert detail.contribution.sum() == pytest.approx(detail.result.gap, abs=1e-12)
    # independent: weights from values, average over period starts, cov/var by numpy
    values = prices * shares
    w = values / values.sum(axis=1, keepdims=True)
    r, m = excess(prices), excess(market)
    average = w[:-1].mean(axis=0)
    np.testing.assert_allclose(detail.average_weights, average, atol=1e-14)
    betas = [statsmodels_fit(r[:, i], m).params[1] for i in range(5)]
    np.testing.assert_allclose(detail.drift, (average - w[99]) * betas, atol=1e-12)
    exact = [np.cov((w[:-1, i] - w[99, i]) * r[:, i], m)[0, 1] / np.var(m, ddof=1) for i in range(5)]
    np.testing.assert_allclose(detail.contribution, exact, atol=1e-12)
    table = udfs.beta_gap_detail(prices, shares, market, None, None, None, 100)
    assert table[0][0] == "holding" and table[-1][0] == "total"
    assert table[-1][7] == pytest.approx(detail.result.gap, abs=1e-12)
    assert sum(row[7] for row in table[1:-1]) == pytest.approx(table[-1][7], abs=1e-12)
    assert [row[1] for row in table[1:-1]] == pytest.approx(list(shares))


def test_trading_portfolio_against_a_value_and_flow_reconciliation(rng):
    """Buys one asset and sells another mid-sample; trades are flows, not returns."""
    prices, market = random_market(rng, 160, 3)
    holdings = np.tile([100.0, 200.0, 0.0], (160, 1))
    holdings[60:, 0] = 250.0  # buy asset 1 at row 60
    holdings[90:, 1] = 50.0  # sell most of asset 2 at row 90
    holdings[90:, 2] = 120.0  # buy asset 3 with it
    dates = pd.bdate_range("2023-01-02", periods=160)
    # Reconciliation: value after trading at t-1, marked to t, minus that value.
    value_before = (holdings[:-1] * prices[1:]).sum(axis=1)  # end of period, before t's trades
    value_after = (holdings[:-1] * prices[:-1]).sum(axis=1)  # start of period, after t-1's trades
    flows = (holdings[1:] - holdings[:-1]) * prices[1:]
    end_value = (holdings[1:] * prices[1:]).sum(axis=1)
    np.testing.assert_allclose(end_value - flows.sum(axis=1), value_before)  # the books balance
    returns = value_before / value_after - 1
    m = excess(market)
    as_of = dates[120]
    stats = api.portfolio_stats(prices, holdings, market, dates.to_numpy(), as_of=as_of.to_pydatetime())
    assert stats.result.reg == pytest.approx(statsmodels_fit(returns, m).params[1], abs=TOL)
    w = holdings[120] * prices[120] / (holdings[120] * prices[120]).sum()
    betas = [statsmodels_fit(excess(prices[:, i]), m).params[1] for i in range(3)]
    assert stats.result.wtd == pytest.approx(float(w @ betas), abs=TOL)
    detail = api.gap_detail(prices, holdings, market, dates.to_numpy(), as_of=as_of.to_pydatetime())
    np.testing.assert_allclose(detail.shares, holdings[120])
    assert detail.contribution.sum() == pytest.approx(detail.result.gap, abs=1e-12)


def per_window_reference(prices, holdings, market, window):
    """One statsmodels OLS per window; weights at each window's end date."""
    r, m = excess(prices), excess(market)
    y = excess((holdings * prices).sum(axis=1)) if holdings.ndim == 1 else None
    reg, wtd = [], []
    for end in range(window, len(m) + 1):
        sl = slice(end - window, end)
        reg.append(statsmodels_fit(y[sl], m[sl]).params[1])
        value = holdings * prices[end]
        betas = [statsmodels_fit(r[sl, i], m[sl]).params[1] for i in range(prices.shape[1])]
        wtd.append(float(value / value.sum() @ betas))
    return np.array(reg), np.array(wtd)


def test_rolling_equals_per_window_ols_with_holes(rng):
    n, window = 140, 30
    prices, market = random_market(rng, n, 4)
    shares = np.array([10.0, 20, 5, 40])
    holed = prices.copy()
    holes = [7, 33, 34, 90]
    holed[holes, [0, 1, 2, 3]] = np.nan
    dates = pd.bdate_range("2022-01-03", periods=n)
    rolling = api.rolling_portfolio_beta(holed, shares, market, window, dates.to_numpy())
    keep = np.setdiff1d(np.arange(n), holes)
    reg, wtd = per_window_reference(prices[keep], shares, market[keep], window)
    np.testing.assert_allclose(rolling.reg, reg, rtol=0, atol=1e-9)
    np.testing.assert_allclose(rolling.wtd, wtd, rtol=0, atol=1e-9)
    np.testing.assert_allclose(rolling.gap, reg - wtd, rtol=0, atol=1e-9)
    assert [d for d in rolling.labels] == [dates[k] for k in keep[window:]]
    table = udfs.portbeta_rolling(holed, shares, market, window, dates.to_numpy())
    assert table[0] == ["date", "REG", "WTD", "GAP"]
    assert len(table) == 1 + len(keep) - 1 - window + 1
    assert table[1][1] == pytest.approx(reg[0], abs=1e-9)


def test_rolling_window_errors():
    prices = np.array([[1.0], [1.1], [1.2], [1.15], [1.3]])
    market = np.array([10.0, 10.5, 10.4, 10.8, 11.0])
    from xl_portbeta import PortbetaError

    with pytest.raises(PortbetaError, match=r"^PORTBETA_ROLLING: window 10 must be between 3 and the 4 returns"):
        udfs.portbeta_rolling(prices, [1], market, 10)
    with pytest.raises(PortbetaError, match=r"^PORTBETA_ROLLING: window 'year' is not a whole number"):
        udfs.portbeta_rolling(prices, [1], market, "year")


def test_rolling_with_a_holdings_history_uses_each_window_ends_holdings(rng):
    n, window = 90, 25
    prices, market = random_market(rng, n, 3)
    holdings = np.tile([10.0, 20.0, 0.0], (n, 1))
    holdings[40:, 2] = 15.0
    holdings[60:, 0] = 0.0
    rolling = api.rolling_portfolio_beta(prices, holdings, market, window)
    r, m = excess(prices), excess(market)
    value = (holdings[:-1] * prices[1:]).sum(axis=1) / (holdings[:-1] * prices[:-1]).sum(axis=1) - 1
    for k, end in enumerate(range(window, n)):
        sl = slice(end - window, end)
        assert rolling.reg[k] == pytest.approx(statsmodels_fit(value[sl], m[sl]).params[1], abs=1e-9)
        w = holdings[end] * prices[end] / (holdings[end] * prices[end]).sum()
        betas = [statsmodels_fit(r[sl, i], m[sl]).params[1] for i in range(3)]
        assert rolling.wtd[k] == pytest.approx(float(w @ betas), abs=1e-9)
